"""The items of each kind of collection, one page at a time.

Incident records page by key (``incident_id`` order, a ``cursor`` in the next
link): every page costs the same however deep. Collections built whole in
memory (a cached hotspot layer, locations, boundaries) page by ``offset``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from api.ogc.params import BNG_URI, Box, OgcError
from hotspots.analysis.geojson import jsonable
from hotspots.areas import resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.fingerprint import fingerprint_hex
from hotspots.period import PeriodBounds
from hotspots.store import IncidentQuery, IncidentStore

__all__ = [
    "INCIDENT_QUERYABLES",
    "Page",
    "incident_page",
    "memory_page",
    "parse_incident_id",
    "queryables_of",
    "reproject",
]

#: Incident properties a request may filter on, and the query field each sets.
INCIDENT_QUERYABLES = {
    "theme": "themes",
    "category": "categories",
    "source": "sources",
    "ward_code": "ward_codes",
    "lsoa_code": "lsoa_codes",
}
_RECORD_COLUMNS = (
    "incident_id", "source", "category", "theme", "month", "occurred_at",
    "occurred_precision", "geocode_quality", "ward_code", "lsoa_code",
    "lon", "lat", "easting", "northing",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    """One page of features, how many match in all, and where the next starts."""

    features: list[dict[str, Any]]
    number_matched: int
    next_token: dict[str, str] | None  # query arguments of the next page
    prev_token: dict[str, str] | None = None


def parse_incident_id(text: str) -> int:
    """A feature id (16 hex digits) as the stored signed 64-bit id."""
    try:
        value = int(text, 16)
    except ValueError:
        value = -1
    if not 0 <= value < 2**64 or len(text) != 16:
        raise OgcError(404, "NotFound", f"no incident {text!r} (ids are 16 hex digits)")
    return value - 2**64 if value >= 2**63 else value


def incident_page(
    store: IncidentStore,
    pack: AreaPack,
    *,
    filters: Mapping[str, str],
    box: Box | None,
    period: PeriodBounds | None,
    limit: int,
    cursor: str | None,
    crs: str,
    ids: Sequence[int] = (),
) -> Page:
    """A page of incident records in the study area, in id order."""
    fields: dict[str, Any] = {
        INCIDENT_QUERYABLES[name]: [value] for name, value in filters.items()
    }
    if period is not None:
        fields |= asdict(period)
    if box is not None:
        fields["bbox_bng"] = box.in_bng()
    query = IncidentQuery(columns=_RECORD_COLUMNS, incident_ids=ids, **fields)
    study = resolve_area(None, pack)
    if query.ward_codes or query.lsoa_codes:
        codes = set(query.ward_codes) | set(query.lsoa_codes)
        known = set(study.ward_codes) | set(pack.boundaries("lsoa")["code"])
        if not codes <= known:
            return Page([], 0, None)
    else:  # the study area's incidents, by their ward codes
        query = replace(query, ward_codes=study.ward_codes)
    after = None if cursor is None else parse_incident_id(cursor)
    frame = store.incidents(replace(query, after_id=after, limit=limit + 1))
    if box is not None and box.crs != BNG_URI:  # the exact lon/lat box
        lon0, lat0, lon1, lat1 = box.values
        inside = frame["lon"].between(lon0, lon1) & frame["lat"].between(lat0, lat1)
        frame = frame[inside]
    more = len(frame) > limit
    frame = frame.iloc[:limit]
    matched = store.count(query)
    next_token = None
    if more and len(frame):
        next_token = {"cursor": fingerprint_hex(frame["incident_id"].iloc[-1:]).iloc[0]}
    return Page(_record_features(frame, crs), matched, next_token)


def _record_features(frame: pd.DataFrame, crs: str) -> list[dict[str, Any]]:
    ids = fingerprint_hex(frame["incident_id"]).tolist()
    xy = ("easting", "northing") if crs == BNG_URI else ("lon", "lat")
    digits = 2 if crs == BNG_URI else 6
    skip = {"incident_id", "lon", "lat", "easting", "northing"}
    properties = [c for c in _RECORD_COLUMNS if c not in skip]
    features = []
    for i, row in enumerate(frame.to_dict(orient="records")):
        x, y = round(float(row[xy[0]]), digits), round(float(row[xy[1]]), digits)
        features.append(
            {
                "type": "Feature",
                "id": ids[i],
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {c: jsonable(row[c]) for c in properties},
            }
        )
    return features


def memory_page(
    features: list[dict[str, Any]],
    *,
    box: Box | None,
    filters: Mapping[str, str],
    limit: int,
    offset: int,
) -> Page:
    """A page of a collection held whole: box and property filters, then slice."""
    if box is not None and features:
        envelope = shapely.box(*box.in_crs84())
        shapes = [shape(f["geometry"]) if f.get("geometry") else None for f in features]
        hits = shapely.intersects(envelope, np.asarray(shapes, dtype=object))
        features = [f for f, hit in zip(features, hits, strict=True) if hit]
    for name, wanted in filters.items():
        features = [f for f in features if _equals(f["properties"].get(name), wanted)]
    page = features[offset : offset + limit]
    next_token = (
        {"offset": str(offset + limit)} if offset + limit < len(features) else None
    )
    prev_token = {"offset": str(max(0, offset - limit))} if offset > 0 else None
    return Page(page, len(features), next_token, prev_token)


def _equals(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    if isinstance(value, int | float):
        try:
            return float(value) == float(wanted)
        except ValueError:
            return False
    return str(value) == wanted


def queryables_of(features: list[dict[str, Any]]) -> dict[str, str]:
    """JSON Schema type of each property of a collection's features."""
    types: dict[str, str] = {}
    for feature in features[:200]:
        for name, value in (feature.get("properties") or {}).items():
            if value is None or name in types:
                continue
            if isinstance(value, bool):
                types[name] = "boolean"
            elif isinstance(value, int):
                types[name] = "integer"
            elif isinstance(value, float):
                types[name] = "number"
            elif isinstance(value, str):
                types[name] = "string"
    return types


def reproject(features: list[dict[str, Any]], crs: str) -> list[dict[str, Any]]:
    """Features (CRS84) in ``crs``: British National Grid metres to 0.01 m."""
    if crs != BNG_URI:
        return features
    transformer = Transformer.from_crs("OGC:CRS84", "EPSG:27700", always_xy=True)

    def to_bng(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([x, y]), 2)

    out = []
    for feature in features:
        geometry = feature.get("geometry")
        if geometry:
            geometry = mapping(shapely.transform(shape(geometry), to_bng))
        out.append({**feature, "geometry": jsonable(geometry)})
    return out
