"""The change, emerging, trend and evaluation endpoints on the real sample data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from scipy import stats

from tests.api.conftest import ANALYST


def test_change_default_is_this_quarter_against_the_last(
    sample_client: TestClient,
) -> None:
    r = sample_client.get("/api/v1/change", params={"theme": "asb"})
    assert r.status_code == 200
    body = r.json()
    p = body["parameters"]
    assert (p["before_from"], p["before_to"]) == ("2017-02", "2017-04")
    assert (p["after_from"], p["after_to"]) == ("2017-05", "2017-07")
    ward = next(w for w in body["areas"] if w["name"] == "Central Southsea")
    ref = stats.binomtest(ward["n_after"], ward["n_before"] + ward["n_after"], 0.5)
    assert ward["p"] == pytest.approx(ref.pvalue)
    f = body["features"][0]
    assert f["geometry"]["type"] == "Polygon"
    assert {"n_before", "n_after", "change", "p", "q", "direction"} <= set(
        f["properties"]
    )


def test_change_given_periods_and_bad_month(sample_client: TestClient) -> None:
    r = sample_client.get(
        "/api/v1/change",
        params={"theme": "violence", "before_from": "2017-02", "before_to": "2017-02",
                "after_from": "2017-07", "after_to": "2017-07"},
    )  # fmt: skip
    assert r.status_code == 200
    assert r.json()["parameters"]["after_from"] == "2017-07"
    assert (
        sample_client.get(
            "/api/v1/change", params={"before_from": "2017-13"}
        ).status_code
        == 422
    )


def test_emerging_classes_with_z_and_trend(sample_client: TestClient) -> None:
    r = sample_client.get("/api/v1/change/emerging", params={"theme": "asb"})
    assert r.status_code == 200
    props = [f["properties"] for f in r.json()["features"]]
    assert any(p["pattern"] == "persistent hot spot" for p in props)
    assert all(len(p["z_by_slice"]) == 6 and "trend_tau" in p for p in props)
    sf = sample_client.get(
        "/api/v1/change/emerging", params={"theme": "asb", "scheme": "sfhotspot"}
    )
    assert sf.json()["parameters"]["persistent_prop"] == 0.8


def test_ward_trends(sample_client: TestClient) -> None:
    r = sample_client.get("/api/v1/change/trends", params={"theme": "violence"})
    wards = r.json()["wards"]
    assert len(wards) == 14
    assert all(len(w["counts"]) == 6 for w in wards)


def test_evaluation_json_csv_svg(sample_client: TestClient) -> None:
    r = sample_client.get("/api/v1/evaluation", params={"theme": "violence"})
    assert r.status_code == 200
    body = r.json()
    assert body["parameters"]["origins"] == ["2017-05", "2017-06", "2017-07"]
    rows = {(s["method"], s["coverage"]): s for s in body["summary"]}
    assert (
        rows[("counts all months", 0.05)]["pai"]
        > rows[("Gi* z, 3 months", 0.05)]["pai"]
    )
    svg = sample_client.get(
        "/api/v1/evaluation", params={"theme": "violence", "format": "svg"}
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    csv = sample_client.get(
        "/api/v1/evaluation",
        params={"theme": "violence", "format": "csv"},
        headers=ANALYST,
    )
    assert csv.text.splitlines()[0].startswith("method,origin,coverage,hit_rate")


def test_default_method_by_backtest(sample_client: TestClient) -> None:
    r = sample_client.get("/api/v1/evaluation/default", params={"theme": "asb"})
    body = r.json()
    assert body["method"] == "grid"
    assert body["window_months"] == 6
    gistar = next(c for c in body["candidates"] if c["method"].startswith("gistar"))
    assert gistar["pei"] < body["pei"]


def test_map_and_its_export_carry_the_trust_figure(sample_client: TestClient) -> None:
    page = sample_client.get("/", params={"theme": "violence"}).text
    assert 'id="hs-trust"' in page and "of the following month&#x27;s violence" in page
    export = sample_client.get("/export.html", params={"theme": "violence"}).text
    assert "How far to trust this map:</strong> This map&#x27;s top" in export
    assert 'id="hs-change-link"' not in export  # a file has no server behind it
    gpkg = sample_client.get(
        "/api/v1/layers/grid", params={"theme": "violence", "format": "gpkg"}
    )
    assert gpkg.status_code == 200 and b"trust" in gpkg.content


def test_emerging_by_week_uses_dated_incidents_only(sample_client: TestClient) -> None:
    r = sample_client.get(
        "/api/v1/change/emerging",
        params={"theme": "asb", "unit": "week", "from": "2017-02", "to": "2017-04"},
        headers=ANALYST,
    )
    assert r.status_code == 200, r.text
    p = r.json()["parameters"]
    assert p["slice_unit"] == "week"
    assert p["slices"][0] == "2017-01-30"  # the Monday of 1 February's week
    assert len(p["slices"]) == 13
    # police.uk ASB is known to the month only: left out and counted.
    assert p["left_out_month_only"] > 2000
    props = [f["properties"] for f in r.json()["features"]]
    assert props and all(len(x["z_by_slice"]) == 13 for x in props)


def test_layer_route_carries_trust(sample_client: TestClient) -> None:
    layer = sample_client.get(
        "/api/v1/layers/gistar",
        params={"theme": "violence", "from": "2017-05", "to": "2017-07"},
    ).json()
    trust = layer["parameters"]["trust"]
    assert trust["origins"] == ["2017-05", "2017-06", "2017-07"]
    assert trust["coverage"] == pytest.approx(
        layer["summary"]["hotspot_cells"] / layer["summary"]["cells"]
    )
    assert trust["pai"] > 1
