"""Repeat layer and summary requests are answered from what the route kept,
never across keys or data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi.testclient import TestClient

from api.shortcut import CachedAnswerShortcut, kept_summary
from tests.api.conftest import ANALYST, PARTNER

LAYER = "/api/v1/layers"


def _scope(path: str, query: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def _call(shortcut: CachedAnswerShortcut, scope: dict[str, Any]) -> dict[str, Any]:
    """Run the middleware once; the status, headers and body it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(shortcut(scope, receive, send))
    start = sent[0]
    return {
        "status": start["status"],
        "headers": {k.decode(): v.decode() for k, v in start["headers"]},
        "body": b"".join(m.get("body", b"") for m in sent[1:]),
    }


def _shortcut_over_nothing(client: TestClient) -> CachedAnswerShortcut:
    """The app's cache and store behind a middleware whose app must not be called."""

    async def route_not_expected(*_: Any) -> None:
        raise AssertionError("the request reached the app")

    state = client.app.state  # type: ignore[attr-defined]
    return CachedAnswerShortcut(
        route_not_expected, state.layers, state.store, state.summaries_kept
    )


def test_a_repeated_request_is_answered_without_the_route(
    sample_client: TestClient,
) -> None:
    first = sample_client.get(
        f"{LAYER}/kde?theme=violence&from=2017-03",
        headers={"Accept-Encoding": "identity"},
    )
    assert first.status_code == 200
    shortcut = _shortcut_over_nothing(sample_client)

    again = _call(shortcut, _scope(f"{LAYER}/kde", "theme=violence&from=2017-03", {}))
    assert again["status"] == 200
    assert again["body"] == first.content
    assert again["headers"]["etag"] == first.headers["etag"]
    assert again["headers"]["content-type"] == "application/geo+json"
    assert again["headers"]["vary"] == "X-API-Key, Accept-Encoding"

    match = {"If-None-Match": first.headers["etag"]}
    assert (
        _call(shortcut, _scope(f"{LAYER}/kde", "theme=violence&from=2017-03", match))[
            "status"
        ]
        == 304
    )


def test_the_shortcut_never_crosses_api_keys(sample_client: TestClient) -> None:
    url = f"{LAYER}/grid?theme=asb&from=2017-05"
    partner = sample_client.get(url, headers=PARTNER)
    public = sample_client.get(url)
    assert partner.json()["parameters"]["excluded_flags"] == []
    assert public.json()["parameters"]["excluded_flags"] != []
    assert sample_client.get(url, headers={"X-API-Key": "guess"}).status_code == 401
    assert sample_client.get(url, headers=PARTNER).content == partner.content


def test_downloads_are_not_answered_as_geojson(sample_client: TestClient) -> None:
    url = f"{LAYER}/dbscan?theme=asb&format=csv"
    first = sample_client.get(url, headers=ANALYST)
    again = sample_client.get(url, headers=ANALYST)
    assert first.headers["content-type"].startswith("text/csv")
    assert again.content == first.content
    shortcut = _shortcut_over_nothing(sample_client)
    cache = shortcut.cache
    alias = (f"{LAYER}/dbscan", b"theme=asb&format=csv", ANALYST["X-API-Key"].encode())
    assert cache.get_alias(alias, shortcut.store.data_version()) is None


def test_an_alias_is_forgotten_when_the_data_changes(
    sample_client: TestClient,
) -> None:
    assert sample_client.get(f"{LAYER}/hdbscan?theme=asb").status_code == 200
    state = sample_client.app.state  # type: ignore[attr-defined]
    alias = (f"{LAYER}/hdbscan", b"theme=asb", None)
    version = state.store.data_version()
    cached = state.layers.get_alias(alias, version)
    assert cached is not None
    assert json.loads(cached.body)["parameters"]["data_version"] == version
    assert state.layers.get_alias(alias, version + 1) is None


def test_each_encoding_and_file_format_has_its_own_etag(
    sample_client: TestClient,
) -> None:
    url = f"{LAYER}/grid?theme=drugs"
    plain = sample_client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = sample_client.get(url, headers={"Accept-Encoding": "gzip"})
    csv = sample_client.get(f"{url}&format=csv")
    etags = {r.headers["etag"] for r in (plain, zipped, csv)}
    assert len(etags) == 3
    for etag in (plain.headers["etag"], zipped.headers["etag"]):
        for encoding in ("identity", "gzip"):
            again = sample_client.get(
                url, headers={"If-None-Match": etag, "Accept-Encoding": encoding}
            )
            assert again.status_code == 304
    weak_list = f'"other", W/{csv.headers["etag"]}'
    csv_again = sample_client.get(
        f"{url}&format=csv", headers={"If-None-Match": weak_list}
    )
    assert csv_again.status_code == 304
    assert (
        sample_client.get(
            f"{url}&format=csv", headers={"If-None-Match": plain.headers["etag"]}
        ).status_code
        == 200
    )


SUMMARY = "/api/v1/areas/{code}/summary"


def test_a_repeated_summary_is_answered_without_the_route(
    sample_client: TestClient,
) -> None:
    path = SUMMARY.format(code="city")
    first = sample_client.get(f"{path}?from=2017-03&to=2017-05", headers=PARTNER)
    assert first.status_code == 200
    shortcut = _shortcut_over_nothing(sample_client)

    again = _call(shortcut, _scope(path, "from=2017-03&to=2017-05", PARTNER))
    assert again["status"] == 200
    assert again["body"] == first.content
    assert again["headers"]["content-type"] == first.headers["content-type"]
    assert again["headers"]["content-length"] == first.headers["content-length"]


def test_a_summary_is_kept_per_key_per_version_and_never_an_error(
    sample_client: TestClient,
) -> None:
    state = sample_client.app.state  # type: ignore[attr-defined]
    path = SUMMARY.format(code="city")
    partner = sample_client.get(path, headers=PARTNER)
    public = sample_client.get(path)
    assert partner.json()["excluded_flags"] == []
    assert public.json()["excluded_flags"] != []
    assert sample_client.get(path, headers={"X-API-Key": "guess"}).status_code == 401
    assert sample_client.get(path, headers=PARTNER).content == partner.content
    assert sample_client.get(path).content == public.content

    version = state.store.data_version()
    kept = state.summaries_kept
    partner_asks = _scope(path, "", PARTNER)
    assert kept_summary(kept, partner_asks, version) == partner.content
    assert kept_summary(kept, _scope(path, "", {}), version) == public.content
    assert kept_summary(kept, partner_asks, version + 1) is None  # after an ingest

    unknown = SUMMARY.format(code="E05999999")
    assert sample_client.get(unknown).status_code == 422
    assert kept_summary(kept, _scope(unknown, "", {}), version) is None
