"""The area check of one premises: what happened within a radius, against the city.

Distances are in metres in EPSG:27700; an incident exactly at the radius counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

import shapely

from hotspots.access import SENSITIVE_FLAGS
from hotspots.disclosure import shown_count
from hotspots.premises.caveats import caveats_for
from hotspots.premises.context import CheckContext, ward_of
from hotspots.premises.stats import before_after, rate_ratio
from hotspots.schema import DatePrecision

__all__ = ["DAYS", "FEWER_THAN_5", "check_premises", "within_radius"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FEWER_THAN_5 = "fewer than 5"  # a sensitive count below analyst (the rule's)
SENSITIVE_LABELS = {
    "domestic_abuse": "Domestic abuse",
    "sexual_offence": "Sexual offences",
    "hate_crime": "Hate crime",
}
#: Squared-distance slack (m²) so a point exactly at the radius is never lost
#: to floating point.
_EPS_M2 = 1e-6
#: Late night: 22:00 to 05:59.
LATE_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})


def within_radius(xy: np.ndarray, x: float, y: float, radius_m: float) -> np.ndarray:
    """True for the points within ``radius_m`` metres of (x, y), the edge included."""
    d2 = (xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2
    return d2 <= radius_m * radius_m + _EPS_M2


def _counts(values: pd.Series, name: str) -> list[dict[str, Any]]:
    """Counts per value, most first (ties by value)."""
    counts = Counter(values.to_numpy(dtype=object).tolist())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [{name: str(k), "count": int(v)} for k, v in ranked]


def _profile(inside: pd.DataFrame) -> dict[str, Any]:
    """Hour-of-day and day-of-week counts of the incidents that carry them."""
    timed = inside[inside["occurred_precision"] == DatePrecision.MINUTE.value]
    dated = inside[
        inside["occurred_precision"].isin(
            [DatePrecision.DAY.value, DatePrecision.MINUTE.value]
        )
    ]
    when = pd.to_datetime(timed["occurred_at"].str[:16], format="%Y-%m-%dT%H:%M")
    days = pd.to_datetime(dated["occurred_at"].str[:10], format="%Y-%m-%d")
    hours = np.bincount(when.dt.hour.to_numpy(dtype=int), minlength=24)
    dows = np.bincount(days.dt.day_of_week.to_numpy(dtype=int), minlength=7)
    late = int(sum(hours[h] for h in LATE_HOURS))
    return {
        "incidents": len(inside),
        "timed": len(timed),
        "dated": len(dated),
        "by_hour": [int(v) for v in hours],
        "by_day": [
            {"day": d, "count": int(v)} for d, v in zip(DAYS, dows, strict=True)
        ],
        "late_night": late,
        "fri_sat": int(dows[4] + dows[5]),
    }


def _before_after(
    inside: pd.DataFrame, months: list[str], date: str
) -> dict[str, Any] | None:
    """Counts before/after ``date`` on whole months (police.uk has no day)."""
    month, day = date[:7], int(date[8:10]) if len(date) >= 10 else 1
    before = [m for m in months if m < month]
    after = [m for m in months if (m >= month if day == 1 else m > month)]
    if not before or not after:
        return {
            "date": date,
            "error": f"the period {months[0]} to {months[-1]} needs whole months "
            f"both before and after {date}",
        }
    n_before = int(inside["month"].isin(before).sum())
    n_after = int(inside["month"].isin(after).sum())
    result = before_after(n_before, n_after, len(before), len(after), date).as_dict()
    result["months_before_list"] = [before[0], before[-1]]
    result["months_after_list"] = [after[0], after[-1]]
    if day != 1:
        result["note"] = (
            f"police.uk gives months only: {month}, the month of the date, is left "
            "out and the comparison uses whole months either side"
        )
    return result


def _gistar(context: CheckContext, point: shapely.Point) -> dict[str, Any] | None:
    cells = context.gistar_cells
    if cells is None:
        return None
    hit = cells[cells.contains(point) | cells.touches(point)]
    if hit.empty:
        return {"bin": None, "label": "outside every cell of the layer"}
    cell = hit.iloc[0]
    gi_bin = int(cell.get("gistar_bin", 0))
    confidence = {3: "99 %", 2: "95 %", 1: "90 %"}.get(abs(gi_bin))
    if gi_bin > 0:
        label = f"in a hotspot cell ({confidence} confidence)"
    elif gi_bin < 0:
        label = f"in a cold-spot cell ({confidence} confidence)"
    else:
        label = "in a cell that is not a statistically significant hotspot"
    return {
        "bin": gi_bin,
        "z": round(float(cell.get("gistar_z", float("nan"))), 3),
        "p": float(cell.get("gistar_p", float("nan"))),
        "cell_incidents": (
            "withheld (a small count)" if pd.isna(cell.get("n")) else int(cell["n"])
        ),
        "label": label,
    }


def _outlets(
    context: CheckContext, premises: Mapping[str, Any], radius_m: float
) -> dict[str, Any]:
    register = context.premises
    xy = context.premises_xy
    distance = np.hypot(
        xy[:, 0] - float(premises["easting"]), xy[:, 1] - float(premises["northing"])
    )
    near = np.flatnonzero(distance <= radius_m + 1e-9)
    ids = register["premises_id"].to_numpy(dtype=object)
    names = register["name"].to_numpy(dtype=object)
    types = register["premises_type"].to_numpy(dtype=object)
    rows = [
        {
            "premises_id": ids[i],
            "name": names[i],
            "type": types[i],
            "distance_m": int(np.rint(distance[i])),
            "easting": float(xy[i, 0]),
            "northing": float(xy[i, 1]),
        }
        for i in near
        if ids[i] != premises["premises_id"]
    ]
    rows.sort(key=lambda r: (r["distance_m"], r["name"]))
    return {
        "radius_m": radius_m,
        "count": len(rows),
        "by_type": _counts(pd.Series([r["type"] for r in rows], dtype=object), "type"),
        "nearby": rows,
    }


def _locations(
    context: CheckContext, x: float, y: float, extent_m: float
) -> list[dict[str, float]]:
    """Incident locations near the premises, counted, for the report's map.

    Locations with fewer incidents than the role's minimum are left out.
    """
    xy = context.xy
    box = (np.abs(xy[:, 0] - x) <= extent_m) & (np.abs(xy[:, 1] - y) <= extent_m)
    if not box.any():
        return []
    places, counts = np.unique(xy[box], axis=0, return_counts=True)
    keep = counts >= context.policy.min_location_count
    return [
        {"easting": float(e), "northing": float(n), "n": int(c)}
        for (e, n), c in zip(places[keep], counts[keep], strict=True)
    ]


def check_premises(
    premises: Mapping[str, Any], context: CheckContext
) -> dict[str, Any]:
    """Everything the area check reports for one premises (JSON-ready)."""
    request = context.request
    premises = dict(premises)
    x, y = float(premises["easting"]), float(premises["northing"])
    point = shapely.Point(x, y)
    mask = within_radius(context.xy, x, y, request.radius_m)
    inside = context.incidents.loc[mask]
    circle_m2 = math.pi * request.radius_m**2
    city_m2 = float(context.city.geometry.area)
    total = len(inside)
    n_city = len(context.incidents)
    comparisons = {}
    if n_city:
        expected = n_city * circle_m2 / city_m2
        comparisons["city"] = rate_ratio(total, expected, "the city average").as_dict()
    ward = ward_of(context, point)
    if ward is not None:
        n_ward = int((context.incidents["ward_code"] == ward["code"]).sum())
        if n_ward:
            expected = n_ward * circle_m2 / float(ward.geometry.area)
            comparisons["ward"] = rate_ratio(
                total, expected, f"the {ward['name']} ward average"
            ).as_dict()
    months = pd.Series(0, index=context.months).add(
        inside["month"].value_counts(), fill_value=0
    )
    sensitive = [
        {
            "flag": flag,
            "label": SENSITIVE_LABELS[flag],
            "count": (
                "not shown to this role"
                if flag in context.policy.excluded_flags
                else shown_count(
                    int(inside[flag].sum()), context.policy.disclosure, sensitive=True
                )
            ),
        }
        for flag in SENSITIVE_FLAGS
    ]
    cia_name = None
    if context.cia is not None:
        hit = context.cia[context.cia.contains(point)]
        cia_name = None if hit.empty else str(hit.iloc[0]["name"])
    result: dict[str, Any] = {
        "premises": {k: premises[k] for k in premises if k != "geometry"},
        "radius_m": request.radius_m,
        "period": {
            "from": context.month_from,
            "to": context.month_to,
            "months": len(context.months),
        },
        "theme": request.theme or "all",
        "role": context.policy.role.value,
        "total": total,
        "by_theme": _counts(inside["theme"], "theme"),
        "by_category": _counts(inside["category"], "category"),
        "by_source": _counts(inside["source"], "source"),
        "by_month": [{"month": m, "count": int(v)} for m, v in months.items()],
        "exact_locations": int((inside["geocode_quality"] == "exact").sum()),
        "profile": _profile(inside),
        "comparison": comparisons,
        "rate_ratio_sentence": (
            f"Within {request.radius_m:g} m: {total:,} incidents, "
            + comparisons["city"]["sentence"]
            + "."
            if "city" in comparisons
            else ""
        ),
        "ward": None if ward is None else {"code": ward["code"], "name": ward["name"]},
        "gistar": _gistar(context, point),
        "cia": {"inside": cia_name is not None, "name": cia_name},
        "outlets": _outlets(context, premises, request.outlet_radius_m),
        "sensitive": sensitive,
        "before_after": (
            _before_after(inside, context.months, request.change_date)
            if request.change_date
            else None
        ),
        "sources": context.sources,
    }
    result["locations"] = _locations(
        context, x, y, max(request.outlet_radius_m, request.radius_m) + 60
    )
    result["caveats"] = caveats_for(result)
    return result
