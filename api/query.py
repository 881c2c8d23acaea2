"""Query parameters shared by the layer, incident and summary routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import HTTPException, Query

from hotspots.schema import Theme

__all__ = ["MONTH_PATTERN", "LayerFilters", "MonthQuery", "layer_filters"]

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def MonthQuery(alias: str) -> Any:
    """A ``YYYY-MM`` query parameter named ``alias``."""
    return Query(alias=alias, pattern=MONTH_PATTERN, description="YYYY-MM")


@dataclass(frozen=True)
class LayerFilters:
    """Theme/category, period and area filters of a request."""

    theme: str | None
    categories: tuple[str, ...]
    month_from: str | None
    month_to: str | None
    area: str | None
    bbox: tuple[float, float, float, float] | None


async def layer_filters(
    theme: Annotated[Theme | None, Query(description="Theme")] = None,
    category: Annotated[
        list[str] | None, Query(description="Source categories (repeatable)")
    ] = None,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    area: Annotated[
        str | None,
        Query(description="Ward/LSOA codes or names, comma-separated (default: city)"),
    ] = None,
    bbox: Annotated[
        str | None, Query(description="min lon,min lat,max lon,max lat (WGS84)")
    ] = None,
) -> LayerFilters:
    """Parse the shared filters; a malformed bbox or reversed period is a 422."""
    box = _parse_bbox(bbox) if bbox else None
    if month_from and month_to and month_from > month_to:
        raise HTTPException(422, f"from ({month_from}) is after to ({month_to})")
    return LayerFilters(
        theme=theme.value if theme else None,
        categories=tuple(category or ()),
        month_from=month_from,
        month_to=month_to,
        area=area,
        bbox=box,
    )


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise HTTPException(
            422, f"bbox {text!r} must be four numbers: min lon,min lat,max lon,max lat"
        )
    return values  # type: ignore[return-value]
