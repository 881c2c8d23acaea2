"""Query parameters shared by the layer, incident and summary routes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import HTTPException, Query

from hotspots.areas.pack import AreaPack
from hotspots.errors import InvalidParameterError
from hotspots.period import PERIOD_PATTERN, parse_period
from hotspots.schema import FLAG_COLUMNS, Theme
from hotspots.store.base import PriorityMatch

__all__ = [
    "MAX_AREA_NAMES",
    "MAX_CATEGORIES",
    "MAX_NAME_CHARS",
    "MONTH_PATTERN",
    "LayerFilters",
    "MonthQuery",
    "PeriodQuery",
    "layer_filters",
    "priority_match",
]

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
#: Most ward/LSOA codes or names in one ``area`` (each costs ~2.5 ms to resolve;
#: a district or ward name covers its LSOAs).
MAX_AREA_NAMES = 100
#: Most ``category`` values in one request (police.uk has 14 categories).
MAX_CATEGORIES = 30
#: Longest area code or name, or category.
MAX_NAME_CHARS = 100


def MonthQuery(alias: str) -> Any:
    """A ``YYYY-MM`` query parameter named ``alias``."""
    return Query(alias=alias, pattern=MONTH_PATTERN, description="YYYY-MM")


def PeriodQuery(alias: str) -> Any:
    """A ``YYYY-MM`` or ``YYYY-MM-DD`` query parameter named ``alias``."""
    return Query(
        alias=alias,
        pattern=PERIOD_PATTERN,
        description="YYYY-MM or YYYY-MM-DD (inclusive). A day part-way through a "
        "month leaves out incidents known only to that month (police.uk's).",
    )


@dataclass(frozen=True)
class LayerFilters:
    """Theme/category, period and area filters of a request."""

    theme: str | None
    categories: tuple[str, ...]
    month_from: str | None
    month_to: str | None
    day_from: str | None
    day_to: str | None
    area: str | None
    bbox: tuple[float, float, float, float] | None
    flags: tuple[str, ...] = ()  # incidents with any of these flags set
    priority: str | None = None  # a partnership priority's id


async def layer_filters(
    theme: Annotated[Theme | None, Query(description="Theme")] = None,
    category: Annotated[
        list[str] | None, Query(description="Source categories (repeatable)")
    ] = None,
    period_from: Annotated[str | None, PeriodQuery("from")] = None,
    period_to: Annotated[str | None, PeriodQuery("to")] = None,
    area: Annotated[
        str | None,
        Query(
            description="'city' (default), or ward/LSOA codes or names, comma-"
            "separated: incidents by the codes given at ingest; layer features "
            "crossing the area or holding its incidents"
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            description="min lon,min lat,max lon,max lat (WGS84): incidents inside, "
            "layer features crossing it (the statistic is not recomputed)"
        ),
    ] = None,
    flag: Annotated[
        list[str] | None,
        Query(
            description="Flags (repeatable): incidents with any of them set; "
            f"one of {', '.join(FLAG_COLUMNS)}"
        ),
    ] = None,
    priority: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z][a-z0-9_]{0,39}$",
            description="A partnership priority's id (GET /api/v1/priorities): "
            "incidents of any of its themes, categories or flags",
        ),
    ] = None,
) -> LayerFilters:
    """Parse the shared filters; a malformed bbox or reversed period, too many
    areas or categories, or an overlong name is a 422."""
    box = _parse_bbox(bbox) if bbox else None
    _check_list("area", (area or "").split(","), MAX_AREA_NAMES)
    _check_list("category", category or [], MAX_CATEGORIES)
    unknown = sorted(set(flag or ()) - set(FLAG_COLUMNS))
    if unknown:
        raise HTTPException(
            422,
            f"unknown flag(s) {', '.join(unknown)}; flags: {', '.join(FLAG_COLUMNS)}",
        )
    try:
        period = parse_period(period_from, period_to)
    except InvalidParameterError as exc:
        raise HTTPException(422, str(exc)) from exc
    return LayerFilters(
        theme=theme.value if theme else None,
        categories=tuple(category or ()),
        month_from=period.month_from,
        month_to=period.month_to,
        day_from=period.day_from,
        day_to=period.day_to,
        area=area,
        bbox=box,
        flags=tuple(dict.fromkeys(flag or ())),
        priority=priority,
    )


def priority_match(
    filters: LayerFilters, pack: AreaPack | None
) -> PriorityMatch | None:
    """The incidents the filters' priority selects in ``pack`` (422 if unknown)."""
    if filters.priority is None:
        return None
    from hotspots.priorities.model import PrioritiesError, load_priorities

    try:
        return load_priorities(pack).get(filters.priority).match
    except PrioritiesError as exc:
        raise HTTPException(422, str(exc)) from exc


def _check_list(name: str, values: list[str], most: int) -> None:
    """Refuse more than ``most`` values, or one longer than MAX_NAME_CHARS."""
    if len(values) > most:
        raise HTTPException(
            422,
            f"{name} lists {len(values):,} values, more than {most}: ask for fewer "
            "per request (a district or ward name covers its LSOAs)",
        )
    for value in values:
        if len(value) > MAX_NAME_CHARS:
            raise HTTPException(
                422,
                f"{name} has a value of {len(value):,} characters, more than "
                f"{MAX_NAME_CHARS}: give a code or name",
            )


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Four finite numbers within longitude/latitude range, else a 422."""
    parts = text.split(",")
    try:
        values = tuple(float(v) for v in parts) if len(parts) == 4 else ()
    except ValueError:
        values = ()
    in_range = len(values) == 4 and all(
        math.isfinite(v) and abs(v) <= limit
        for v, limit in zip(values, (180, 90, 180, 90), strict=True)
    )
    if not in_range:
        raise HTTPException(
            422,
            "bbox must be four numbers: min lon,min lat,max lon,max lat (WGS84 "
            "degrees, longitude -180..180, latitude -90..90)",
        )
    return values  # type: ignore[return-value]
