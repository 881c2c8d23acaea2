"""Hotspot cells and hotspot polygons from a cell surface.

Hotspot cells are the top ``top_percent`` % of the study-area cells by a value
(KDE density, weight sum or count), or the cells at or above a threshold. They
are dissolved into polygons (cells sharing an edge merge) and ranked by the
incidents inside.

Default ``top_percent = 5``: the "law of crime concentration" (Weisburd 2015)
finds about half of crime at about 5 % of micro places, so the top 5 % of cells
is the usual first cut; it also keeps the hotspot area small enough to patrol.
Ties at the threshold are included; cells with value 0 are never hotspots.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

import geopandas as gpd
import shapely

from hotspots.analysis.result import HotspotResult
from hotspots.crs import BNG
from hotspots.errors import InvalidParameterError

__all__ = ["DEFAULT_TOP_PERCENT", "hotspot_polygons", "top_cells"]

DEFAULT_TOP_PERCENT = 5.0
#: Coordinates are snapped to this precision (metres) when cells are dissolved.
DISSOLVE_GRID_M = 1e-3


def top_cells(values: NDArray, top_percent: float) -> NDArray[np.bool_]:
    """Boolean mask of the top ``top_percent`` % of ``values`` (ties in, zeros out).

    Parameters
    ----------
    values : 1-D array
        One value per cell (NaN never selected).
    top_percent : float
        Percentage of cells, 0 < top_percent <= 100.

    Returns
    -------
    ndarray of bool
        ``k = ceil(top_percent / 100 * cells)``; a cell is selected when its value
        is at least the k-th largest and greater than 0.
    """
    pct = float(top_percent)
    if not math.isfinite(pct) or not 0 < pct <= 100:
        raise InvalidParameterError(
            f"top_percent must be in (0, 100], got {top_percent!r}"
        )
    v = np.asarray(values, dtype="float64")
    finite = np.where(np.isfinite(v), v, -np.inf)
    k = math.ceil(pct / 100 * v.size)
    if v.size == 0 or k == 0:
        return np.zeros(v.shape, dtype=bool)
    kth = np.partition(finite, v.size - k)[v.size - k]
    return (finite >= kth) & (finite > 0)


def _default_value_column(features: gpd.GeoDataFrame) -> str:
    for col in ("density_km2", "w", "n"):
        if col in features.columns:
            return col
    raise InvalidParameterError("features have none of density_km2, w, n")


def _select(
    values: NDArray, top_percent: float | None, threshold: float | None
) -> NDArray[np.bool_]:
    if threshold is not None:
        return np.asarray(values, dtype="float64") >= float(threshold)
    return top_cells(
        values, DEFAULT_TOP_PERCENT if top_percent is None else top_percent
    )


def _dissolve(cells: gpd.GeoDataFrame, value_column: str) -> gpd.GeoDataFrame:
    """Merge edge-sharing cells into polygons and aggregate their columns."""
    merged = shapely.union_all(cells.geometry.values, grid_size=DISSOLVE_GRID_M)
    parts = shapely.get_parts(merged)
    parts = parts[shapely.get_type_id(parts) == 3]
    tree = shapely.STRtree(parts)
    cell_idx, part_idx = tree.query(
        shapely.point_on_surface(cells.geometry.values), predicate="within"
    )
    owner = np.full(len(cells), -1, dtype=np.int64)
    owner[cell_idx] = part_idx
    frame = pd.DataFrame({"part": owner, "n": cells["n"].to_numpy(), "cells": 1})
    frame["peak"] = cells[value_column].to_numpy(dtype="float64")
    aggs: dict[str, Any] = {"n": "sum", "cells": "sum", "peak": "max"}
    if "w" in cells.columns:
        frame["w"] = cells["w"].to_numpy()
        aggs["w"] = "sum"
    agg = frame[frame["part"] >= 0].groupby("part").agg(aggs)
    geoms = parts[agg.index.to_numpy()]
    out = agg.reset_index(drop=True)
    out["area_km2"] = shapely.area(geoms) / 1e6
    out = gpd.GeoDataFrame(out, geometry=geoms, crs=BNG)
    return out.sort_values(["n", "peak"], ascending=False, kind="stable")


def hotspot_polygons(
    result: HotspotResult,
    *,
    top_percent: float | None = None,
    threshold: float | None = None,
    value_column: str | None = None,
) -> HotspotResult:
    """Dissolve a result's hotspot cells into ranked hotspot polygons.

    Parameters
    ----------
    result : HotspotResult
        A cell result (``grid``, ``kde``, ``gistar``) with ``n`` per cell.
    top_percent : float, optional
        Hotspot cells = top ``top_percent`` % by ``value_column`` (default 5,
        or the ``top_percent`` the result was made with).
    threshold : float, optional
        Instead of a percentage: cells with ``value_column >= threshold`` (e.g.
        ``value_column="gistar_bin", threshold=2`` for Gi* hot spots at 95 %).
    value_column : str, optional
        Default ``density_km2`` if present, else ``w``, else ``n``.

    Returns
    -------
    HotspotResult
        ``method`` = ``"<method>_polygons"``. ``features``: ``hotspot_rank`` (1 =
        most incidents, ties by peak), ``n``, [``w``], ``cells``, ``area_km2``,
        ``peak_<value_column>``, ``geometry``. ``summary`` adds ``hotspots``,
        ``hotspot_area_km2`` and recomputes ``hotspot_share``.
    """
    feats = result.features
    col = value_column or _default_value_column(feats)
    if col not in feats.columns:
        raise InvalidParameterError(
            f"value_column {col!r} not in {list(feats.columns)}"
        )
    if top_percent is None and threshold is None:
        top_percent = result.parameters.get("top_percent", DEFAULT_TOP_PERCENT)
    sel = _select(feats[col].to_numpy(dtype="float64"), top_percent, threshold)
    cells = feats.loc[sel]
    if len(cells):
        polys = _dissolve(cells, col)
    else:
        polys = gpd.GeoDataFrame(
            {"n": [], "cells": [], "peak": [], "area_km2": []}, geometry=[], crs=BNG
        )
    polys.insert(0, "hotspot_rank", np.arange(1, len(polys) + 1))
    polys = polys.rename(columns={"peak": f"peak_{col}"}).reset_index(drop=True)
    order = ["hotspot_rank", "n", "w", "cells", "area_km2", f"peak_{col}", "geometry"]
    polys = polys[[c for c in order if c in polys.columns]]
    covered = float(result.summary.get("incidents_covered", feats["n"].sum()))
    summary = dict(result.summary) | {
        "hotspots": float(len(polys)),
        "hotspot_cells": float(sel.sum()),
        "hotspot_area_km2": float(polys["area_km2"].sum()),
        "hotspot_share": float(polys["n"].sum() / covered) if covered else 0.0,
    }
    params = dict(result.parameters) | {
        "hotspot_value": col,
        "top_percent": None if threshold is not None else float(top_percent),
        "hotspot_threshold": None if threshold is None else float(threshold),
    }
    return HotspotResult(
        f"{result.method}_polygons", polys, params, result.auto, summary
    )
