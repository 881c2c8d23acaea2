"""The premises layer in real headless Chromium: search -> premises -> check -> report.

Screenshots (desktop and phone) go to ``test-artifacts/premises-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.browser.test_map_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    CHROMIUM,
    Watched,
    _leaving,
    browser,
)
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.live_server import serve
from tests.premises.conftest import NDR_CSV, NDR_TOML

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def premises_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on sample data with the sample premises register, tiles off, as
    a licensing team runs it: callers without a key are partners."""
    path: Path = tmp_path_factory.mktemp("premises-browser") / "map.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", tiles="none", default_role="partner"
    )
    store = open_store(settings.store_url())
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)
    import_premises(
        NDR_CSV,
        read_mapping(NDR_TOML),
        register_of(store),
        pack_postcodes(settings.area_pack()),
    )
    yield from serve(settings)


def _search_to_report(watched: Watched, base_url: str, shot: str) -> Any:
    page = watched.page
    watched.load(base_url + "/?method=gistar&view=50.8,-1.07,13")
    page.wait_for_selector("body[data-premises='434']")
    page.screenshot(path=str(ARTIFACTS / f"premises-{shot}-city.png"))
    # At city zoom the premises are clustered: numbered cluster icons, and
    # every premises is in a cluster or drawn alone.
    clusters = page.locator(".hs-pcluster")
    assert clusters.count() > 3
    alone = page.locator("path.hs-premises-marker").count()
    assert sum(int(t) for t in clusters.all_inner_texts()) + alone == 434
    if page.is_visible("#hs-menu"):  # a phone: the search is in the drawer
        page.click("#hs-menu")
    page.fill("#hs-premises-q", "whte swan")
    result = page.locator(".hs-premises-result").first
    result.wait_for()
    assert result.inner_text().startswith("The White Swan (pub, PO1 2DD)")
    result.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "The White Swan" in popup.inner_text()
    assert "No licence or hours" in popup.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"premises-{shot}-map.png"))
    with watched.context.expect_page() as opened:
        page.click(".hs-check-link")
    report = opened.value
    report.wait_for_load_state("load")
    return report


def test_search_premises_check_report_desktop(
    browser: Any,  # noqa: F811
    premises_url: str,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    watched = Watched(browser)
    requests: list[str] = []
    watched.context.on("request", lambda r: requests.append(r.url))
    try:
        report = _search_to_report(watched, premises_url, "desktop")
        assert report.locator("h1").inner_text() == (
            "Premises area check: The White Swan"
        )
        lead = report.locator(".key .lead").inner_text()
        assert lead.startswith("Within 100 m: 512 incidents, ")  # partner role
        assert "times the city average (95 % CI" in lead
        assert report.locator("svg.premises-map circle").count() > 5
        report.screenshot(path=str(ARTIFACTS / "premises-report.png"), full_page=True)
        assert watched.errors == []
        assert _leaving(requests, premises_url) == [], "no request leaves localhost"
    finally:
        watched.close()


def test_search_premises_check_report_phone(
    browser: Any,  # noqa: F811
    premises_url: str,
) -> None:
    watched = Watched(browser)
    watched.context.close()
    watched.context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    watched.page = watched.context.new_page()
    watched.page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    try:
        report = _search_to_report(watched, premises_url, "phone")
        assert "The White Swan" in report.locator("h1").inner_text()
        box = watched.page.locator("#hs-premises-search").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        report.screenshot(path=str(ARTIFACTS / "premises-report-phone.png"))
        assert watched.errors == []
    finally:
        watched.close()
