from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import geopandas as gpd

from tests.api.conftest import ANALYST

LAYER = "/api/v1/layers"


@pytest.mark.parametrize("method", ["grid", "kde", "gistar", "dbscan", "hdbscan"])
def test_every_method_serves_geojson_with_parameters(
    sample_client: TestClient, method: str
) -> None:
    response = sample_client.get(f"{LAYER}/{method}", params={"theme": "asb"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    layer = response.json()
    assert layer["features"]
    assert layer["parameters"]["method"] == method
    assert layer["parameters"]["theme"] == "asb"
    assert layer["parameters"]["data_version"] == 3
    assert "ETag" in response.headers or "etag" in response.headers
    assert response.headers["cache-control"].startswith("private")


def test_etag_gives_304_and_a_new_ingest_changes_the_layer(
    sample_client: TestClient, sample_url: str, tmp_path: Path
) -> None:
    params = {"theme": "drugs", "from": "2017-04", "to": "2017-06"}
    first = sample_client.get(f"{LAYER}/gistar", params=params)
    etag = first.headers["etag"]
    again = sample_client.get(
        f"{LAYER}/gistar", params=params, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    from hotspots.ingest import ingest_paths
    from hotspots.store import open_store

    extra = tmp_path / "extra.csv"
    extra.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
        "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
        ",2017-05,Hampshire Constabulary,Hampshire Constabulary,-1.091236,50.797445,"
        "On or near Guildhall Walk,E01017012,Portsmouth 018A,Drugs,,\n"
    )
    ingest_paths([extra], open_store(sample_url))
    after = sample_client.get(
        f"{LAYER}/gistar", params=params, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.json()["parameters"]["data_version"] == 4
    assert after.headers["etag"] != etag


def test_bad_method_lists_the_valid_ones(sample_client: TestClient) -> None:
    response = sample_client.get(f"{LAYER}/heatmap")
    assert response.status_code == 422
    assert "'grid', 'kde', 'gistar', 'dbscan' or 'hdbscan'" in response.text


def test_empty_period_is_an_empty_layer_with_a_note(sample_client: TestClient) -> None:
    response = sample_client.get(f"{LAYER}/kde", params={"from": "2020-01"})
    assert response.status_code == 200
    layer = response.json()
    assert layer["features"] == []
    assert "no incidents in Portsmouth from 2020-01" in layer["note"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"eps_m": 100}, "do not apply to method 'kde'"),
        ({"area": "Atlantis"}, "unknown area 'Atlantis'"),
        ({"bbox": "1,2,3"}, "must be four numbers"),
        ({"bbox": "10,10,11,11"}, "does not overlap"),
        ({"from": "2017-7"}, "String should match pattern"),
        ({"from": "2017-07", "to": "2017-02"}, "is after"),
        ({"from": "2017-04-10", "to": "2017-04-02"}, "is after"),
        ({"from": "2017-04", "to": "2017-03-31"}, "is after"),
        ({"from": "2017-02-30"}, "from='2017-02-30' is not a month (YYYY-MM) or a day"),
        ({"to": "2017-02-1"}, "String should match pattern"),
        ({"theme": "burglary"}, "'asb', 'violence', 'drugs', 'alcohol' or 'other'"),
        ({"cell_size_m": -5}, "greater than 0"),
        ({"cell_size_m": 1}, "finer than the 100 m cell size the public role"),
    ],
)
def test_bad_parameters_are_422_saying_what_to_change(
    sample_client: TestClient, params: dict[str, object], message: str
) -> None:
    response = sample_client.get(f"{LAYER}/kde", params=params)
    assert response.status_code == 422, response.text
    assert message in response.text


def _total(layer: dict[str, object]) -> int:
    return sum(f["properties"]["n"] for f in layer["features"])  # type: ignore


def test_day_bounds_leave_out_incidents_known_to_the_month_only(
    sample_client: TestClient,
) -> None:
    def grid(**params: str) -> dict[str, object]:
        response = sample_client.get(f"{LAYER}/grid", params=params, headers=ANALYST)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    mid_march = grid(theme="asb", **{"from": "2017-03-15", "to": "2017-04-30"})
    parameters = mid_march["parameters"]
    assert (parameters["period_from"], parameters["period_to"]) == (
        "2017-03-15", "2017-04-30",
    )  # fmt: skip
    # Left out: police.uk's March ASB (no day); council ASB reports have days.
    police_march = grid(
        category="Anti-social behaviour", **{"from": "2017-03", "to": "2017-03"}
    )
    assert parameters["left_out_month_only"] == _total(police_march) > 100
    assert (
        f"{_total(police_march):,} incidents known only to their month"
        in mid_march["note"]
    )

    whole = grid(theme="asb", **{"from": "2017-03", "to": "2017-04"})
    as_days = grid(theme="asb", **{"from": "2017-03-01", "to": "2017-04-30"})
    assert as_days["features"] == whole["features"]
    assert as_days["parameters"]["left_out_month_only"] == 0 and "note" not in as_days
    assert _total(whole) > _total(mid_march) + _total(police_march)  # 1-14 March


def test_area_set_and_category_filters(sample_client: TestClient) -> None:
    city = sample_client.get(f"{LAYER}/grid", params={"theme": "violence"}).json()
    wards = sample_client.get(
        f"{LAYER}/grid",
        params={"theme": "violence", "area": "E05002443,E05002448"},
    ).json()
    robbery = sample_client.get(
        f"{LAYER}/grid", params={"theme": "violence", "category": "Robbery"}
    ).json()
    total = city["summary"]["incidents"]  # cells' n: small ones withheld (public)
    assert 0 < wards["summary"]["area_incidents"] < total
    assert 0 < robbery["summary"]["incidents"] < total
    assert robbery["parameters"]["categories"] == ["Robbery"]


def test_csv_and_geopackage_downloads(
    sample_client: TestClient, tmp_path: Path
) -> None:
    params = {"theme": "asb", "method": "gistar"}
    geojson = sample_client.get(f"{LAYER}/gistar", params=params).json()
    csv = sample_client.get(f"{LAYER}/gistar", params={**params, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="gistar_asb.csv"' in csv.headers["content-disposition"]
    table = pd.read_csv(io.StringIO(csv.text))
    assert len(table) == len(geojson["features"])
    assert {
        "cell_id",
        "n",
        "gistar_z",
        "gistar_p",
        "gistar_bin",
        "geometry_wkt",
    } <= set(table.columns)
    gpkg = sample_client.get(f"{LAYER}/gistar", params={**params, "format": "gpkg"})
    path = tmp_path / "layer.gpkg"
    path.write_bytes(gpkg.content)
    cells = gpd.read_file(path, layer="gistar_asb")
    assert len(cells) == len(geojson["features"])
    assert cells.crs.to_epsg() == 4326
    parameters = gpd.read_file(path, layer="parameters")
    recorded = dict(zip(parameters["key"], parameters["value"], strict=True))
    assert json.loads(recorded["distance_m"]) == pytest.approx(
        geojson["parameters"]["distance_m"]
    )


def test_sensitive_incidents_are_left_out_for_public_callers(
    sample_client: TestClient,
) -> None:
    params = {"theme": "asb", "method": "grid"}
    public = sample_client.get(f"{LAYER}/grid", params=params).json()
    analyst = sample_client.get(f"{LAYER}/grid", params=params, headers=ANALYST).json()
    assert public["parameters"]["excluded_flags"] == [
        "domestic_abuse", "sexual_offence", "hate_crime",
    ]  # fmt: skip
    assert analyst["parameters"]["excluded_flags"] == []
    count = public["summary"]["incidents"]
    # 186 council ASB reports are flagged domestic (sample_data/local/README.md).
    assert analyst["summary"]["incidents"] - count > 100


def test_unknown_api_key_is_401(sample_client: TestClient) -> None:
    response = sample_client.get(f"{LAYER}/grid", headers={"X-API-Key": "guess"})
    assert response.status_code == 401


def test_layers_are_served_gzip_compressed_when_asked(
    sample_client: TestClient,
) -> None:
    params = {"theme": "asb"}
    plain = sample_client.get(
        f"{LAYER}/grid", params=params, headers={"Accept-Encoding": "identity"}
    )
    zipped = sample_client.get(
        f"{LAYER}/grid", params=params, headers={"Accept-Encoding": "gzip"}
    )
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()  # the client decompresses
    assert int(zipped.headers["content-length"]) * 5 < len(plain.content)
