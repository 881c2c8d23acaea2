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
from hotspots.readers.text import to_utf8

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
        doc = json.loads(to_utf8(data, name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{name}: not valid JSON: {exc}") from exc
    except RecursionError:
        raise IngestError(
            f"{name}: not valid JSON for ingest: nested too deeply "
            "(more than Python's recursion limit of arrays/objects)"
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise IngestError(f"{name}: expected a GeoJSON FeatureCollection")
    features = doc.get("features", [])
    if not isinstance(features, list):
        raise IngestError(
            f"{name}: 'features' must be an array of Feature objects, "
            f"found {_kind(features)}"
        )
    is_bng = _declares_bng(doc)
    rows: list[dict[str, str]] = []
    errors: list[tuple[str, str]] = []
    for feature in features:
        properties, problem = _feature_row(feature)
        rows.append(properties)
        errors.append(problem)
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
    fields = pd.Series([f for f, _ in errors], index=raw.index, dtype=object)
    reasons = pd.Series([r for _, r in errors], index=raw.index, dtype=object)
    # A feature that is no object, or whose properties are none, has no
    # fields to read: its own reason replaces the "no date" found reading them.
    broken = fields.isin(["feature", "properties"]).to_numpy()
    raw.loc[broken, "error_field"] = fields[broken]
    raw.loc[broken, "error_reason"] = reasons[broken]
    mark_error(raw, fields == "geometry", "geometry", reasons)
    return raw


def _feature_row(feature: object) -> tuple[dict[str, str], tuple[str, str]]:
    """One feature's properties as text (plus ``__x``/``__y``) and the
    (field, reason) that rejects it, ("", "") if none.

    A malformed feature is one rejected row, so the rest of the file is kept.
    """
    row = {"__x": "", "__y": ""}
    if not isinstance(feature, dict):
        return row, ("feature", f"feature is {_kind(feature)}, not an object")
    given = feature.get("properties")
    if given is not None and not isinstance(given, dict):
        return row, (
            "properties",
            f"properties must be an object, found {_kind(given)}",
        )
    row.update({k: "" if v is None else str(v) for k, v in (given or {}).items()})
    if feature.get("id") is not None and "id" not in row:
        row["id"] = str(feature["id"])
    x, y, problem = _point_xy(feature.get("geometry"))
    row["__x"], row["__y"] = x, y
    return row, ("geometry", problem) if problem else ("", "")


def _kind(value: object) -> str:
    """What a JSON value is, in JSON's words ("a number", "an array", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _declares_bng(doc: dict[str, object]) -> bool:
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return False
    properties = crs.get("properties")
    if not isinstance(properties, dict):
        return False
    crs_name = str(properties.get("name", ""))
    return any(crs_name.upper().endswith(n.upper()) for n in _BNG_NAMES)


def _point_xy(geometry: object) -> tuple[str, str, str]:
    if not isinstance(geometry, dict):
        return "", "", "feature has no geometry"
    if geometry.get("type") != "Point":
        return "", "", f"geometry is a {geometry.get('type')}, not a Point"
    coordinates = geometry.get("coordinates")
    if coordinates is None or coordinates == []:
        return "", "", "point has no coordinates"
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return (
            "",
            "",
            ("point coordinates must be an array [x, y], found " + _kind(coordinates)),
        )
    x, y = coordinates[0], coordinates[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
        return "", "", f"point coordinates must be numbers, found [{x!r}, {y!r}]"
    return str(x), str(y), ""
