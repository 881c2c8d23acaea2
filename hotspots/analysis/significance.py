"""p-values, false discovery rate and ArcGIS-style confidence bins for z-scores.

Bins follow ArcGIS Hot Spot Analysis: +3/-3 hot/cold at 99 % confidence
(p < 0.01), +/-2 at 95 % (p < 0.05), +/-1 at 90 % (p < 0.10), 0 not significant.
With ``fdr=True`` each level's cut-off is replaced by its Benjamini-Hochberg
threshold (the largest sorted p with ``p_(k) <= k * alpha / m``), as ArcGIS does
with its FDR correction; this changes the bins only, never the stored z or p.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = [
    "CONFIDENCE_LEVELS",
    "bh_threshold",
    "confidence_bins",
    "two_sided_p",
]

#: (alpha, bin) from the strictest level down.
CONFIDENCE_LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))


def two_sided_p(z: NDArray) -> NDArray[np.float64]:
    """Two-sided normal p-values ``2 * (1 - Phi(|z|))`` (NaN stays NaN).

    ``ndtr(-|z|)`` is what ``scipy.stats.norm.sf`` computes, without importing
    ``scipy.stats`` (~0.5 s).
    """
    return 2.0 * special.ndtr(-np.abs(np.asarray(z, dtype="float64")))


def bh_threshold(p: NDArray, alpha: float) -> float:
    """Benjamini-Hochberg p-value cut-off at false discovery rate ``alpha``.

    Parameters
    ----------
    p : array of float
        p-values of the m tests (NaN ignored, not counted in m).
    alpha : float
        False discovery rate, e.g. 0.05.

    Returns
    -------
    float
        The largest ``p_(k)`` with ``p_(k) <= k * alpha / m``; tests with
        ``p <= threshold`` are significant. -1.0 when none is.
    """
    q = np.sort(np.asarray(p, dtype="float64")[~np.isnan(p)])
    if q.size == 0:
        return -1.0
    ok = np.nonzero(q <= np.arange(1, q.size + 1) * alpha / q.size)[0]
    return float(q[ok[-1]]) if ok.size else -1.0


def confidence_bins(z: NDArray, p: NDArray, *, fdr: bool = False) -> NDArray[np.int8]:
    """ArcGIS-style bins -3..3 from z-scores and their two-sided p-values.

    Parameters
    ----------
    z, p : arrays of float
        z-scores (sign gives hot/cold) and two-sided p-values; NaN gives bin 0.
    fdr : bool
        Use Benjamini-Hochberg cut-offs per level instead of the raw alphas.

    Returns
    -------
    ndarray of int8
        ``sign(z) * level`` with level 3, 2, 1 for 99, 95, 90 % confidence.
    """
    z = np.asarray(z, dtype="float64")
    p = np.asarray(p, dtype="float64")
    level = np.zeros(p.shape, dtype=np.int8)
    for alpha, value in reversed(CONFIDENCE_LEVELS):
        passed = p <= bh_threshold(p, alpha) if fdr else p < alpha
        level[passed & ~np.isnan(z)] = value
    return (np.sign(np.nan_to_num(z)) * level).astype(np.int8)
