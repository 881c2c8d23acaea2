"""One rule for "in this area": layers, summaries, incidents, the map and the store
agree for the city and every ward, every theme, on the real sample months.

The store's count is taken here with plain SQL on the SQLite file (by the codes
given at ingest), independently of the service's own reading code.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import shapely

from api.cache import LayerCache
from api.mapdata import gather_map_data, resolve_view
from boundaries.io import read_boundaries
from hotspots.access import SENSITIVE_FLAGS, Role, policy_for
from hotspots.schema import Theme
from hotspots.store import open_store
from tests.api.conftest import ANALYST

THEMES: list[str | None] = [None, *(t.value for t in Theme)]


def _sql_count(url: str, wards: list[str], theme: str | None, where: str = "") -> int:
    path = Path(url.removeprefix("sqlite:///"))
    marks = ",".join("?" * len(wards))
    sql = f"SELECT COUNT(*) FROM incidents WHERE ward_code IN ({marks})"
    params: list[str] = list(wards)
    if theme is not None:
        sql += " AND (theme = ? OR (? = 'alcohol' AND alcohol_related = 1))"
        params += [theme, theme]
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql + where, params).fetchone()[0])


def _areas() -> list[tuple[str, list[str]]]:
    wards = read_boundaries("ward")
    city = [("city", list(wards["code"]))]
    return city + [(code, [code]) for code in wards["code"]]


def test_layer_summary_incidents_and_store_agree_for_every_area_and_theme(
    sample_client: TestClient, sample_url: str
) -> None:
    checked = 0
    for area, wards in _areas():
        summary = sample_client.get(
            f"/api/v1/areas/{area}/summary", headers=ANALYST
        ).json()
        for theme in THEMES:
            params = {"area": area} | ({"theme": theme} if theme else {})
            layer = sample_client.get(
                "/api/v1/layers/grid", params=params, headers=ANALYST
            ).json()
            expected = _sql_count(sample_url, wards, theme)
            figures = summary["themes"][theme] if theme else summary["incidents"]
            assert figures["total"] == expected, (area, theme)
            assert layer["summary"]["area_incidents"] == expected, (area, theme)
            assert layer["summary"]["dropped_outside_area"] == 0
            # The statistic is the city's: every incident of the city is in a cell.
            city = _sql_count(sample_url, _areas()[0][1], theme)
            assert layer["summary"]["incidents"] == city
            assert layer["summary"]["incidents_covered"] == city
            checked += 1
        incidents = sample_client.get(
            "/api/v1/incidents", params={"area": area}, headers=ANALYST
        ).json()
        located = sum(f["properties"]["n"] for f in incidents["features"])
        assert (
            located + incidents["withheld_incidents"] == summary["incidents"]["total"]
        )
    assert checked == 15 * len(THEMES)  # the city and its 14 wards


def test_every_incident_of_a_ward_lies_in_a_cell_of_its_layer(
    sample_client: TestClient, sample_url: str
) -> None:
    store = open_store(sample_url)
    frame = store.incidents()
    for code in read_boundaries("ward")["code"]:
        layer = sample_client.get(
            "/api/v1/layers/grid",
            params={"area": code, "cell_size_m": 100},
            headers=ANALYST,
        ).json()
        cells = {f["id"] for f in layer["features"]}
        ward = frame[frame["ward_code"] == code]
        held = {
            f"sq100_{math.floor(x / 100) * 100}_{math.floor(y / 100) * 100}"
            for x, y in zip(ward["easting"], ward["northing"], strict=True)
        }
        assert held <= cells, code
        assert sum(f["properties"]["n"] for f in layer["features"]) >= len(ward)


def test_seafront_incidents_outside_the_polygon_are_in_the_city_layer(
    sample_client: TestClient, sample_url: str
) -> None:
    # Snap points up to the coast tolerance outside the clipped boundary keep
    # their ward at ingest; the layer must count them too.
    store = open_store(sample_url)
    frame = store.incidents()
    outline = read_boundaries("ward").union_all()
    outside = ~shapely.intersects_xy(outline, frame["easting"], frame["northing"])
    assert outside.sum() > 50  # the sample has some (76 police.uk rows)
    layer = sample_client.get(
        "/api/v1/layers/grid", params={"cell_size_m": 100}, headers=ANALYST
    ).json()
    n = {f["id"]: f["properties"]["n"] for f in layer["features"]}
    for x, y in zip(frame["easting"][outside], frame["northing"][outside], strict=True):
        cell = f"sq100_{math.floor(x / 100) * 100}_{math.floor(y / 100) * 100}"
        assert n.get(cell, 0) > 0


def test_the_map_counts_an_area_as_the_summary_does(
    sample_client: TestClient, sample_url: str
) -> None:
    store = open_store(sample_url)
    policy = policy_for(Role.ANALYST)
    cache = LayerCache()
    months = store.months()
    sensitive = " AND " + " AND ".join(f"{flag} = 0" for flag in SENSITIVE_FLAGS)
    for area, wards in _areas()[:4]:
        view = resolve_view(months, area=area, method="grid")
        data = gather_map_data(store, cache, view, months, policy)
        shown = int(data.incidents["n"].sum()) + data.incidents.attrs["withheld"]
        period = f" AND month BETWEEN '{view.month_from}' AND '{view.month_to}'"
        assert shown == _sql_count(sample_url, wards, None, sensitive + period)
        grid = data.layers["grid"]
        assert grid["summary"]["area_incidents"] == _sql_count(
            sample_url, wards, None, period
        )


@pytest.mark.parametrize("name", ["city", "Portsmouth", "E06000044", "portsmouth"])
def test_the_city_is_an_area_like_any_other(
    sample_client: TestClient, sample_url: str, name: str
) -> None:
    response = sample_client.get(f"/api/v1/areas/{name}/summary", headers=ANALYST)
    assert response.status_code == 200
    body = response.json()
    assert (body["area_code"], body["area_name"]) == ("E06000044", "Portsmouth")
    wards = _areas()[0][1]
    assert body["incidents"]["total"] == _sql_count(sample_url, wards, None) > 20_000
    assert body["themes"]["asb"]["total"] == _sql_count(sample_url, wards, "asb")
    assert body["themes"]["asb"]["share_of_city"] == 1.0


def test_an_unknown_area_is_a_422_naming_it(sample_client: TestClient) -> None:
    response = sample_client.get("/api/v1/areas/Atlantis/summary")
    assert response.status_code == 422
    assert "Atlantis" in response.json()["detail"]


# A pub in Southsea's Albert Road (WGS84), and a box of about 100 m around it.
PUB_BOX = "-1.0935,50.7975,-1.0905,50.7995"


def test_a_bbox_returns_the_city_layer_cells_unchanged(
    sample_client: TestClient,
) -> None:
    params = {"theme": "asb", "cell_size_m": 100}
    city = sample_client.get("/api/v1/layers/gistar", params=params).json()
    boxed = sample_client.get(
        "/api/v1/layers/gistar", params=params | {"bbox": PUB_BOX}
    ).json()
    by_id = {f["id"]: f["properties"] for f in city["features"]}
    assert 0 < len(boxed["features"]) < 30
    for feature in boxed["features"]:
        assert feature["properties"] == by_id[feature["id"]]
    assert any(f["properties"]["gistar_bin"] == 3 for f in boxed["features"])
    assert boxed["parameters"]["bbox"] == PUB_BOX
    assert boxed["parameters"]["study_area_code"] == "E06000044"
    assert boxed["summary"]["incidents"] == city["summary"]["incidents"]
    assert boxed["summary"]["area_features"] == len(boxed["features"])


def test_a_ward_returns_the_city_layer_cells_unchanged(
    sample_client: TestClient,
) -> None:
    params = {"theme": "violence", "cell_size_m": 150}
    city = sample_client.get("/api/v1/layers/gistar", params=params).json()
    ward = sample_client.get(
        "/api/v1/layers/gistar", params=params | {"area": "Charles Dickens"}
    ).json()
    by_id = {f["id"]: f["properties"] for f in city["features"]}
    assert 0 < len(ward["features"]) < len(city["features"])
    for feature in ward["features"]:
        assert feature["properties"] == by_id[feature["id"]]
    assert ward["parameters"]["area_code"] == "E05002443"


def test_a_statistic_inside_an_area_is_asked_for_explicitly(
    sample_client: TestClient,
) -> None:
    params = {"theme": "violence", "cell_size_m": 150}
    ward = sample_client.get(
        "/api/v1/layers/gistar", params=params | {"study_area": "E05002443"}
    ).json()
    city = sample_client.get("/api/v1/layers/gistar", params=params).json()
    assert ward["parameters"]["study_area_code"] == "E05002443"
    assert ward["parameters"]["area_code"] == "E05002443"
    assert ward["summary"]["incidents"] < city["summary"]["incidents"]
    by_id = {f["id"]: f["properties"]["gistar_z"] for f in city["features"]}
    changed = [
        f for f in ward["features"] if f["properties"]["gistar_z"] != by_id[f["id"]]
    ]
    assert changed  # a different statistic, and it says so in its parameters


def test_an_area_outside_the_study_area_is_refused(sample_client: TestClient) -> None:
    response = sample_client.get(
        "/api/v1/layers/grid",
        params={"study_area": "Charles Dickens", "area": "Paulsgrove"},
    )
    assert response.status_code == 422
    assert "outside the study area" in response.json()["detail"]
