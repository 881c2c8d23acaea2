"""Issue 12: /docs and /redoc link only the app's own files (no CDN, no fonts)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.test_mapview import LOADING


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_link_only_local_assets(
    sample_client: TestClient, path: str
) -> None:
    page = sample_client.get(path)
    assert page.status_code == 200
    assert not LOADING.search(page.text), LOADING.search(page.text)
    linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert linked and all(u.startswith("/assets/docs/") for u in linked), linked
    for url in linked:
        assert sample_client.get(url).status_code == 200, url


def test_redoc_script_has_no_cdn_address(sample_client: TestClient) -> None:
    script = sample_client.get("/assets/docs/redoc.offline.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert len(script.content) > 500_000
    assert "cdn.redoc.ly" not in script.text and "fonts.googleapis" not in script.text


def test_docs_pages_are_not_api_operations(sample_client: TestClient) -> None:
    paths = sample_client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc", "/assets/docs/redoc.offline.js"} & set(paths)
