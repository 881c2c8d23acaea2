"""Change and emerging-hotspot layers from the store (the "what changed" view).

Glue like :mod:`hotspots.layers`: reads a theme's incidents in the study area
by their ingest codes (the area rule), slices them by month on the study-area
grid (cell ids stable across periods) and calls the pure core in
:mod:`hotspots.temporal`. Layers are GeoJSON in WGS84 with every parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd

from hotspots.analysis.grid import Grid, cells_frame
from hotspots.areas import resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import default_pack
from hotspots.crs import BNG
from hotspots.disclosure import Disclosure, disclose_change, disclose_features
from hotspots.errors import EmptyInputError, InvalidParameterError
from hotspots.evaluation.run import evaluation_grid, theme_incidents
from hotspots.temporal import (
    CLASS_TEXT,
    DEFAULT_FDR,
    all_slices,
    change_table,
    emerging_hotspots,
    mann_kendall,
    sfhotspot_classify,
    slice_counts,
    slice_labels,
)

__all__ = [
    "CELL_SIZE_M",
    "change_layer",
    "default_periods",
    "emerging_layer",
    "ward_trends",
]

#: Cell side (m) of change and emerging layers (the evaluation grid's).
CELL_SIZE_M = 100.0


def default_periods(
    months: Sequence[str], length: int = 3
) -> tuple[tuple[str, str], tuple[str, str]]:
    """ "This quarter against the last": the latest ``length`` months with data
    and the ``length`` before them (shorter when fewer months are stored)."""
    if len(months) < 2:
        raise InvalidParameterError("a change needs at least two months of data")
    n = min(length, len(months) // 2)
    after = (months[-n], months[-1])
    before = (months[-2 * n], months[-n - 1])
    return before, after


def _months(lo: str, hi: str) -> list[str]:
    if lo > hi:
        raise InvalidParameterError(f"period {lo} to {hi}: the start is after the end")
    return all_slices(lo, hi)


def _incidents(
    store: Any, theme: str | None, study_area: str | None, pack: AreaPack | None,
    excluded_flags: Sequence[str],
) -> tuple[Any, pd.DataFrame, Grid]:  # fmt: skip
    area = resolve_area(study_area, pack)
    points = theme_incidents(store, area, theme, excluded_flags)
    return area, points, evaluation_grid(area, points, CELL_SIZE_M)


def _points(points: pd.DataFrame) -> gpd.GeoDataFrame:
    """Incidents (``x``, ``y``, ``sensitive``) as BNG points for the disclosure rule."""
    return gpd.GeoDataFrame(
        points[["sensitive"]],
        geometry=gpd.points_from_xy(points["x"], points["y"]),
        crs=BNG,
    )


def _geojson(frame: gpd.GeoDataFrame, parameters: dict[str, Any]) -> dict[str, Any]:
    layer: dict[str, Any] = json.loads(frame.to_crs(4326).to_json(drop_id=True))
    layer["parameters"] = parameters
    return layer


def change_layer(
    store: Any,
    *,
    theme: str | None = None,
    before: tuple[str, str] | None = None,
    after: tuple[str, str] | None = None,
    study_area: str | None = None,
    pack: AreaPack | None = None,
    fdr: float = DEFAULT_FDR,
    excluded_flags: Sequence[str] = (),
    disclosure: Disclosure | None = None,
) -> dict[str, Any]:
    """Change between two periods per cell (features) and per ward (``areas``).

    Cells with no incident in either period are left out of the features;
    ``disclosure`` (the caller's rule) withholds small counts.
    """
    pack = pack or default_pack()
    if before is None or after is None:
        before, after = default_periods(store.months())
    mb, ma = _months(*before), _months(*after)
    area, points, grid = _incidents(store, theme, study_area, pack, excluded_flags)
    if points.empty:
        raise EmptyInputError(f"no {theme or ''} incidents in {area.name}".strip())
    x, y, month = points["x"].to_numpy(), points["y"].to_numpy(), points["month"]
    nb = slice_counts(grid, x, y, month, mb).sum(axis=0)
    na = slice_counts(grid, x, y, month, ma).sum(axis=0)
    cells = cells_frame(grid, {})
    table = change_table(
        nb[grid.mask], na[grid.mask], before_length=len(mb), after_length=len(ma),
        fdr=fdr,
    )  # fmt: skip
    frame = gpd.GeoDataFrame(
        pd.concat([cells[["cell_id"]], table], axis=1), geometry=cells.geometry
    )
    frame = frame[(frame["n_before"] + frame["n_after"]) > 0]
    parameters = {
        "theme": theme or "all",
        "before_from": before[0], "before_to": before[1],
        "after_from": after[0], "after_to": after[1],
        "cell_size_m": CELL_SIZE_M,
        "test": "conditional binomial: after ~ Binomial(before + after, "
        "L_after / (L_before + L_after)), two-sided exact",
        "fdr": fdr,
        "multiple_testing": "Benjamini-Hochberg across cells with incidents",
        "study_area_code": area.code, "study_area_name": area.name,
        "data_version": store.data_version(),
        "excluded_flags": list(excluded_flags),
    }  # fmt: skip
    period = points[points["month"].isin([*mb, *ma])]
    frame, parameters["disclosure"] = disclose_change(
        frame, _points(period), disclosure
    )
    layer = _geojson(frame, parameters)
    layer["areas"] = _ward_change(points, mb, ma, pack, fdr)
    layer["summary"] = {
        "n_before": int(table["n_before"].sum()),
        "n_after": int(table["n_after"].sum()),
        "cells_up": int((table["direction"] == "up").sum()),
        "cells_down": int((table["direction"] == "down").sum()),
    }
    return layer


def _ward_code(points: pd.DataFrame) -> pd.Series:
    return points["ward_code"] if "ward_code" in points else pd.Series(dtype=str)


def _ward_change(
    points: pd.DataFrame, mb: list[str], ma: list[str], pack: AreaPack, fdr: float
) -> list[dict[str, Any]]:
    wards = pack.boundaries("ward")
    codes = wards["code"].tolist()
    ward = _ward_code(points)
    nb = [int(((ward == c) & points["month"].isin(mb)).sum()) for c in codes]
    na = [int(((ward == c) & points["month"].isin(ma)).sum()) for c in codes]
    table = change_table(
        np.array(nb), np.array(na), before_length=len(mb), after_length=len(ma),
        fdr=fdr, ids=codes,
    )  # fmt: skip
    table.insert(1, "name", wards["name"].tolist())
    table["ratio"] = table["ratio"].replace([np.inf], np.nan)
    return json.loads(table.to_json(orient="records"))


def emerging_layer(
    store: Any,
    *,
    theme: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    study_area: str | None = None,
    pack: AreaPack | None = None,
    scheme: str = "ehsa",
    time_lag: int = 1,
    alpha: float = 0.05,
    unit: str = "month",
    excluded_flags: Sequence[str] = (),
    disclosure: Disclosure | None = None,
) -> dict[str, Any]:
    """Emerging hot spot classes per cell, with per-slice z and the trend.

    ``scheme="ehsa"``: ArcGIS's classes; ``"sfhotspot"``: hotspot_classify's.
    ``unit``: month slices, or week/day slices of the incidents that carry a
    date (those known to the month only, police.uk's, are left out and
    counted in ``left_out_month_only``). Cells with no pattern are left out
    of the features.
    """
    months = store.months()
    if not months:
        raise EmptyInputError("no incidents are stored yet")
    lo, hi = month_from or months[0], month_to or months[-1]
    slices = _months(lo, hi)
    area = resolve_area(study_area, pack)
    points = theme_incidents(store, area, theme, excluded_flags, dates=True)
    points = points[points["month"].isin(slices)]
    grid = evaluation_grid(area, points, CELL_SIZE_M)
    left_out = 0
    labels = points["month"].to_numpy()
    if unit != "month":
        dated = (points["precision"] != "month").to_numpy()
        left_out = int((~dated).sum())
        points = points[dated]
        if points.empty:
            raise InvalidParameterError(
                f"no incident in {lo} to {hi} carries a date: slice by month"
            )
        labels = slice_labels(points["occurred_at"], points["precision"], unit)
        slices = all_slices(min(labels), max(labels), unit)
    cube = slice_counts(grid, points["x"], points["y"], labels, slices)
    base = {
        "theme": theme or "all", "period_from": lo, "period_to": hi,
        "slices": slices, "slice_unit": unit, "left_out_month_only": left_out,
        "scheme": scheme,
        "study_area_code": area.code, "study_area_name": area.name,
        "data_version": store.data_version(),
    }  # fmt: skip
    cells = cells_frame(grid, {})
    if scheme == "sfhotspot":
        label, z, params = sfhotspot_classify(cube, grid.mask, grid.cell_size_m)
        frame = cells.assign(pattern=label)
        trend = mann_kendall(np.nan_to_num(z).T)
    elif scheme == "ehsa":
        res = emerging_hotspots(
            cube, grid.mask, grid.cell_size_m, time_lag=time_lag, alpha=alpha
        )
        z, params, trend = res.z, res.parameters, res
        frame = cells.assign(pattern=res.labels, hot_slices=res.hot.sum(axis=0),
                             cold_slices=res.cold.sum(axis=0))  # fmt: skip
    else:
        raise InvalidParameterError(f"scheme must be ehsa or sfhotspot: {scheme!r}")
    tz = trend.z if scheme == "sfhotspot" else trend.trend_z
    tp = trend.p if scheme == "sfhotspot" else trend.trend_p
    tau = trend.tau if scheme == "sfhotspot" else trend.trend_tau
    ss = trend.s if scheme == "sfhotspot" else trend.trend_s
    frame = frame.assign(
        n=cube[:, grid.mask].sum(axis=0), trend_s=ss, trend_z=tz, trend_p=tp,
        trend_tau=tau,
        z_by_slice=[list(np.round(np.nan_to_num(v), 4)) for v in z.T],
        meaning=[_meaning(p) for p in frame["pattern"]],
    )  # fmt: skip
    frame = frame[frame["pattern"] != "no pattern"]
    frame, params["disclosure"] = disclose_features(
        frame, _points(points), disclosure, method="emerging"
    )
    layer = _geojson(frame, base | params)
    layer["summary"] = {k: int(v) for k, v in frame["pattern"].value_counts().items()}
    return layer


def _meaning(pattern: str) -> str:
    for key, text in CLASS_TEXT.items():
        if pattern.startswith(key):
            return text.replace("hot", "cold") if "cold" in pattern else text
    return pattern


def ward_trends(
    store: Any,
    *,
    theme: str | None = None,
    pack: AreaPack | None = None,
    excluded_flags: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Monthly counts per ward with the Mann-Kendall trend (for sparklines)."""
    pack = pack or default_pack()
    months = store.months()
    area = resolve_area(None, pack)
    points = theme_incidents(store, area, theme, excluded_flags)
    ward = _ward_code(points)
    wards = pack.boundaries("ward")
    counts = np.array(
        [[int(((ward == c) & (points["month"] == m)).sum()) for m in months]
         for c in wards["code"]]
    )  # fmt: skip
    out = []
    if len(months) >= 3:
        mk = mann_kendall(counts.astype(float))
    for i, (code, name) in enumerate(zip(wards["code"], wards["name"], strict=True)):
        row: dict[str, Any] = {"code": code, "name": name, "months": months,
                               "counts": counts[i].tolist()}  # fmt: skip
        if len(months) >= 3:
            row |= {"trend_z": float(mk.z[i]), "trend_p": float(mk.p[i]),
                    "trend_tau": float(mk.tau[i])}  # fmt: skip
        out.append(row)
    return out
