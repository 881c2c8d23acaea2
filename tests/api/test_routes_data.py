"""Incidents, boundaries and area summaries through the real app."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient

from tests.api.conftest import ANALYST, PARTNER
from tests.conftest import PORTSMOUTH_CSV


def test_incidents_are_counted_per_location_with_small_counts_withheld(
    sample_client: TestClient,
) -> None:
    layer = sample_client.get("/api/v1/incidents", params={"theme": "asb"}).json()
    counts = [f["properties"]["n"] for f in layer["features"]]
    assert min(counts) >= 3
    assert layer["withheld_incidents"] > 0
    assert layer["parameters"]["role"] == "public"
    analyst = sample_client.get(
        "/api/v1/incidents", params={"theme": "asb"}, headers=ANALYST
    ).json()
    assert analyst["withheld_incidents"] == 0
    total = sum(f["properties"]["n"] for f in analyst["features"])
    public_total = sum(counts) + layer["withheld_incidents"]
    assert total > public_total  # analysts also see domestic-abuse-flagged reports


def test_police_uk_locations_match_the_source_counts(sample_client: TestClient) -> None:
    layer = sample_client.get(
        "/api/v1/incidents", params={"theme": "drugs"}, headers=ANALYST
    ).json()
    source = pd.read_csv(PORTSMOUTH_CSV)
    police_drugs = (source["Crime type"] == "Drugs").sum()
    assert sum(f["properties"]["n"] for f in layer["features"]) >= police_drugs


def test_record_level_is_for_analysts_only(sample_client: TestClient) -> None:
    params = {"level": "record", "theme": "drugs", "from": "2017-02", "to": "2017-02"}
    assert sample_client.get("/api/v1/incidents", params=params).status_code == 403
    assert (
        sample_client.get(
            "/api/v1/incidents", params=params, headers=PARTNER
        ).status_code
        == 403
    )
    records = sample_client.get("/api/v1/incidents", params=params, headers=ANALYST)
    assert records.status_code == 200
    feature = records.json()["features"][0]
    assert len(feature["id"]) == 16
    assert feature["properties"]["theme"] == "drugs"
    bad = sample_client.get("/api/v1/incidents", params={"level": "points"})
    assert bad.status_code == 422


def test_record_level_with_day_bounds(sample_client: TestClient) -> None:
    params = {"level": "record", "from": "2017-05-06", "to": "2017-05-07"}
    body = sample_client.get("/api/v1/incidents", params=params, headers=ANALYST)
    layer = body.json()
    assert (layer["parameters"]["period_from"], layer["parameters"]["period_to"]) == (
        "2017-05-06", "2017-05-07",
    )  # fmt: skip
    days = {f["properties"]["occurred_at"][:10] for f in layer["features"]}
    assert days == {"2017-05-06", "2017-05-07"}  # a weekend of council reports
    precisions = {f["properties"]["occurred_precision"] for f in layer["features"]}
    assert "month" not in precisions


def test_incidents_csv_download(sample_client: TestClient) -> None:
    response = sample_client.get(
        "/api/v1/incidents", params={"theme": "violence", "format": "csv"}
    )
    table = pd.read_csv(io.StringIO(response.text))
    assert {"location_id", "n", "point_lon", "point_lat"} <= set(table.columns)
    assert (table["n"] >= 3).all()


def test_boundaries(sample_client: TestClient) -> None:
    wards = sample_client.get("/api/v1/boundaries/ward").json()
    assert len(wards["features"]) == 14
    assert wards["features"][0]["id"].startswith("E05")
    assert "Crown copyright" in wards["parameters"]["attribution"]
    lsoas = sample_client.get("/api/v1/boundaries/lsoa", params={"format": "csv"})
    assert len(pd.read_csv(io.StringIO(lsoas.text))) == 125
    assert sample_client.get("/api/v1/boundaries/beats").status_code == 422


def test_area_summary_counts_share_and_trend(sample_client: TestClient) -> None:
    summary = sample_client.get(
        "/api/v1/areas/E05002443/summary", headers=ANALYST
    ).json()
    assert summary["area_name"] == "Charles Dickens"
    assert summary["months"] == [f"2017-0{m}" for m in range(2, 8)]
    asb = summary["themes"]["asb"]
    assert sum(asb["by_month"].values()) == asb["total"] > 0
    assert 0 < asb["share_of_city"] < 1
    assert asb["last_3_vs_previous_3"]["last_3"] == sum(
        list(asb["by_month"].values())[-3:]
    )
    alcohol = summary["themes"]["alcohol"]
    assert alcohol["total"] > 0  # flagged local incidents count under alcohol
    by_name = sample_client.get("/api/v1/areas/Charles Dickens/summary").json()
    assert by_name["area_code"] == "E05002443"
    assert by_name["excluded_flags"] == [
        "domestic_abuse",
        "sexual_offence",
        "hate_crime",
    ]
    missing = sample_client.get("/api/v1/areas/E05999999/summary")
    assert missing.status_code == 422
    assert "unknown area" in missing.json()["detail"]


def test_openapi_docs_list_the_versioned_paths(sample_client: TestClient) -> None:
    paths = sample_client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/layers/{method}",
        "/api/v1/incidents",
        "/api/v1/boundaries/{name}",
        "/api/v1/areas/{code}/summary",
        "/api/v1/health",
    ):
        assert path in paths
    assert sample_client.get("/docs").status_code == 200
