"""The trust figure of a layer: how its recipe did on the months after it.

The same method with the same parameters and the same number of months is
built at each of the last :data:`MAX_ORIGINS` origins the data allows
(training: up to ``window`` months before the origin, at least
:data:`MIN_TRAIN_MONTHS` or the window; test: the month after) and scored at
the coverage the layer shows: the share of cells it marks as hotspots (Gi*
bins >= 2, the top ``top_percent`` % for grid and KDE). Cluster layers
(DBSCAN, HDBSCAN) are scored by the share of next month's incidents inside
their polygons, at their own area share (``coverage`` is then the mean share
of the maps tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from hotspots.analysis.grid import ON_EDGE
from hotspots.analysis.result import HotspotResult
from hotspots.errors import HotspotError
from hotspots.evaluation.backtest import origins
from hotspots.evaluation.metrics import score_map

__all__ = [
    "MAX_ORIGINS",
    "MIN_TRAIN_MONTHS",
    "SCORE_COLUMNS",
    "layer_coverage",
    "layer_trust",
    "trust_text",
]

#: A map of more months than this is first tested once this many months exist
#: (trained on every month before the origin, as the rolling backtest does).
MIN_TRAIN_MONTHS = 3

#: Origins tested at most: the last year's months. Every origin is one more
#: run of the layer's method, so on five years of data a layer ran it ~58
#: times (7-14 s for a city layer); how a recipe did over the last year is
#: also the figure a user acts on.
MAX_ORIGINS = 12

#: The column that ranks a cell layer's cells, by method.
SCORE_COLUMNS = {"grid": ("w", "n"), "kde": ("density_km2",), "gistar": ("gistar_z",)}


def layer_coverage(result: HotspotResult, area_m2: float) -> float | None:
    """Share of the study area (``area_m2``) the layer shows as hotspots."""
    s = result.summary
    if result.method in SCORE_COLUMNS:
        cells, hot = s.get("cells", 0.0), s.get("hotspot_cells", 0.0)
        return float(hot / cells) if cells and hot else None
    shown = float(result.features.geometry.area.sum())
    return shown / area_m2 if area_m2 and shown else None


def _score(result: HotspotResult) -> np.ndarray:
    """The column ranking a cell layer's cells, in the rows' order."""
    cells = result.cells
    columns = cells.columns if cells is not None else result.features
    name = next(c for c in SCORE_COLUMNS[result.method] if c in columns)
    return np.asarray(columns[name], dtype="float64")


def _counts_in(result: HotspotResult, points: gpd.GeoDataFrame) -> np.ndarray:
    """Incidents per feature (a point on a shared edge counts once).

    A grid method's cells place their points from the grid (no polygons); the
    few a grid alone does not place (on an edge or corner, or in a hexagon)
    go to the first feature the spatial index of the polygons gives, as every
    point did before.
    """
    cells = result.cells
    size = len(cells) if cells is not None else len(result.features)
    if points.empty:
        return np.zeros(size)
    geoms = points.geometry.to_numpy()
    if cells is None:
        return _counts_by_polygons(result.features, geoms)
    held = cells.holding(shapely.get_x(geoms), shapely.get_y(geoms))
    counts = np.bincount(held[held >= 0], minlength=size).astype("float64")
    on_edge = held == ON_EDGE
    if on_edge.any():
        counts += _counts_by_polygons(result.features, geoms[on_edge])
    return counts


def _counts_by_polygons(features: gpd.GeoDataFrame, points: np.ndarray) -> np.ndarray:
    """Points per feature polygon; one on a shared edge counts in the first
    feature the spatial index gives."""
    pts, feats = features.sindex.query(points, predicate="intersects")
    _, first = np.unique(pts, return_index=True)
    return np.bincount(feats[first], minlength=len(features)).astype("float64")


def _fold(
    result: HotspotResult,
    train: gpd.GeoDataFrame,
    test: gpd.GeoDataFrame,
    coverage: float,
    area_m2: float,
) -> dict[str, float]:
    if result.method in SCORE_COLUMNS:
        out = score_map(
            _score(result),
            _counts_in(result, test),
            [coverage],
            train=_counts_in(result, train),
        )
        return out[float(coverage)] | {"coverage": float(coverage)}
    feats = result.features
    inside = (
        shapely.intersects(shapely.union_all(feats.geometry.to_numpy()),
                           test.geometry.to_numpy()).sum()
        if len(feats) and len(test) else 0
    )  # fmt: skip
    hr = inside / len(test) if len(test) else math.nan
    share = float(feats.geometry.area.sum()) / area_m2 if area_m2 else math.nan
    pai = hr / share if share else math.nan
    return {
        "hit_rate": hr, "pai": pai, "pei": math.nan, "rri": math.nan,
        "coverage": share,
    }  # fmt: skip


def layer_trust(
    method: Callable[..., HotspotResult],
    method_name: str,
    parameters: Mapping[str, Any],
    points: gpd.GeoDataFrame,
    months: list[str],
    period: tuple[str, str],
    area: shapely.Geometry,
    coverage: float | None,
) -> dict[str, Any]:
    """Backtested hit rate and PAI of a layer's recipe at its coverage.

    Parameters
    ----------
    method, method_name, parameters : the layer's method and its parameters
    points : every incident of the layer's theme and study area, with ``month``
    months : every month of the store, in order
    period : first and last month the layer shows
    area : the analysis area (EPSG:27700)
    coverage : share of cells (or area) the layer shows as hotspots

    Returns
    -------
    dict
        ``coverage``, ``hit_rate``, ``pai``, ``pei``, ``rri`` (means over the
        origins), ``origins`` (test months: the last :data:`MAX_ORIGINS` the
        data allows), ``window_months``, ``min_train_months``, ``max_origins``,
        ``test_months`` (1), ``text``; or ``note`` when it cannot be measured.
    """
    lo, hi = period
    window = len(pd.period_range(lo, hi, freq="M")) if lo and hi else 0
    if coverage is None or not window:
        return {"note": "no hotspot area to score"}
    folds: list[dict[str, float]] = []
    tested: list[str] = []
    month = pd.Categorical(points["month"], categories=months).codes
    for i in origins(months, min(window, MIN_TRAIN_MONTHS), last=MAX_ORIGINS):
        train = points[(month >= max(0, i - window)) & (month < i)]
        test = points[month == i]
        if train.empty or test.empty:
            continue
        try:
            result = method(train, area=area, **dict(parameters))
        except HotspotError:
            continue
        folds.append(_fold(result, train, test, coverage, float(area.area)))
        tested.append(months[i])
    if not folds:
        return {
            "note": "not enough months to backtest: needs "
            f"{min(window, MIN_TRAIN_MONTHS) + 1} months of data",
            "window_months": window,
        }
    mean = {k: float(np.nanmean([f[k] for f in folds])) if any(
        not math.isnan(f[k]) for f in folds) else None
        for k in ("coverage", "hit_rate", "pai", "pei", "rri")}  # fmt: skip
    out: dict[str, Any] = {
        **mean,
        "origins": tested,
        "window_months": window,
        "min_train_months": min(window, MIN_TRAIN_MONTHS),
        "max_origins": MAX_ORIGINS,
        "test_months": 1,
        "method": method_name,
    }
    out["text"] = trust_text(out)
    return out


def trust_text(trust: Mapping[str, Any], theme: str = "") -> str:
    """One sentence: "This map's top 5 % of cells held 55 % of the following
    month's incidents, over the last 4 months (PAI 11.0)"."""
    if "note" in trust:
        return str(trust["note"])
    what = f"{theme} incidents" if theme and theme != "all" else "incidents"
    n = len(trust["origins"])
    pai = trust.get("pai")
    tail = f" (PAI {pai:.1f})" if pai is not None else ""
    return (
        f"This map's top {100 * trust['coverage']:.1f} % of the area held "
        f"{100 * (trust['hit_rate'] or 0):.0f} % of the following month's {what}, "
        f"over the last {n} month{'s' if n != 1 else ''} tested{tail}"
    )
