"""Aggregates that are safe to publish: counts per location, per area and month.

Pure functions on incident frames (the store's schema); the caller applies the
role's disclosure rules by choosing ``min_count`` and filtering flags first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots.areas import Area, in_area
from hotspots.schema import Theme

__all__ = [
    "SUMMARY_KEYS",
    "area_summary",
    "area_summary_of_counts",
    "incidents_per_location",
]


def incidents_per_location(frame: pd.DataFrame, *, min_count: int = 1) -> pd.DataFrame:
    """Incidents counted per location (police.uk snap point, postcode centroid...).

    Returns columns ``easting``, ``northing``, ``lon``, ``lat``, ``n``, ``themes``
    (theme -> count) and ``months`` (first and last month). Locations with fewer
    than ``min_count`` incidents are withheld; ``withheld`` in ``attrs`` says how
    many incidents that hid.
    """
    if frame.empty:
        out = pd.DataFrame(columns=["easting", "northing", "lon", "lat", "n", "themes"])
        out.attrs["withheld"] = 0
        return out
    keys = ["easting", "northing"]
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(
        lon=("lon", "first"),
        lat=("lat", "first"),
        n=("theme", "size"),
        first_month=("month", "min"),
        last_month=("month", "max"),
    ).reset_index()
    themes = frame.groupby([*keys, "theme"]).size().unstack(fill_value=0)
    out["themes"] = [
        {t: int(c) for t, c in row.items() if c} for _, row in themes.iterrows()
    ]
    keep = out["n"] >= min_count
    out.attrs["withheld"] = int(out.loc[~keep, "n"].sum())
    return out[keep].reset_index(drop=True)


#: The columns an area summary is counted by (besides the flags).
SUMMARY_KEYS = ("month", "theme", "ward_code", "lsoa_code")


def area_summary(frame: pd.DataFrame, *, area: Area) -> dict[str, Any]:
    """Counts per theme and month for one area, its share of the city, its trend.

    ``frame`` holds the city's incidents for the period (themes as stored, with
    ``ward_code``, ``lsoa_code`` and ``alcohol_related``); see
    :func:`area_summary_of_counts`, which this counts them for.
    """
    keys = [*SUMMARY_KEYS, "alcohol_related"]
    counts = frame.groupby(keys, dropna=False).size().rename("n").reset_index()
    return area_summary_of_counts(counts, area=area)


def area_summary_of_counts(counts: pd.DataFrame, *, area: Area) -> dict[str, Any]:
    """:func:`area_summary` from the city's incidents counted per group.

    ``counts`` has one row per distinct ``month``, ``theme``, ``ward_code``,
    ``lsoa_code`` and ``alcohol_related`` with their number of incidents ``n``
    (as :meth:`~hotspots.store.base.IncidentStore.counts` gives). The area's
    are chosen by :func:`hotspots.areas.in_area`, the rule layers use too. An
    incident flagged alcohol-related counts under ``alcohol`` as well as its
    own theme, so the themes may add up to more than ``incidents``, which counts
    each incident once. The trend is the least-squares slope in incidents per
    month and the change of the last three months against the three before.
    """
    months = sorted(m for m in counts["month"].unique() if isinstance(m, str) and m)
    inside = counts[in_area(counts, area)]
    by_theme = _theme_rows(counts)
    in_area_by_theme = _theme_rows(inside)
    table = (
        in_area_by_theme.groupby(["theme", "month"])["n"].sum().unstack(fill_value=0)
        .reindex(columns=months, fill_value=0)
    )  # fmt: skip
    city_totals = by_theme.groupby("theme")["n"].sum()
    themes: dict[str, Any] = {}
    for theme in Theme:
        series = (
            table.loc[theme.value]
            if theme.value in table.index
            else pd.Series(0, index=months)
        )
        themes[theme.value] = _figures(series, int(city_totals.get(theme.value, 0)))
    every = inside.groupby("month")["n"].sum().reindex(months, fill_value=0)
    return {
        "area_code": area.code,
        "months": months,
        "incidents": _figures(every, int(counts["n"].sum())),
        "themes": themes,
    }


def _figures(series: pd.Series, city: int) -> dict[str, Any]:
    """By month, total, share of the city and trend of one monthly series."""
    total = int(series.sum())
    counts = series.to_numpy(dtype=float)
    return {
        "by_month": {m: int(v) for m, v in series.items()},
        "total": total,
        "city_total": city,
        "share_of_city": round(total / city, 4) if city else None,
        "trend_per_month": _slope(counts),
        "last_3_vs_previous_3": _recent_change(counts),
    }


def _theme_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each group once per theme: alcohol-flagged ones also count as alcohol."""
    flagged = frame[frame["alcohol_related"] & (frame["theme"] != Theme.ALCOHOL.value)]
    return pd.concat([frame, flagged.assign(theme=Theme.ALCOHOL.value)])


def _slope(counts: np.ndarray) -> float | None:
    if len(counts) < 2:
        return None
    x = np.arange(len(counts), dtype=float)
    return round(float(np.polyfit(x, counts, 1)[0]), 4)


def _recent_change(counts: np.ndarray) -> dict[str, Any] | None:
    if len(counts) < 6:
        return None
    recent, previous = float(counts[-3:].sum()), float(counts[-6:-3].sum())
    change = (recent - previous) / previous if previous else None
    return {"last_3": int(recent), "previous_3": int(previous),
            "change": None if change is None else round(change, 4)}  # fmt: skip
