"""The figures of one priority: totals, wards, change, hotspots, patterns.

Everything is computed from the store's incidents of the priority in the study
area (by their ingest codes, the area rule), after leaving out the flags the
caller's role may not see. Raw counts stay in the figures (the tests check them
against SQL); every count meant for a reader also has a ``*_shown`` twin passed
through :func:`hotspots.disclosure.shown_count` with the caller's rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd

from hotspots.areas import Area, area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.disclosure import SENSITIVE_FLAGS, Disclosure, shown_count
from hotspots.errors import HotspotError
from hotspots.evaluation.backtest import rolling_backtest
from hotspots.evaluation.run import (
    CHOICE_COVERAGE,
    EVAL_CELL_SIZE_M,
    evaluation_grid,
    layer_recipes,
)
from hotspots.layers import LayerRequest, compute_layer
from hotspots.priorities.model import Population, Priority, match_frame
from hotspots.priorities.weights import UNWEIGHTED, HarmWeights
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.temporal import all_slices, emerging_hotspots, slice_counts
from hotspots.temporal.change import conditional_p

__all__ = [
    "CHANGE_TEST",
    "EMERGING",
    "Period",
    "PriorityContext",
    "comparison_period",
    "priority_figures",
    "read_incidents",
]

#: The significance test of a change, as the pack states it.
CHANGE_TEST = (
    "two-sided exact binomial test of the later count given the total of the two "
    "(the conditional test for two Poisson counts; expected share of the later "
    "period = its share of the months); significant when p < 0.05"
)
#: Emerging Hot Spot Analysis classes counted as "emerging".
EMERGING = ("new hot spot", "consecutive hot spot", "intensifying hot spot")
TOP_HOTSPOTS = 5
_COLUMNS = (
    "incident_id",
    "source",
    "category",
    "theme",
    "month",
    "easting",
    "northing",
    "ward_code",
    "lsoa_code",
    *FLAG_COLUMNS,
)


@dataclass(frozen=True)
class Period:
    """The months reported and those they are compared with."""

    month_from: str
    month_to: str
    compare_from: str | None = None
    compare_to: str | None = None
    compare_kind: str = ""  # "the same months a year before" / "the N months before"
    compare_note: str = ""  # why not the same months a year before

    @property
    def months(self) -> list[str]:
        """Every month of the period."""
        return all_slices(self.month_from, self.month_to)

    @property
    def compare_months(self) -> list[str]:
        """Every month of the comparison period (empty: none)."""
        if self.compare_from is None or self.compare_to is None:
            return []
        return all_slices(self.compare_from, self.compare_to)

    def text(self) -> str:
        """E.g. ``2017-05 to 2017-07``."""
        if self.month_from == self.month_to:
            return self.month_from
        return f"{self.month_from} to {self.month_to}"


@dataclass(frozen=True)
class PriorityContext:
    """Who asks and with what: store, pack, role rule, weights, population."""

    store: IncidentStore
    pack: AreaPack | None
    excluded_flags: tuple[str, ...]
    rule: Disclosure | None
    role: str
    weights: HarmWeights | None = None
    population: Population | None = None
    backtest: bool = True  # choose the method by backtest (slow-ish)


def _shift_year(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def comparison_period(stored: Sequence[str], month_from: str, month_to: str) -> Period:
    """The period and what it is compared with: the same months a year before
    when the store holds all of them, else the as-long period just before when
    it does, else nothing (the pack then says there is no comparison)."""
    months = all_slices(month_from, month_to)
    held = set(stored)
    lo, hi = _shift_year(month_from, -1), _shift_year(month_to, -1)
    if set(all_slices(lo, hi)) <= held:
        return Period(month_from, month_to, lo, hi, "the same months a year before")
    earlier = [
        m for m in all_slices(min([*stored, month_from]), month_from) if m < month_from
    ]
    if len(earlier) >= len(months) and set(earlier[-len(months) :]) <= held:
        before = earlier[-len(months) :]
        note = (
            f"The same months a year before ({lo} to {hi}) are not all in the "
            f"store, so the comparison is with the {len(months)} months before"
        )
        kind = f"the {len(months)} months before"
        return Period(month_from, month_to, before[0], before[-1], kind, note)
    return Period(month_from, month_to)


def read_incidents(
    ctx: PriorityContext, area: Area, months: Sequence[str], match: Any
) -> pd.DataFrame:
    """The priority's incidents in ``area`` and ``months`` that the role may see."""
    query = IncidentQuery(
        priority=match, month_from=min(months), month_to=max(months), columns=_COLUMNS
    )
    frame = area_incidents(ctx.store, area, query)
    for flag in ctx.excluded_flags:
        frame = frame[~frame[flag].astype(bool)]
    return frame.reset_index(drop=True)


def _sensitive(frame: pd.DataFrame) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    for flag in SENSITIVE_FLAGS:
        mask |= frame[flag].to_numpy(dtype=bool)
    return mask


def _shown(count: int, ctx: PriorityContext, sensitive: bool) -> int | str:
    return shown_count(int(count), ctx.rule, sensitive=sensitive)


def _change(before: int, after: int, lb: int, la: int) -> dict[str, Any]:
    """Change of ``after`` against ``before`` and its exact p-value."""
    p = float(conditional_p(np.array([before]), np.array([after]), la / (lb + la))[0])
    return {
        "before": int(before),
        "after": int(after),
        "change": int(after - before),
        "change_pct": (100.0 * (after - before) / before) if before else None,
        "p": None if np.isnan(p) else p,
        "significant": bool(p < 0.05) if not np.isnan(p) else False,
    }


def priority_figures(
    ctx: PriorityContext, priority: Priority, period: Period
) -> dict[str, Any]:
    """Every figure of one priority for ``period`` (see the module docs)."""
    city = resolve_area(None, ctx.pack)
    months = period.months
    first = min([*period.compare_months, *months, *(ctx.store.months()[:1])])
    history = all_slices(first, period.month_to)
    frame = read_incidents(ctx, city, history, priority.match)
    now = frame[frame["month"].isin(months)]
    before = frame[frame["month"].isin(period.compare_months)]
    everything = _all_incidents(ctx, city, months)
    sens_now = bool(_sensitive(now).any())
    total = len(now)
    out: dict[str, Any] = {
        "id": priority.id,
        "name": priority.name,
        "description": priority.description,
        "period": {
            "from": period.month_from,
            "to": period.month_to,
            "text": period.text(),
            "months": months,
        },
        "comparison": (
            {
                "from": period.compare_from,
                "to": period.compare_to,
                "kind": period.compare_kind,
                "note": period.compare_note,
                "test": CHANGE_TEST,
            }
            if period.compare_months
            else None
        ),
        "role": ctx.role,
        "excluded_flags": list(ctx.excluded_flags),
        "total": total,
        "total_shown": _shown(total, ctx, sens_now),
        "city_all": everything,
        "share_of_all_pct": 100.0 * total / everything if everything else None,
        "sensitive": sens_now,
        "missing_flags": list(priority.missing_flags),
        "selection": {
            "themes": list(priority.match.themes),
            "categories": list(priority.match.categories),
            "flags": list(priority.match.flags),
        },
        "weighting": ctx.weights.describe() if ctx.weights else UNWEIGHTED,
        "sources": {
            str(name): _shown(len(part), ctx, bool(_sensitive(part).any()))
            for name, part in now.groupby("source")
        },
    }
    if period.compare_months:
        out["change"] = _change(
            len(before), total, len(period.compare_months), len(months)
        )
        out["change"]["before_shown"] = _shown(
            len(before), ctx, bool(_sensitive(before).any())
        )
    out["monthly"] = _monthly(ctx, frame, history, period)
    out["wards"] = _ward_table(ctx, now, before, period)
    out["sublayers"] = _sublayers(ctx, priority, now, before, period)
    if total == 0:
        out["hotspots"] = {"note": "no incidents: no hotspot map"}
        out["patterns"] = {"note": "no incidents: no pattern over time"}
        return out
    out["hotspots"] = _hotspots(ctx, priority, period, frame, history)
    out["patterns"] = _patterns(city, frame, history)
    return out


def _all_incidents(ctx: PriorityContext, city: Area, months: Sequence[str]) -> int:
    """Every incident in the city in the period that the role may see."""
    query = IncidentQuery(
        month_from=min(months),
        month_to=max(months),
        columns=("incident_id", *ctx.excluded_flags),
    )
    frame = area_incidents(ctx.store, city, query)
    for flag in ctx.excluded_flags:
        frame = frame[~frame[flag].astype(bool)]
    return len(frame)


def _monthly(
    ctx: PriorityContext, frame: pd.DataFrame, history: list[str], period: Period
) -> list[dict[str, Any]]:
    rows = []
    for month in history:
        part = frame[frame["month"] == month]
        n = len(part)
        rows.append(
            {
                "month": month,
                "count": n,
                "shown": _shown(n, ctx, bool(_sensitive(part).any())),
                "in_period": month in period.months,
                "in_comparison": month in period.compare_months,
            }
        )
    return rows


def _ward_table(
    ctx: PriorityContext, now: pd.DataFrame, before: pd.DataFrame, period: Period
) -> list[dict[str, Any]]:
    """Every ward of the pack, most incidents first (then by name)."""
    wards = resolve_area(None, ctx.pack)
    names = _ward_names(ctx.pack)
    codes = list(wards.ward_codes)
    total = len(now)
    weights = ctx.weights.of(now["category"]) if ctx.weights else None
    rows = []
    for code in codes:
        here = now["ward_code"] == code
        was = before["ward_code"] == code
        n, nb = int(here.sum()), int(was.sum())
        sens = bool(_sensitive(now[here]).any())
        row: dict[str, Any] = {
            "code": code,
            "name": names.get(code, code),
            "count": n,
            "count_shown": _shown(n, ctx, sens),
            "share_pct": 100.0 * n / total if total else None,
            "rate_per_1000": None,
            "population": None,
        }
        if ctx.population and code in ctx.population.by_ward:
            pop = ctx.population.by_ward[code]
            row["population"] = pop
            shown = row["count_shown"]
            row["rate_per_1000"] = 1000.0 * n / pop if isinstance(shown, int) else None
        if period.compare_months:
            change = _change(nb, n, len(period.compare_months), len(period.months))
            withheld = not isinstance(row["count_shown"], int) or not isinstance(
                _shown(nb, ctx, bool(_sensitive(before[was]).any())), int
            )
            change["before_shown"] = _shown(
                nb, ctx, bool(_sensitive(before[was]).any())
            )
            if withheld and n + nb > 0:  # no change or p from a withheld count
                change.update(
                    change=None,
                    change_pct=None,
                    p=None,
                    significant=False,
                    withheld=True,
                )
            row["change"] = change
        if weights is not None:
            row["harm"] = float(weights[here.to_numpy()].sum())
        rows.append(row)
    key = "harm" if weights is not None else "count"
    rows.sort(key=lambda r: (-r[key], r["name"]))
    other = int((~now["ward_code"].isin(codes)).sum())
    if other:  # in the area by LSOA code only (e.g. a ward code from another set)
        rows.append(
            {
                "code": "",
                "name": "no ward code",
                "count": other,
                "count_shown": _shown(other, ctx, False),
                "share_pct": 100.0 * other / total,
                "rate_per_1000": None,
                "population": None,
            }
        )
    return rows


def _ward_names(pack: AreaPack | None) -> dict[str, str]:
    from hotspots.areas.registry import default_pack

    wards = (pack or default_pack()).boundaries("ward")
    return dict(zip(wards["code"], wards["name"], strict=True))


def _sublayers(
    ctx: PriorityContext,
    priority: Priority,
    now: pd.DataFrame,
    before: pd.DataFrame,
    period: Period,
) -> list[dict[str, Any]]:
    """Each sub-layer's count (within the priority), or why it has none."""
    rows = []
    for sub in priority.sublayers:
        withheld = [f for f in sub.match.flags if f in ctx.excluded_flags]
        here = now[match_frame(now, sub.match)] if len(now) else now
        n = len(here)
        row: dict[str, Any] = {
            "id": sub.id,
            "name": sub.name,
            "count": n,
            "count_shown": _shown(
                n, ctx, sub.sensitive or bool(_sensitive(here).any())
            ),
            "sensitive": sub.sensitive,
            "missing_flags": list(sub.missing_flags),
            "withheld_flags": withheld,
        }
        if withheld and n == 0:
            row["note"] = (
                f"withheld from the {ctx.role} role: incidents flagged "
                f"{', '.join(withheld)} are not shown to it"
            )
        elif n == 0:
            row["note"] = _no_data(sub.match, sub.missing_flags)
        if period.compare_months and n:
            nb = int(match_frame(before, sub.match).sum()) if len(before) else 0
            row["before_shown"] = _shown(nb, ctx, sub.sensitive)
        rows.append(row)
    return rows


def _no_data(match: Any, missing: Sequence[str]) -> str:
    """Why a selection has no incident, in plain words."""
    parts = []
    if match.flags:
        parts.append(f"no stored incident is flagged {' or '.join(match.flags)}")
    if missing:
        parts.append(f"no source carries a {' or '.join(missing)} flag")
    if match.categories:
        cats = ", ".join(f"'{c}'" for c in match.categories)
        parts.append(f"no stored incident has the category {cats}")
    if match.themes:
        parts.append(f"no stored incident has the theme {', '.join(match.themes)}")
    return "; ".join(parts)


def _points(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        frame["easting"].to_numpy(float),
        frame["northing"].to_numpy(float),
        frame["month"].to_numpy(),
    )


def _hotspots(
    ctx: PriorityContext,
    priority: Priority,
    period: Period,
    frame: pd.DataFrame,
    history: list[str],
) -> dict[str, Any]:
    """The top cells of the layer the backtest prefers, with its trust figure."""
    recipes = {r.label: r for r in layer_recipes()}
    recipe, choice = (
        next(
            r for r in recipes.values() if r.method == "grid" and r.window_months == 3
        ),
        None,
    )
    if ctx.backtest:
        city = resolve_area(None, ctx.pack)
        pts = pd.DataFrame({"x": frame["easting"], "y": frame["northing"]})
        grid = evaluation_grid(city, pts, EVAL_CELL_SIZE_M)
        x, y, month = _points(frame)
        try:
            bt = rolling_backtest(
                x,
                y,
                month,
                grid,
                {k: r.forecaster() for k, r in recipes.items()},
                months=history,
                min_train=min(3, len(history) - 1),
                coverages=[CHOICE_COVERAGE],
            )
            table = bt.summary(CHOICE_COVERAGE)
            if not table["pei"].isna().all():
                best = table.sort_values("pei", ascending=False, kind="stable").iloc[0]
                recipe = recipes[str(best["method"])]
                choice = {
                    "pei": float(best["pei"]),
                    "hit_rate": float(best["hit_rate"]),
                    "pai": float(best["pai"]),
                    "origins": int(best["origins"]),
                }
        except (HotspotError, ValueError):
            choice = None
    window = history[-recipe.window_months :]  # the map shows these months
    request = LayerRequest(
        method=recipe.method,
        priority=priority.id,
        month_from=window[0],
        month_to=period.month_to,
        parameters=dict(recipe.parameters),
        excluded_flags=ctx.excluded_flags,
        disclosure=ctx.rule,
        harm_weights=ctx.weights,
    )
    try:
        layer = compute_layer(ctx.store, request, ctx.pack)
    except HotspotError as exc:
        return {"note": f"no hotspot map: {exc}"}
    cells = gpd.GeoDataFrame.from_features(layer["features"], crs=4326).to_crs(27700)
    score = next(c for c in ("w", "n", "density_km2", "gistar_z") if c in cells)
    if recipe.method == "grid" and ctx.weights is None:
        score = "n"
    values = pd.to_numeric(cells[score], errors="coerce")
    cells = cells.assign(score=values.fillna(-np.inf))
    top = cells.sort_values("score", ascending=False, kind="stable").head(TOP_HOTSPOTS)
    top = top[top["score"] > 0]
    names = _ward_names(ctx.pack)
    wards = ctx.pack.boundaries("ward") if ctx.pack else None
    if wards is None:
        from hotspots.areas.registry import default_pack

        wards = default_pack().boundaries("ward")
    rows = []
    shown = frame[frame["month"].isin(window)]
    for rank, (_, cell) in enumerate(top.iterrows(), start=1):
        centre = cell.geometry.centroid
        n = cell.get("n")
        rows.append(
            {
                "rank": rank,
                "ward": _cell_ward(cell.geometry, shown, wards, names),
                "n_shown": "withheld" if n is None or pd.isna(n) else int(n),
                "score": float(cell["score"]),
                "score_name": score,
                "easting": float(centre.x),
                "northing": float(centre.y),
            }
        )
    trust = layer["parameters"].get("trust", {})
    return {
        "method": recipe.method,
        "recipe": recipe.label,
        "window": {"from": window[0], "to": period.month_to},
        "chosen_by": (
            "the rolling backtest on this priority's incidents (best mean PEI at "
            f"{100 * CHOICE_COVERAGE:g} % of cells)"
            if choice
            else "default (too few months or incidents to backtest)"
        ),
        "backtest": choice,
        "trust": trust.get("text") or trust.get("note", ""),
        "trust_figures": {k: trust.get(k) for k in ("hit_rate", "pai", "coverage")},
        "top": rows,
        "cells": cells[[score, "geometry"]].rename(columns={score: "score"}),
        "score_name": score,
        "disclosure": layer["parameters"].get("disclosure"),
        "weighting": layer["parameters"].get("weighting"),
    }


def _cell_ward(
    cell: Any, frame: pd.DataFrame, wards: gpd.GeoDataFrame, names: dict[str, str]
) -> str:
    """The ward of a cell: most of its incidents' ward codes (the area rule),
    else the ward nearest its middle (a cell on the coast)."""
    x0, y0, x1, y1 = cell.bounds
    e, n = frame["easting"], frame["northing"]
    inside = frame[(e >= x0) & (e < x1) & (n >= y0) & (n < y1)]
    codes = inside["ward_code"][inside["ward_code"].isin(names)]
    if len(codes):
        return names[str(codes.value_counts().index[0])]
    distance = wards.distance(cell.centroid)
    return names.get(str(wards.loc[distance.idxmin(), "code"]), "")


def _patterns(city: Area, frame: pd.DataFrame, history: list[str]) -> dict[str, Any]:
    """Persistent and emerging hot spot cells (Emerging Hot Spot Analysis)."""
    if len(history) < 3:
        return {"note": "fewer than 3 months of data: no pattern over time"}
    pts = pd.DataFrame({"x": frame["easting"], "y": frame["northing"]})
    grid = evaluation_grid(city, pts, EVAL_CELL_SIZE_M)
    x, y, month = _points(frame)
    cube = slice_counts(grid, x, y, month, history)
    try:
        result = emerging_hotspots(cube, grid.mask, grid.cell_size_m)
    except HotspotError as exc:
        return {"note": f"no pattern over time: {exc}"}
    labels = pd.Series(result.labels)
    counts = labels.value_counts()
    return {
        "cell_size_m": EVAL_CELL_SIZE_M,
        "months": {"from": history[0], "to": history[-1], "slices": len(history)},
        "persistent": int(counts.get("persistent hot spot", 0)),
        "emerging": int(sum(counts.get(k, 0) for k in EMERGING)),
        "by_class": {k: int(v) for k, v in counts.items() if k != "no pattern"},
        "method": (
            "Emerging Hot Spot Analysis (space-time Gi* per month on 100 m cells, "
            "Benjamini-Hochberg FDR, Mann-Kendall trend); persistent = hot in at "
            "least 90 % of months with no trend; emerging = new, consecutive or "
            "intensifying hot spot"
        ),
    }
