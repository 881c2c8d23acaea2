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
    return _bh_thresholds(np.asarray(p, dtype="float64"), (alpha,))[0]


def _bh_thresholds(p: NDArray[np.float64], alphas: tuple[float, ...]) -> list[float]:
    """:func:`bh_threshold` at each of ``alphas``, from one sort.

    Only p-values <= the largest alpha can meet ``p_(k) <= k * alpha / m``, and
    they are the smallest, so their ranks among all are their ranks among
    themselves: sorting those alone (a few % of cells, not all 1M) gives the
    same cut-offs.
    """
    m = int(np.count_nonzero(~np.isnan(p)))
    q = np.sort(p[p <= max(alphas)])
    out = []
    for alpha in alphas:
        head = q[: np.searchsorted(q, alpha, side="right")]
        ok = np.nonzero(head <= np.arange(1, head.size + 1) * alpha / m)[0]
        out.append(float(head[ok[-1]]) if ok.size else -1.0)
    return out


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
    levels = tuple(reversed(CONFIDENCE_LEVELS))
    cuts = _bh_thresholds(p, tuple(a for a, _ in levels)) if fdr else None
    level = np.zeros(p.shape, dtype=np.int8)
    defined = ~np.isnan(z)
    for i, (alpha, value) in enumerate(levels):
        passed = p <= cuts[i] if cuts is not None else p < alpha
        level[passed & defined] = value
    # sign(z) * level; NaN z has level 0 (without nan_to_num's passes over z)
    return np.where(z > 0, level, np.where(z < 0, -level, 0)).astype(np.int8)
