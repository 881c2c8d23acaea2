from __future__ import annotations

import json
from pathlib import Path

from hotspots.ingest import ingest_paths
from hotspots.store import SQLiteStore


def _feature(lon: float, lat: float, **properties: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def test_geojson_points_are_ingested_with_default_property_names(
    tmp_path: Path, store: SQLiteStore
) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature(-1.0912, 50.7974, id="a1", date="2017-05-06", time="23:10",
                     category="Assault", location="Guildhall Walk"),
            _feature(50.7974, -1.0912, id="a2", date="2017-05-07",
                     category="Assault"),  # swapped lat/lon: corrected
            _feature(0, 0, id="a3", date="2017-05-07", category="Assault"),
            {"type": "Feature", "geometry": {"type": "LineString",
             "coordinates": [[0, 0], [1, 1]]}, "properties": {"id": "a4",
             "date": "2017-05-07", "category": "Assault"}},
        ],
    }  # fmt: skip
    path = tmp_path / "ed_assaults.geojson"
    path.write_text(json.dumps(doc))
    report = ingest_paths([path], store)
    assert report.totals()["stored"] == 2
    incidents = store.incidents().set_index("source_id")
    assert incidents.loc["a1", "occurred_at"] == "2017-05-06T23:10:00"
    assert incidents.loc["a1", "geocode_quality"] == "exact"
    assert "swapped" in incidents.loc["a2", "geocode_note"]
    assert abs(incidents.loc["a1", "easting"] - incidents.loc["a2", "easting"]) < 1e-6
    rejects = store.rejects().set_index("row")
    assert "null island" in rejects.loc[4, "reason"]
    assert rejects.loc[5, "field"] == "geometry"
    assert "LineString" in rejects.loc[5, "reason"]


def test_geojson_in_british_national_grid(tmp_path: Path, store: SQLiteStore) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [
            _feature(464342, 100366, id="b1", date="2017-05-06", category="Drugs")
        ],
    }
    path = tmp_path / "bng.geojson"
    path.write_text(json.dumps(doc))
    ingest_paths([path], store)
    stored = store.incidents().iloc[0]
    assert (stored["easting"], stored["northing"]) == (464342, 100366)
    assert stored["theme"] == "drugs"
