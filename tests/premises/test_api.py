"""The premises routes on the real sample data through TestClient."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.settings import Settings
from tests.premises.conftest import WHITE_SWAN

ANALYST = {"X-API-Key": "analyst-key"}
PARTNER = {"X-API-Key": "partner-key"}


@pytest.fixture(scope="module")
def client(sample_db: Path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{sample_db}",
        api_keys="analyst-key=analyst,partner-key=partner",
        compute_processes=0,
    )
    return TestClient(create_app(settings))


def test_search(client: TestClient) -> None:
    body = client.get("/api/v1/premises", params={"q": "whte swan"}).json()
    assert body["data"][0]["premises_id"] == WHITE_SWAN
    assert body["data"][0]["matched"] == "name"


def test_layer_has_every_premises(client: TestClient) -> None:
    body = client.get("/api/v1/premises/layer").json()
    assert len(body["features"]) == 434
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert -1.2 < lon < -0.9 and 50.7 < lat < 50.9


def test_check_and_disclosure_by_role(client: TestClient) -> None:
    url = f"/api/v1/premises/{WHITE_SWAN}/check"
    partner = client.get(url, headers=PARTNER, params={"change": "2017-05"}).json()
    assert partner["total"] == 512 and partner["radius_m"] == 100
    assert partner["gistar"]["bin"] == 3
    assert partner["before_after"]["before"] + partner["before_after"]["after"] == 512
    analyst = client.get(url, headers=ANALYST).json()
    # Domestic abuse within 100 m: 10, so shown to partners; the public never:
    # a check counts within 100 m of one address, finer than any public output.
    assert partner["sensitive"][0]["count"] == analyst["sensitive"][0]["count"] == 10
    refused = client.get(url)
    assert refused.status_code == 403 and "partner" in refused.json()["detail"]
    small = client.get(url, headers=PARTNER, params={"radius_m": 50}).json()
    small_analyst = client.get(url, headers=ANALYST, params={"radius_m": 50}).json()
    n = small_analyst["sensitive"][0]["count"]
    if 1 <= n <= 4:
        assert small["sensitive"][0]["count"] == "fewer than 5"


def test_check_errors(client: TestClient) -> None:
    missing = client.get("/api/v1/premises/nope:1/check", headers=PARTNER)
    assert missing.status_code == 404
    bad = client.get(
        f"/api/v1/premises/{WHITE_SWAN}/check", params={"radius_m": 20}, headers=PARTNER
    )
    assert bad.status_code == 422


def test_rank_says_where_circles_overlap(client: TestClient) -> None:
    body = client.get(
        "/api/v1/premises/rank", params={"radius_m": 100}, headers=PARTNER
    ).json()
    assert client.get("/api/v1/premises/rank").status_code == 403  # public
    assert "counted for each premises" in " ".join(body["caveats"])
    assert "anonymous map points" in body["caveats"][0]
    first = body["data"][0]
    assert first["incidents"] == 512 and first["cluster_premises"] == 14
    assert len(body["data"]) == 191


def test_report_formats(client: TestClient) -> None:
    url = f"/api/v1/premises/{WHITE_SWAN}/report"
    html = client.get(url, headers=PARTNER)
    assert html.status_code == 200 and "The White Swan" in html.text
    assert "http://" not in html.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    as_csv = client.get(url, params={"format": "csv"}, headers=PARTNER).text
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert {"section": "incidents", "item": "total", "value": "512"} in rows
    pdf = client.get(url, params={"format": "pdf"}, headers=PARTNER)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_map_page_has_the_premises_layer_but_the_export_not(client: TestClient) -> None:
    page = client.get("/").text
    assert 'id="hs-premises-search"' in page
    assert 'fetch("/api/v1/premises/layer")' in page
    exported = client.get("/export.html").text
    assert "hs-premises-search" not in exported  # a file on disk has no server
