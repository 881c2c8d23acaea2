"""Security headers on every answer; errors that never echo what was sent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import content_security_policy
from hotspots.settings import Settings

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_secured(answer: object, what: str) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (what, name, dict(headers))
    policy = headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, what
    assert "frame-ancestors 'none'" in policy, what
    assert "object-src 'none'" in policy, what


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/health", 200),  # JSON
        ("/", 200),  # the map page (HTML)
        ("/assets/leaflet/leaflet.js", 200),  # static
        ("/docs", 200),  # Swagger UI
        ("/openapi.json", 200),
        ("/api/v1/layers/grid?theme=drugs", 200),  # GeoJSON
        ("/api/v1/layers/grid?theme=drugs&format=csv", 200),
        ("/api/v1/layers/nothing", 422),  # validation error
        ("/api/v1/layers/gistar?seed=-1&permutations=9", 422),  # core error
        ("/api/v1/areas/E99999999/summary", 422),
        ("/no/such/page", 404),
        ("/ogc/collections/none/items", 404),  # OGC exception
        ("/?theme=nonsense", 422),  # HTML error page
    ],
)
def test_every_kind_of_answer_carries_the_security_headers(
    sample_client: TestClient, path: str, status: int
) -> None:
    answer = sample_client.get(path)
    assert answer.status_code == status, answer.text[:300]
    _assert_secured(answer, path)


def test_a_layer_from_the_cache_shortcut_and_a_304_carry_them(
    sample_client: TestClient,
) -> None:
    path = "/api/v1/layers/kde?theme=asb"
    first = sample_client.get(path)
    again = sample_client.get(path)  # answered by api/shortcut.py
    assert again.status_code == 200 and again.content == first.content
    _assert_secured(again, "shortcut")
    revalidated = sample_client.get(
        path, headers={"If-None-Match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304
    _assert_secured(revalidated, "304")


def test_the_policy_allows_images_from_the_tile_server_only(sample_url: str) -> None:
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    client = TestClient(create_app(Settings(database_url=sample_url, tiles=tiles)))
    policy = client.get("/api/v1/health").headers["content-security-policy"]
    images = next(d for d in policy.split("; ") if d.startswith("img-src"))
    assert images.split() == [
        "img-src",
        "'self'",
        "data:",
        "blob:",
        "https://*.tiles.example.org",
    ]
    assert "tiles.example.org" not in policy.replace(images, "")
    assert "https://" not in content_security_policy("none")


def test_validation_errors_do_not_echo_the_input(sample_client: TestClient) -> None:
    secret = "Flat 3, 12 Victim Street"
    answer = sample_client.get(
        "/api/v1/layers/gistar", params={"seed": secret, "permutations": "lots"}
    )
    assert answer.status_code == 422
    assert "Victim" not in answer.text and "lots" not in answer.text
    issues = answer.json()["detail"]
    assert {tuple(issue["loc"]) for issue in issues} == {
        ("query", "seed"),
        ("query", "permutations"),
    }
    for issue in issues:
        assert set(issue) == {"loc", "msg", "type"}
