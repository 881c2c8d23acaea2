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
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from hotspots.analysis.geojson import to_geojson
from hotspots.analysis.registry import get_method
from hotspots.analysis.result import HotspotResult
from hotspots.areas import Area, area_incidents, in_area, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import DEFAULT_PACK
from hotspots.crs import BNG, wgs84_to_bng
from hotspots.disclosure import Disclosure, check_layer_parameters, disclose_features
from hotspots.errors import EmptyInputError, InvalidParameterError
from hotspots.evaluation.trust import layer_coverage, layer_trust, trust_text
from hotspots.memo import Memo
from hotspots.priorities.weights import UNWEIGHTED, HarmWeights
from hotspots.schema import FLAG_COLUMNS, DatePrecision
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.store.base import PriorityMatch
from hotspots.themes import parse_theme

__all__ = [
    "AREA_RULE",
    "SPECK_M",
    "LayerRequest",
    "analysis_area",
    "bbox_polygon",
    "compute_layer",
    "incident_points",
    "resolve_priority",
]

#: How a layer decides what is "in" an area, reported in its parameters.
AREA_RULE = (
    "incidents by the ward/LSOA codes given at ingest (polygon, or nearest within "
    "the coast tolerance); features crossing the area or holding its incidents"
)
#: Parameters left out when a layer's recipe is backtested (they change no
#: hotspot cell: permutations only add a pseudo p-value).
TRUST_SKIPS = frozenset({"permutations", "seed"})
#: Side (m) of the speck that brings an area's incident outside its polygon into
#: the analysis (see :func:`analysis_area`).
SPECK_M = 0.002


@dataclass(frozen=True)
class LayerRequest:
    """What layer to compute: method, theme, period, areas and method parameters.

    The statistic is computed over ``study_area`` (the city by default); ``area``
    and ``bbox_wgs84`` only choose which of that layer's features are returned,
    so a cell has the same value whatever the map shows around it.
    """

    method: str
    theme: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    area: str | None = None  # features in these ward/LSOA codes or names; None = all
    parameters: Mapping[str, Any] = field(default_factory=dict)
    categories: tuple[str, ...] = ()  # source categories, on top of the theme
    bbox_wgs84: tuple[float, float, float, float] | None = None  # features crossing
    excluded_flags: tuple[str, ...] = ()  # e.g. sensitive flags for public callers
    day_from: str | None = None  # YYYY-MM-DD within month_from, refining it
    day_to: str | None = None  # YYYY-MM-DD within month_to
    study_area: str | None = None  # where the statistic is computed; None = city
    disclosure: Disclosure | None = None  # the caller's rule; None: every count
    flags: tuple[str, ...] = ()  # incidents with any of these flags set
    priority: str | None = None  # a partnership priority's id (priorities.toml)
    harm_weights: HarmWeights | None = None  # weight incidents by category
    selection: PriorityMatch | None = None  # the priority resolved (compute_layer)


def bbox_polygon(bbox: tuple[float, float, float, float]) -> shapely.Geometry:
    """A WGS84 (min lon, min lat, max lon, max lat) box as a BNG polygon."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise InvalidParameterError(
            f"bbox {bbox} must be min lon, min lat, max lon, max lat (min < max)"
        )
    x, y = wgs84_to_bng(
        [min_lon, max_lon, max_lon, min_lon], [min_lat, min_lat, max_lat, max_lat]
    )
    return shapely.Polygon(zip(x, y, strict=True))


#: Columns every layer reads: place, month, area codes and the flags the
#: disclosure rule and hidden flags need.
LAYER_COLUMNS = (
    "month",
    "easting",
    "northing",
    "ward_code",
    "lsoa_code",
    *FLAG_COLUMNS,
)


#: Columns of a layer's history (its trust figure's backtests): place and month.
HISTORY_COLUMNS = ("month", "easting", "northing")


def _layer_columns(
    request: LayerRequest, area: Area | None, *, history: bool = False
) -> tuple[str, ...]:
    """The columns a layer uses (``history``: its backtests use), and no more:
    every column read costs a Python object per row (a city's five years, 9
    columns 0.66 s, 3 columns 0.40 s)."""
    extra = []
    if history:
        extra += [f for f in request.excluded_flags if f not in HISTORY_COLUMNS]
    if area is None or (area.ward_codes and area.lsoa_codes):
        extra.append("incident_id")  # to count an incident of both codes once
    if request.harm_weights is not None:
        extra.append("category")
    if request.day_from or request.day_to:
        extra.append("occurred_precision")
    return (*extra, *(HISTORY_COLUMNS if history else LAYER_COLUMNS))


def _incident_query(
    request: LayerRequest,
    *,
    days: bool = True,
    area: Area | None = None,
    history: bool = False,
) -> IncidentQuery:
    """The store query of a request (``days=False``: its whole months) for
    incidents of ``area`` (None: any, with every column a layer may use;
    ``history``: the columns of its backtests only)."""
    theme = parse_theme(request.theme).value if request.theme else None
    return IncidentQuery(
        themes=[theme] if theme else [],
        categories=request.categories,
        month_from=request.month_from,
        month_to=request.month_to,
        day_from=request.day_from if days else None,
        day_to=request.day_to if days else None,
        flags=request.flags,
        priority=request.selection,
        columns=_layer_columns(request, area, history=history),
    )


def _visible(frame: pd.DataFrame, excluded_flags: tuple[str, ...]) -> pd.DataFrame:
    for flag in excluded_flags:
        frame = frame[~frame[flag]]
    return frame


def incident_points(
    store: IncidentStore,
    request: LayerRequest,
    area: Area | None = None,
    pack: AreaPack | None = None,
    *,
    history: bool = False,
) -> gpd.GeoDataFrame:
    """Incidents of the request's theme and period in ``area`` (default: its
    study area in ``pack``), by their area codes, as BNG points (``history``:
    with only the columns a layer's backtests use)."""
    area = area or resolve_area(request.study_area, pack)
    query = _incident_query(request, area=area, history=history)
    frame = area_incidents(store, area, query)
    frame = _visible(frame, request.excluded_flags)
    if request.harm_weights is not None:  # the analysis methods' weight column
        frame = frame.assign(harm_weight=request.harm_weights.of(frame["category"]))
    return gpd.GeoDataFrame(
        frame.drop(columns=["easting", "northing"]),
        geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
        crs=BNG,
    )


def compute_layer(
    store: IncidentStore, request: LayerRequest, pack: AreaPack | None = None
) -> dict[str, Any]:
    """Run the request's method over its study area; its features in the
    requested area and box, as GeoJSON in WGS84.

    Areas are those of ``pack`` (default: the bundled Portsmouth pack).
    """
    method = get_method(request.method)
    request = replace(
        request,
        parameters=check_layer_parameters(
            request.method, request.parameters, request.disclosure
        ),
    )
    request = resolve_priority(request, pack)
    study = resolve_area(request.study_area, pack)
    shown = resolve_area(request.area, pack) if request.area else study
    box = bbox_polygon(request.bbox_wgs84) if request.bbox_wgs84 else None
    points = incident_points(store, request, study)
    context = {
        "method": request.method,
        "theme": request.theme or "all",
        "period_from": request.day_from or request.month_from or _edge(points, min),
        "period_to": request.day_to or request.month_to or _edge(points, max),
        "study_area_code": study.code,
        "study_area_name": study.name,
        "area_code": shown.code,
        "area_name": shown.name,
        "area_rule": AREA_RULE,
        "area_pack": (pack.name if pack else DEFAULT_PACK),
        "data_version": store.data_version(),
        "categories": list(request.categories) or "all",
        "excluded_flags": list(request.excluded_flags),
        "flags": list(request.flags) or "all",
        "priority": request.priority or "all",
        "weighting": (
            request.harm_weights.describe() if request.harm_weights else UNWEIGHTED
        ),
    }
    if box is not None:
        context["bbox"] = ",".join(f"{v:g}" for v in request.bbox_wgs84 or ())
    _check_selection(study, shown, box, context)
    if request.day_from or request.day_to:
        context["left_out_month_only"] = _left_out_month_only(
            store, request, study, points
        )
    if points.empty:
        period = (
            f"{context['period_from'] or 'the first month'} to "
            f"{context['period_to'] or 'the latest month'}"
        )
        theme = "" if request.theme is None else f"{request.theme} "
        raise EmptyInputError(
            f"no {theme}incidents in {study.name} from {period}; "
            "choose another period, theme or area"
        )
    _check_parameters(request.method, method, request.parameters)
    area = analysis_area(study.geometry, points)
    weight = {"weight": "harm_weight"} if request.harm_weights is not None else {}
    result = method(points, area=area, **dict(request.parameters), **weight)
    context["trust"] = _trust(
        store, request, method, study, area, result, context, points
    )
    result = _select_features(result, points, study, shown, box)
    features, context["disclosure"] = disclose_features(
        result.features, points, request.disclosure, method=request.method.lower()
    )
    result = replace(result, features=features)
    layer = to_geojson(result, extra_parameters=context)
    if context.get("left_out_month_only"):
        layer["note"] = (
            f"{context['left_out_month_only']:,} incidents known only to their month "
            "(police.uk publishes no day) are left out: the period starts or ends "
            "part-way through their month"
        )
    return layer


def resolve_priority(
    request: LayerRequest, pack: AreaPack | None = None
) -> LayerRequest:
    """The request with its priority (an id in ``pack``'s priorities) resolved
    to the incidents it selects; unknown ids are an error listing the valid ones."""
    if request.priority is None:
        return replace(request, selection=None)
    from hotspots.priorities.model import PrioritiesError, load_priorities

    try:
        priority = load_priorities(pack).get(request.priority)
    except PrioritiesError as exc:
        raise InvalidParameterError(str(exc)) from exc
    return replace(request, selection=priority.match)


def _trust(
    store: IncidentStore,
    request: LayerRequest,
    method: Callable[..., HotspotResult],
    study: Area,
    area: shapely.Geometry,
    result: HotspotResult,
    context: Mapping[str, Any],
    points: gpd.GeoDataFrame,
) -> dict[str, Any]:
    """The layer's trust figure: its recipe backtested on the months after.

    ``points`` are the layer's own; they are the history when its period is
    every month (no second read).
    """
    if request.day_from or request.day_to:
        return {"note": "not backtested: the period is given in days"}
    period = (str(context["period_from"]), str(context["period_to"]))
    coverage = layer_coverage(result, float(area.area))
    args = _trust_args(store, request, study, context, period, coverage)

    def backtest() -> dict[str, Any]:
        whole = replace(request, month_from=None, month_to=None)
        history = (
            points
            if whole == request
            else incident_points(store, whole, study, history=True)
        )
        parameters = {
            k: v for k, v in request.parameters.items() if k not in TRUST_SKIPS
        }
        return layer_trust(
            method, request.method, parameters, history, store.months(), period,
            area, coverage,
        )  # fmt: skip

    version = int(context["data_version"])
    trust = dict(_TRUST_MEMO.get("trust", args, version, backtest))  # a copy to edit
    if "text" in trust:
        trust["text"] = trust_text(trust, str(context["theme"]))
    return trust


#: Trust figures of the recipes computed in this process: a layer of one ward
#: or one box shares its study area's statistic and so its trust figure, which
#: re-runs the method at up to 12 origins (most of a first layer's time on years
#: of data). Keyed by the store, its data version and everything that shapes the
#: backtest, never the area shown, the box or the role's disclosure rule.
_TRUST_MEMO = Memo(64)


def _trust_args(
    store: IncidentStore,
    request: LayerRequest,
    study: Area,
    context: Mapping[str, Any],
    period: tuple[str, str],
    coverage: float | None,
) -> dict[str, Any]:
    """What a trust figure is kept under besides the data version (see
    :data:`_TRUST_MEMO`)."""
    shaping = replace(request, area=None, bbox_wgs84=None, disclosure=None)
    return {
        "store": getattr(store, "url", id(store)), "request": repr(shaping),
        "study": study.code, "pack": context["area_pack"], "period": period,
        "coverage": coverage,
    }  # fmt: skip


def analysis_area(
    outline: shapely.Geometry, points: gpd.GeoDataFrame
) -> shapely.Geometry:
    """The outline plus a speck at each of its incidents that lies outside it.

    Incidents belong to an area by code, and a code is given up to the ingest
    tolerance outside the coast-clipped polygon. The speck (a square of
    :data:`SPECK_M` metres) brings the cell holding such an incident into the
    grid, so no incident of the area is dropped, without adding empty cells.
    """
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    outside = ~shapely.intersects_xy(outline, x, y)
    if not outside.any():
        return outline
    xy = np.unique(np.column_stack([x[outside], y[outside]]), axis=0)
    h = SPECK_M / 2
    specks = shapely.box(xy[:, 0] - h, xy[:, 1] - h, xy[:, 0] + h, xy[:, 1] + h)
    return shapely.union_all([outline, *specks])


def _check_selection(
    study: Area, shown: Area, box: shapely.Geometry | None, context: dict[str, Any]
) -> None:
    """Refuse an area or box that shares nothing with the study area."""
    if not shown.is_city and not study.is_city:
        overlap = shown.geometry.intersection(study.geometry).area
        if overlap <= 0:
            raise InvalidParameterError(
                f"area {shown.name} is outside the study area {study.name}; "
                "choose an area inside it or another study_area"
            )
    if box is not None and not box.intersects(study.geometry):
        raise InvalidParameterError(
            f"bbox {context['bbox']} does not overlap {study.name}; "
            "give min lon, min lat, max lon, max lat in WGS84"
        )


def _select_features(
    result: HotspotResult,
    points: gpd.GeoDataFrame,
    study: Area,
    shown: Area,
    box: shapely.Geometry | None,
) -> HotspotResult:
    """The result's features in ``shown`` and ``box``; the statistic is untouched.

    A feature is kept when it shares some area with the selection or holds one
    of the selection's incidents (by code: seafront ones may lie outside the
    polygon). ``area_incidents`` and ``area_features`` count what was kept.
    """
    wanted = np.ones(len(points), dtype=bool)
    if shown is not study:
        wanted = in_area(points, shown)
    outline = None if shown is study else shown.geometry
    if box is not None:
        outline = box if outline is None else outline.intersection(box)
        wanted &= shapely.intersects(box, points.geometry.to_numpy())
    summary = dict(result.summary)
    summary["area_incidents"] = float(wanted.sum())
    features = result.features
    if outline is not None:
        geoms = features.geometry.to_numpy()
        keep = shapely.intersects(outline, geoms) & ~shapely.touches(outline, geoms)
        if wanted.any() and len(features):
            _, holding = features.sindex.query(
                points.geometry.to_numpy()[wanted], predicate="intersects"
            )
            keep[holding] = True
        features = features[keep]
    summary["area_features"] = float(len(features))
    return replace(result, features=features, summary=summary)


def _left_out_month_only(
    store: IncidentStore, request: LayerRequest, study: Area, inside: pd.DataFrame
) -> int:
    """Incidents in the area left out by a day bound as known to the month only."""
    query = _incident_query(request, days=False, area=study)
    whole = area_incidents(store, study, query)
    whole = _visible(whole, request.excluded_flags)
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
    """The first or last month (``pick``: min or max) of the points read."""
    return pick(points["month"].tolist()) if len(points) else None
