"""Read incidents from a GeoJSON FeatureCollection of points.

Geometry gives the location: WGS84 longitude/latitude (RFC 7946), or British
National Grid when the file declares ``"crs"`` EPSG:27700. Properties are mapped
as for a CSV; without a mapping file the property names ``id``, ``date``,
``time``, ``category`` and ``location`` are used.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd

from hotspots.errors import IngestError
from hotspots.readers.mapped_csv import raw_from_table
from hotspots.readers.mapping import ColumnMapping, mapping_from_dict
from hotspots.readers.raw import mark_error

__all__ = ["default_geojson_mapping", "read_geojson"]

_BNG_NAMES = ("EPSG:27700", "urn:ogc:def:crs:EPSG::27700", "EPSG::27700")


def default_geojson_mapping(source: str) -> ColumnMapping:
    """The mapping used when a GeoJSON file comes without one."""
    return mapping_from_dict(
        {
            "source": source,
            "columns": {
                "id": "id",
                "date": "date",
                "time": "time",
                "category": "category",
                "location_text": "location",
                "lon": "__x",
                "lat": "__y",
            },
            "options": {"date_format": "ISO8601"},
        },
        name="default GeoJSON mapping",
    )


def read_geojson(
    data: bytes, mapping: ColumnMapping, *, name: str = "<bytes>"
) -> pd.DataFrame:
    """Parse a point FeatureCollection into the raw-record frame."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{name}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise IngestError(f"{name}: expected a GeoJSON FeatureCollection")
    is_bng = _declares_bng(doc)
    rows: list[dict[str, str]] = []
    geometry_errors: list[str] = []
    for feature in doc.get("features", []):
        properties = {
            k: "" if v is None else str(v)
            for k, v in (feature.get("properties") or {}).items()
        }
        if feature.get("id") is not None and "id" not in properties:
            properties["id"] = str(feature["id"])
        x, y, problem = _point_xy(feature.get("geometry"))
        properties["__x"], properties["__y"] = x, y
        rows.append(properties)
        geometry_errors.append(problem)
    table = pd.DataFrame(rows).fillna("")
    cols = dict(mapping.columns)
    cols.pop("lon", None), cols.pop("lat", None)
    cols.update({"easting": "__x", "northing": "__y"} if is_bng else {})
    cols.update({} if is_bng else {"lon": "__x", "lat": "__y"})
    for column in cols.values():
        if column not in table.columns:
            table[column] = ""
    located = replace(mapping, columns=cols)
    raw = raw_from_table(table, located, name=name)
    problems = pd.Series(geometry_errors, index=raw.index)
    mark_error(raw, problems != "", "geometry", problems)
    return raw


def _declares_bng(doc: dict[str, object]) -> bool:
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return False
    crs_name = str((crs.get("properties") or {}).get("name", ""))
    return any(crs_name.upper().endswith(n.upper()) for n in _BNG_NAMES)


def _point_xy(geometry: object) -> tuple[str, str, str]:
    if not isinstance(geometry, dict):
        return "", "", "feature has no geometry"
    if geometry.get("type") != "Point":
        return "", "", f"geometry is a {geometry.get('type')}, not a Point"
    coordinates = geometry.get("coordinates") or []
    if len(coordinates) < 2:
        return "", "", "point has no coordinates"
    return str(coordinates[0]), str(coordinates[1]), ""
