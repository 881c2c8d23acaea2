"""Hit rate, PAI, PEI and RRI of a ranked map at a coverage.

A map is a score per cell of one evaluation grid; its hotspot area at coverage
``c`` is the top ``k = floor(c * N)`` of the ``N`` cells by score (at least 1),
ties broken deterministically by cell order (as open_cp's ``top_slice``). With
``n`` the test incidents inside and ``T`` all test incidents:

- hit rate ``n / T``; PAI ``(n / T) / (k / N)`` (Chainey, Tompson & Uhlig 2008);
- PEI ``PAI / PAI*`` where PAI* is the PAI of the best possible map of the same
  area, the top ``k`` cells by test count (Hunt 2016): equal to ``n / n*``;
- RRI ``(n2 / n1) / (N2 / N1)`` (Levine 2008): test over training incidents in
  the hotspot cells, relative to test over training totals.

Coverage is a share of cells, so the area share is exact for a grid of equal
cells; PAI depends on the cell size, so compare methods on one grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from hotspots.errors import InvalidParameterError

__all__ = [
    "COVERAGES",
    "Scores",
    "best_hits",
    "hit_rate",
    "pai",
    "rank_cells",
    "score_map",
    "top_k",
]

#: Coverage levels reported by default (share of the study area's cells).
COVERAGES = (0.01, 0.02, 0.05, 0.10, 0.20)

Scores = dict[str, float]


def top_k(n_cells: int, coverage: float) -> int:
    """Cells in the hotspot area: ``floor(coverage * n_cells)``, at least 1."""
    if not 0 < coverage <= 1:
        raise InvalidParameterError(f"coverage must be in (0, 1], got {coverage!r}")
    return max(1, math.floor(coverage * n_cells + 1e-9))


def rank_cells(score: NDArray) -> NDArray[np.int64]:
    """Cell indices from the highest score down; ties (and NaN, last) by index."""
    s = np.asarray(score, dtype="float64")
    s = np.where(np.isnan(s), -np.inf, s)
    return np.argsort(-s, kind="stable")


def hit_rate(score: NDArray, actual: NDArray, coverage: float) -> float:
    """Share of ``actual`` incidents in the top ``coverage`` of cells by ``score``."""
    actual = np.asarray(actual, dtype="float64")
    total = actual.sum()
    if total <= 0:
        return math.nan
    top = rank_cells(score)[: top_k(actual.size, coverage)]
    return float(actual[top].sum() / total)


def pai(score: NDArray, actual: NDArray, coverage: float) -> float:
    """Predictive accuracy index: hit rate over the area share ``k / N``."""
    k = top_k(np.asarray(actual).size, coverage)
    return hit_rate(score, actual, coverage) / (k / np.asarray(actual).size)


def best_hits(actual: NDArray, coverage: float) -> float:
    """Incidents in the best possible map's hotspot cells (top ``k`` by count)."""
    actual = np.asarray(actual, dtype="float64")
    k = top_k(actual.size, coverage)
    return float(np.sort(actual)[::-1][:k].sum())


def score_map(
    score: NDArray,
    actual: NDArray,
    coverages: Sequence[float] = COVERAGES,
    *,
    train: NDArray | None = None,
) -> dict[float, Scores]:
    """Hit rate, PAI, PEI (and RRI with ``train`` counts) at each coverage.

    Parameters
    ----------
    score : array, shape (N,)
        The map's score per cell (higher = hotter).
    actual : array, shape (N,)
        Test-period incidents per cell.
    coverages : sequence of float
        Shares of the N cells, each in (0, 1].
    train : array, shape (N,), optional
        Training-period incidents per cell, for RRI.

    Returns
    -------
    dict
        ``{coverage: {"hit_rate", "pai", "pei", "rri", "cells", "hits",
        "best_hits", "incidents"}}``; NaN where undefined (no test incidents,
        or no training incidents in the hotspot cells for RRI).
    """
    actual = np.asarray(actual, dtype="float64")
    order = rank_cells(score)
    total, n = float(actual.sum()), actual.size
    sorted_actual = np.sort(actual)[::-1]
    out: dict[float, Scores] = {}
    for cov in coverages:
        k = top_k(n, cov)
        hits = float(actual[order[:k]].sum())
        best = float(sorted_actual[:k].sum())
        hr = hits / total if total else math.nan
        row = {
            "hit_rate": hr,
            "pai": hr / (k / n) if total else math.nan,
            "pei": hits / best if best else math.nan,
            "rri": math.nan,
            "cells": float(k),
            "hits": hits,
            "best_hits": best,
            "incidents": total,
        }
        if train is not None:
            tr = np.asarray(train, dtype="float64")
            n1, big_n1 = float(tr[order[:k]].sum()), float(tr.sum())
            if n1 > 0 and total > 0:
                row["rri"] = (hits / n1) / (total / big_n1)
        out[float(cov)] = row
    return out
