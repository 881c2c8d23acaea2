"""Compute a hotspot layer from the store: select incidents, run a method, report.

This is the glue the ``hotspots layer`` command and the web service share: it
reads incidents through the store interface, builds the study area from the
boundary sets, calls the pure analysis core, and returns GeoJSON (WGS84) whose
``parameters`` member records every parameter used, the period, the theme, the
area and the data version the layer was computed from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely

from boundaries.io import read_boundaries
from hotspots.analysis.geojson import to_geojson
from hotspots.analysis.registry import get_method
from hotspots.crs import BNG, wgs84_to_bng
from hotspots.errors import EmptyInputError, InvalidParameterError
from hotspots.schema import FLAG_COLUMNS, DatePrecision
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.themes import parse_theme

__all__ = [
    "LayerRequest",
    "compute_layer",
    "find_area",
    "incident_points",
    "study_area",
]


@dataclass(frozen=True)
class LayerRequest:
    """What layer to compute: method, theme, period, area and method parameters."""

    method: str
    theme: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    area: str | None = None  # ward/LSOA codes or names, comma-separated; None = city
    parameters: Mapping[str, Any] = field(default_factory=dict)
    categories: tuple[str, ...] = ()  # source categories, on top of the theme
    bbox_wgs84: tuple[float, float, float, float] | None = None  # lon/lat box
    excluded_flags: tuple[str, ...] = ()  # e.g. sensitive flags for public callers
    day_from: str | None = None  # YYYY-MM-DD within month_from, refining it
    day_to: str | None = None  # YYYY-MM-DD within month_to


def study_area(
    area: str | None, bbox_wgs84: tuple[float, float, float, float] | None = None
) -> tuple[shapely.Geometry, dict[str, str]]:
    """The polygon (EPSG:27700) of ward/LSOA codes or names, a box, or the city.

    ``area`` may list several areas separated by commas; their union is used.
    A ``bbox_wgs84`` (min lon, min lat, max lon, max lat) is intersected with it.
    """
    names = [a.strip() for a in (area or "").split(",") if a.strip()]
    if not names or [n.lower() for n in names] in (["city"], ["portsmouth"]):
        geometry = read_boundaries("ward").union_all()
        info = {"code": "E06000044", "name": "Portsmouth"}
    else:
        found = [find_area(name) for name in names]
        geometry = shapely.union_all([g for g, _ in found])
        info = {
            "code": ",".join(i["code"] for _, i in found),
            "name": ", ".join(i["name"] for _, i in found),
        }
    if bbox_wgs84 is not None:
        geometry = geometry.intersection(_bbox_polygon(bbox_wgs84))
        info["bbox"] = ",".join(f"{v:g}" for v in bbox_wgs84)
        if geometry.is_empty:
            raise InvalidParameterError(
                f"bbox {info['bbox']} does not overlap {info['name']}; "
                "give min lon, min lat, max lon, max lat in WGS84"
            )
    return geometry, info


def find_area(name: str) -> tuple[shapely.Geometry, dict[str, str]]:
    """One ward or LSOA by code or name: its BNG polygon and code, name, kind."""
    wanted = name.strip().casefold()
    for set_name in ("ward", "lsoa"):
        areas = read_boundaries(set_name)
        hit = areas[
            (areas["code"].str.casefold() == wanted)
            | (areas["name"].str.casefold() == wanted)
        ]
        if len(hit):
            row = hit.iloc[0]
            info = {"code": row["code"], "name": row["name"], "kind": set_name}
            return row.geometry, info
    raise InvalidParameterError(
        f"unknown area {name!r}: give a ward or LSOA code (E05…/E01…) or name"
    )


def _bbox_polygon(bbox: tuple[float, float, float, float]) -> shapely.Geometry:
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise InvalidParameterError(
            f"bbox {bbox} must be min lon, min lat, max lon, max lat (min < max)"
        )
    x, y = wgs84_to_bng(
        [min_lon, max_lon, max_lon, min_lon], [min_lat, min_lat, max_lat, max_lat]
    )
    return shapely.Polygon(zip(x, y, strict=True))


def _incident_query(request: LayerRequest, *, days: bool = True) -> IncidentQuery:
    """The store query of a request (``days=False``: its whole months)."""
    theme = parse_theme(request.theme).value if request.theme else None
    return IncidentQuery(
        themes=[theme] if theme else [],
        categories=request.categories,
        month_from=request.month_from,
        month_to=request.month_to,
        day_from=request.day_from if days else None,
        day_to=request.day_to if days else None,
        columns=(
            "incident_id", "category", "theme", "month", "occurred_precision",
            "easting", "northing", *FLAG_COLUMNS,
        ),
    )  # fmt: skip


def _visible(frame: pd.DataFrame, excluded_flags: tuple[str, ...]) -> pd.DataFrame:
    for flag in excluded_flags:
        frame = frame[~frame[flag]]
    return frame


def incident_points(store: IncidentStore, request: LayerRequest) -> gpd.GeoDataFrame:
    """Incidents of the request's theme and period as BNG points."""
    frame = _visible(store.incidents(_incident_query(request)), request.excluded_flags)
    return gpd.GeoDataFrame(
        frame.drop(columns=["easting", "northing"]),
        geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
        crs=BNG,
    )


def compute_layer(store: IncidentStore, request: LayerRequest) -> dict[str, Any]:
    """Run the request's method on the store's incidents; GeoJSON in WGS84."""
    method = get_method(request.method)
    area, area_info = study_area(request.area, request.bbox_wgs84)
    points = incident_points(store, request)
    inside = points[points.within(area)] if len(points) else points
    context = {
        "method": request.method,
        "theme": request.theme or "all",
        "period_from": request.day_from or request.month_from or _edge(points, min),
        "period_to": request.day_to or request.month_to or _edge(points, max),
        "area_code": area_info["code"],
        "area_name": area_info["name"],
        "data_version": store.data_version(),
        "categories": list(request.categories) or "all",
        "excluded_flags": list(request.excluded_flags),
    }
    if request.day_from or request.day_to:
        context["left_out_month_only"] = _left_out_month_only(
            store, request, area, inside
        )
    if inside.empty:
        period = (
            f"{context['period_from'] or 'the first month'} to "
            f"{context['period_to'] or 'the latest month'}"
        )
        theme = "" if request.theme is None else f"{request.theme} "
        raise EmptyInputError(
            f"no {theme}incidents in {area_info['name']} from {period}; "
            "choose another period, theme or area"
        )
    _check_parameters(request.method, method, request.parameters)
    result = method(inside, area=area, **dict(request.parameters))
    layer = to_geojson(result, extra_parameters=context)
    if context.get("left_out_month_only"):
        layer["note"] = (
            f"{context['left_out_month_only']:,} incidents known only to their month "
            "(police.uk publishes no day) are left out: the period starts or ends "
            "part-way through their month"
        )
    return layer


def _left_out_month_only(
    store: IncidentStore,
    request: LayerRequest,
    area: shapely.Geometry,
    inside: pd.DataFrame,
) -> int:
    """Incidents in the area left out by a day bound as known to the month only."""
    whole = _visible(
        store.incidents(_incident_query(request, days=False)), request.excluded_flags
    )
    whole = whole[gpd.points_from_xy(whole["easting"], whole["northing"]).within(area)]
    month_only = DatePrecision.MONTH.value
    return int(
        (whole["occurred_precision"] == month_only).sum()
        - (inside["occurred_precision"] == month_only).sum()
    )


def _check_parameters(
    name: str, method: Callable[..., Any], parameters: Mapping[str, Any]
) -> None:
    """Refuse parameters the method does not take, listing the ones it does."""
    accepted = [
        p.name
        for p in inspect.signature(method).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "area"
    ]
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        raise InvalidParameterError(
            f"parameter(s) {', '.join(unknown)} do not apply to method {name!r}; "
            f"it takes: {', '.join(accepted)}"
        )


def _edge(points: pd.DataFrame, pick: Any) -> str | None:
    return pick(points["month"]) if len(points) else None
