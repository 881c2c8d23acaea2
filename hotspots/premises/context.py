"""What every check in one period shares: the city's incidents, areas, layer.

Built once (:func:`build_context`) and reused, so checking 440 premises reads
the store once and takes the Gi* bins from one study-area layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from hotspots.access import AccessPolicy, Role, policy_for
from hotspots.areas import Area, area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.crs import BNG
from hotspots.errors import InvalidParameterError
from hotspots.layers import LayerRequest
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.themes import parse_theme

__all__ = [
    "DEFAULT_MONTHS",
    "CheckContext",
    "CheckRequest",
    "build_context",
    "gistar_request",
    "months_between",
]

#: Months checked when no period is given: the latest six in the store.
DEFAULT_MONTHS = 6
MIN_RADIUS_M, MAX_RADIUS_M = 50.0, 500.0
_COLUMNS = (
    "incident_id", "source", "category", "theme", *FLAG_COLUMNS, "occurred_at",
    "occurred_precision", "month", "easting", "northing", "geocode_quality",
    "ward_code", "lsoa_code",
)  # fmt: skip


@dataclass(frozen=True)
class CheckRequest:
    """One area check: radius (m), period (inclusive months), theme, change date."""

    radius_m: float = 100.0
    month_from: str | None = None
    month_to: str | None = None
    theme: str | None = None
    change_date: str | None = None  # YYYY-MM or YYYY-MM-DD
    outlet_radius_m: float = 250.0

    def __post_init__(self) -> None:
        if not MIN_RADIUS_M <= self.radius_m <= MAX_RADIUS_M:
            raise InvalidParameterError(
                f"radius_m must be between {MIN_RADIUS_M:g} and {MAX_RADIUS_M:g} "
                f"metres, got {self.radius_m:g}"
            )


@dataclass
class CheckContext:
    """The shared inputs of checks over one period, theme and role."""

    request: CheckRequest
    month_from: str
    month_to: str
    months: list[str]
    incidents: pd.DataFrame  # the city's visible incidents in the period
    city: Area
    wards: gpd.GeoDataFrame  # code, name, geometry (BNG)
    premises: pd.DataFrame  # the whole register
    policy: AccessPolicy
    gistar_cells: gpd.GeoDataFrame | None = None  # the study-area layer, BNG
    cia: gpd.GeoDataFrame | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    pack_attribution: list[str] = field(default_factory=list)

    @cached_property
    def xy(self) -> np.ndarray:
        """Incident coordinates, (n, 2) metres."""
        return self.incidents[["easting", "northing"]].to_numpy(dtype=float)

    @cached_property
    def premises_xy(self) -> np.ndarray:
        """Register coordinates, (n, 2) metres."""
        return self.premises[["easting", "northing"]].to_numpy(dtype=float)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (``YYYY-MM``)."""
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def gistar_request(
    request: CheckRequest, policy: AccessPolicy, month_from: str, month_to: str
) -> LayerRequest:
    """The study-area Gi* layer a check takes its bins from (default parameters)."""
    return LayerRequest(
        method="gistar",
        theme=request.theme,
        month_from=month_from,
        month_to=month_to,
        excluded_flags=policy.excluded_flags,
        disclosure=policy.disclosure,
    )


def period_of(store: IncidentStore, request: CheckRequest) -> tuple[str, str]:
    """The request's months, defaulting to the latest six the store holds."""
    stored = store.months()
    if not stored:
        raise InvalidParameterError("the store holds no incidents; ingest some first")
    last = request.month_to or stored[-1]
    first = (
        request.month_from
        or months_between(str(pd.Period(last, "M") - (DEFAULT_MONTHS - 1)), last)[0]
    )
    if first > last:
        raise InvalidParameterError(f"period starts ({first}) after it ends ({last})")
    return first, last


def build_context(
    store: IncidentStore,
    pack: AreaPack,
    premises: pd.DataFrame,
    request: CheckRequest,
    *,
    policy: AccessPolicy | None = None,
    gistar_layer: Mapping[str, Any] | None = None,
) -> CheckContext:
    """Read the city's incidents for the request's period once; gather the areas.

    ``gistar_layer`` is the study-area Gi* layer (GeoJSON, WGS84) of
    :func:`gistar_request`; without it no bin is reported.
    """
    policy = policy or policy_for(Role.PARTNER)
    first, last = period_of(store, request)
    city = resolve_area(None, pack)
    theme = parse_theme(request.theme).value if request.theme else None
    query = IncidentQuery(
        themes=[theme] if theme else [], month_from=first, month_to=last,
        columns=_COLUMNS,
    )  # fmt: skip
    incidents = area_incidents(store, city, query)
    for flag in policy.excluded_flags:
        incidents = incidents[~incidents[flag]]
    wards = pack.boundaries("ward")[["code", "name", "geometry"]]
    cia = pack.boundaries("cia") if "cia" in pack.set_names else None
    cells = None
    if gistar_layer is not None and gistar_layer.get("features"):
        cells = gpd.GeoDataFrame.from_features(
            gistar_layer["features"], crs=4326
        ).to_crs(BNG)
    sources = (
        incidents.groupby("source")["month"]
        .agg(["min", "max", "count"])
        .reset_index()
        .rename(columns={"min": "first", "max": "last", "count": "incidents"})
    )
    batches = store.batches()
    synthetic = {
        str(source)
        for source, name in zip(batches["source"], batches["file_name"], strict=True)
        if {"sample_data", "local"} <= set(PurePath(str(name)).parts)
    }
    for row in sources.itertuples():
        sources.loc[row.Index, "source"] = (
            f"{row.source} (SYNTHETIC sample data)"
            if row.source in synthetic
            else row.source
        )
    return CheckContext(
        request=request,
        month_from=first,
        month_to=last,
        months=months_between(first, last),
        incidents=incidents.reset_index(drop=True),
        city=city,
        wards=wards,
        premises=premises,
        policy=policy,
        gistar_cells=cells,
        cia=cia,
        sources=[
            {k: (int(v) if k == "incidents" else str(v)) for k, v in r.items()}
            for r in sources.to_dict(orient="records")
        ],
        pack_attribution=pack.attribution(),
    )


def ward_of(context: CheckContext, point: shapely.Point) -> pd.Series | None:
    """The ward containing ``point`` (or the nearest within 75 m), or None."""
    wards = context.wards
    inside = wards[wards.contains(point)]
    if len(inside):
        return inside.iloc[0]
    distance = wards.distance(point)
    if len(distance) and distance.min() <= 75:
        return wards.loc[distance.idxmin()]
    return None
