"""GeoJSON output: WGS84 lon/lat, stable ids, properties and provenance."""

from __future__ import annotations

import json

import numpy as np

from hotspots.analysis.geojson import to_geojson
from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde


def test_feature_collection_in_portsmouth_lon_lat(planted):
    result = kde(planted, cell_size_m=200)
    doc = to_geojson(result, extra_parameters={"period": "2024-05", "theme": "asb"})
    json.dumps(doc, allow_nan=False)  # plain JSON, no NaN
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(result.features)
    coords = np.array(
        [xy for f in doc["features"] for xy in f["geometry"]["coordinates"][0]]
    )
    assert coords[:, 0].min() > -1.2 and coords[:, 0].max() < -0.95
    assert coords[:, 1].min() > 50.7 and coords[:, 1].max() < 50.9
    assert np.all(np.round(coords, 6) == coords)
    params = doc["parameters"]
    for key in ("cell_size_m", "bandwidth_m", "bandwidth_rule", "kernel"):
        assert key in params
    assert params["period"] == "2024-05" and params["theme"] == "asb"
    assert doc["auto"] == ["bandwidth_m"]
    assert doc["summary"]["incidents"] == len(planted)
    first = doc["features"][0]
    assert first["id"] == first["properties"]["cell_id"]
    assert set(first["properties"]) == {"cell_id", "n", "density_km2"}
    assert isinstance(first["properties"]["n"], int)


def test_ids_stable_across_runs(planted):
    a = to_geojson(grid_counts(planted, cell_size_m=100))
    b = to_geojson(grid_counts(planted.iloc[::-1], cell_size_m=100))
    assert [f["id"] for f in a["features"]] == [f["id"] for f in b["features"]]


def test_gistar_properties_and_fdr_flag(planted):
    doc = to_geojson(gistar(planted, cell_size_m=250, fdr=False))
    props = doc["features"][0]["properties"]
    for key in ("cell_id", "n", "gistar_z", "gistar_p", "gistar_bin"):
        assert key in props
    assert doc["parameters"]["fdr"] is False
    assert doc["parameters"]["distance_m"] > 0


def test_nan_becomes_null(planted, square_area):
    result = gistar(planted, cell_size_m=500, distance_m=7_000, area=square_area)
    doc = to_geojson(result)  # centres <= 6,364 m apart: all neighbours, z undefined
    assert all(f["properties"]["gistar_z"] is None for f in doc["features"])
    json.dumps(doc, allow_nan=False)
