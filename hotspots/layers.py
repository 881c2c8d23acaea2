"""Compute a hotspot layer from the store: select incidents, run a method, report.

This is the glue the ``hotspots layer`` command and the web service share: it
reads incidents through the store interface, builds the study area from the
boundary sets, calls the pure analysis core, and returns GeoJSON (WGS84) whose
``parameters`` member records every parameter used, the period, the theme, the
area and the data version the layer was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely

from boundaries.io import read_boundaries
from hotspots.analysis.geojson import to_geojson
from hotspots.analysis.registry import get_method
from hotspots.crs import BNG
from hotspots.errors import EmptyInputError, InvalidParameterError
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.themes import parse_theme

__all__ = ["LayerRequest", "compute_layer", "incident_points", "study_area"]


@dataclass(frozen=True)
class LayerRequest:
    """What layer to compute: method, theme, period, area and method parameters."""

    method: str
    theme: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    area: str | None = None  # ward or LSOA code or name; None = the whole city
    parameters: Mapping[str, Any] = field(default_factory=dict)


def study_area(area: str | None) -> tuple[shapely.Geometry, dict[str, str]]:
    """The polygon (EPSG:27700) of a ward or LSOA code/name, or the whole city."""
    if area is None or area.strip().lower() in ("", "city", "portsmouth"):
        wards = read_boundaries("ward")
        return wards.union_all(), {"code": "E06000044", "name": "Portsmouth"}
    wanted = area.strip().casefold()
    for set_name in ("ward", "lsoa"):
        areas = read_boundaries(set_name)
        hit = areas[
            (areas["code"].str.casefold() == wanted)
            | (areas["name"].str.casefold() == wanted)
        ]
        if len(hit):
            row = hit.iloc[0]
            return row.geometry, {
                "code": row["code"],
                "name": row["name"],
                "kind": set_name,
            }
    raise InvalidParameterError(
        f"unknown area {area!r}: give a ward or LSOA code (E05…/E01…) or name"
    )


def incident_points(store: IncidentStore, request: LayerRequest) -> gpd.GeoDataFrame:
    """Incidents of the request's theme and period as BNG points."""
    theme = parse_theme(request.theme).value if request.theme else None
    query = IncidentQuery(
        themes=[theme] if theme else [],
        month_from=request.month_from,
        month_to=request.month_to,
        columns=("incident_id", "category", "theme", "month", "easting", "northing"),
    )
    frame = store.incidents(query)
    return gpd.GeoDataFrame(
        frame.drop(columns=["easting", "northing"]),
        geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
        crs=BNG,
    )


def compute_layer(store: IncidentStore, request: LayerRequest) -> dict[str, Any]:
    """Run the request's method on the store's incidents; GeoJSON in WGS84."""
    method = get_method(request.method)
    area, area_info = study_area(request.area)
    points = incident_points(store, request)
    inside = points[points.within(area)] if len(points) else points
    context = {
        "method": request.method,
        "theme": request.theme or "all",
        "period_from": request.month_from or _edge(points, min),
        "period_to": request.month_to or _edge(points, max),
        "area_code": area_info["code"],
        "area_name": area_info["name"],
        "data_version": store.data_version(),
    }
    if inside.empty:
        raise EmptyInputError(
            f"no {context['theme']} incidents in {area_info['name']} between "
            f"{context['period_from']} and {context['period_to']}"
        )
    result = method(inside, area=area, **dict(request.parameters))
    return to_geojson(result, extra_parameters=context)


def _edge(points: pd.DataFrame, pick: Any) -> str | None:
    return pick(points["month"]) if len(points) else None
