"""Incidents for map display: counted per location, never raw points by default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response

import shapely

from api.deps import PackDep, PolicyDep, StoreDep
from api.downloads import Format, download_response
from api.features import points_collection
from api.query import LayerFilters, layer_filters, priority_match
from hotspots.areas import area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.disclosure import located_incidents
from hotspots.fingerprint import fingerprint_hex
from hotspots.layers import bbox_polygon
from hotspots.store import IncidentQuery

router = APIRouter(prefix="/api/v1", tags=["incidents"])

RECORD_COLUMNS = (
    "incident_id", "source", "category", "theme", "occurred_at",
    "occurred_precision", "geocode_quality", "ward_code", "lsoa_code",
)  # fmt: skip


@router.get("/incidents")
def get_incidents(
    store: StoreDep,
    policy: PolicyDep,
    pack: PackDep,
    filters: Annotated[LayerFilters, Depends(layer_filters)],
    level: str = "location",
    format: Format = Format.GEOJSON,
) -> Response:
    """Incidents per location (``level=location``) or, for analysts, per record."""
    if level not in ("location", "record"):
        raise HTTPException(422, f"level {level!r}: use 'location' or 'record'")
    if level == "record" and not policy.record_level:
        raise HTTPException(403, f"role {policy.role} may not read record-level data")
    frame = _select(store, filters, policy.excluded_flags, pack)
    if level == "record":
        columns = RECORD_COLUMNS
        frame = frame.assign(incident_id=fingerprint_hex(frame["incident_id"]))
        collection = points_collection(frame, columns, id_column="incident_id")
    else:
        located = located_incidents(frame, policy.disclosure)
        located["location_id"] = (
            located["easting"].round().astype(int).astype(str)
            + "_"
            + located["northing"].round().astype(int).astype(str)
        )
        collection = points_collection(
            located, ["location_id", "n", "themes", "first_month", "last_month"],
            id_column="location_id",
        )  # fmt: skip
        collection["withheld_incidents"] = located.attrs["withheld"]
    collection["parameters"] = _parameters(store, filters, policy, level)
    collection["parameters"]["area"] = resolve_area(filters.area, pack).code
    headers = {"Cache-Control": "private, max-age=60", "Vary": "X-API-Key"}
    return download_response(collection, format, f"incidents_{level}", headers)


def _select(
    store: Any, filters: LayerFilters, excluded: tuple[str, ...], pack: AreaPack
) -> Any:
    """Incidents in the area (by their codes, as layers count them) and box."""
    query = IncidentQuery(
        themes=[filters.theme] if filters.theme else [],
        categories=filters.categories,
        month_from=filters.month_from,
        month_to=filters.month_to,
        day_from=filters.day_from,
        day_to=filters.day_to,
        flags=filters.flags,
        priority=priority_match(filters, pack),
    )
    frame = area_incidents(store, resolve_area(filters.area, pack), query)
    for flag in excluded:
        frame = frame[~frame[flag]]
    if filters.bbox:
        box = bbox_polygon(filters.bbox)
        frame = frame[shapely.intersects_xy(box, frame["easting"], frame["northing"])]
    return frame


def _parameters(
    store: Any, filters: LayerFilters, policy: Any, level: str
) -> dict[str, Any]:
    return {
        "level": level,
        "theme": filters.theme or "all",
        "categories": list(filters.categories) or "all",
        "flags": list(filters.flags) or "all",
        "priority": filters.priority or "all",
        "period_from": filters.day_from or filters.month_from,
        "period_to": filters.day_to or filters.month_to,
        "role": policy.role.value,
        "excluded_flags": list(policy.excluded_flags),
        "min_location_count": policy.min_location_count,
        "data_version": store.data_version(),
    }
