"""Mann-Kendall trend test, vectorised over many series (one per cell).

``S = sum_{i<j} sign(x_j - x_i)``; with ties in ``x`` (groups of size ``t``)
``Var S = (n(n-1)(2n+5) - sum t(t-1)(2t+5)) / 18``;
``z = (S - sign(S)) / sqrt(Var S)`` with the continuity correction (as R's
``Kendall::MannKendall`` and ArcGIS), or ``S / sqrt(Var S)`` without it
(``continuity=False``, equal to ``scipy.stats.kendalltau(time, x)``'s
asymptotic test). ``tau = S / sqrt(n0 (n0 - n1))`` is Kendall's tau-b against
time (``n0 = n(n-1)/2``, ``n1`` tied pairs in x). Two-sided normal p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from hotspots.errors import InvalidParameterError

__all__ = ["MannKendall", "mann_kendall"]

CHUNK_CELLS = 131_072


@dataclass(frozen=True)
class MannKendall:
    """Per-series results, each of shape ``(cells,)``."""

    s: NDArray[np.float64]
    var_s: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    tau: NDArray[np.float64]


def _tie_terms(x: NDArray) -> tuple[NDArray, NDArray]:
    """Per row: sum t(t-1)(2t+5) and tied pairs sum t(t-1)/2 over tie groups."""
    srt = np.sort(x, axis=1)
    cells, n = srt.shape
    run = np.ones(cells)
    var_term = np.zeros(cells)
    pairs = np.zeros(cells)
    for j in range(1, n + 1):
        same = srt[:, j] == srt[:, j - 1] if j < n else np.zeros(cells, dtype=bool)
        ends = ~same
        t = np.where(ends, run, 0.0)
        var_term += t * (t - 1) * (2 * t + 5)
        pairs += t * (t - 1) / 2
        run = np.where(same, run + 1, 1.0)
    return var_term, pairs


def mann_kendall(series: NDArray, *, continuity: bool = True) -> MannKendall:
    """Mann-Kendall trend statistics of each row of ``series`` (cells x times).

    Parameters
    ----------
    series : array, shape (cells, n) or (n,)
        Values in time order (e.g. Gi* z per slice); NaN not allowed.
    continuity : bool
        Subtract ``sign(S)`` from S in z (default True).

    Returns
    -------
    MannKendall
        ``s``, ``var_s``, ``z``, ``p`` (two-sided), ``tau`` (tau-b); a series
        with no variation gets z = 0 and p = 1.
    """
    x = np.atleast_2d(np.asarray(series, dtype="float64"))
    cells, n = x.shape
    if n < 3:
        raise InvalidParameterError(f"a trend needs at least 3 time steps, got {n}")
    if np.isnan(x).any():
        raise InvalidParameterError("series contain NaN; fill them first")
    s = np.zeros(cells)
    var_term = np.zeros(cells)
    pairs = np.zeros(cells)
    for lo in range(0, cells, CHUNK_CELLS):
        block = x[lo : lo + CHUNK_CELLS]
        acc = np.zeros(block.shape[0])
        for i in range(n - 1):
            acc += np.sign(block[:, i + 1 :] - block[:, i : i + 1]).sum(axis=1)
        s[lo : lo + CHUNK_CELLS] = acc
        vt, pr = _tie_terms(block)
        var_term[lo : lo + CHUNK_CELLS] = vt
        pairs[lo : lo + CHUNK_CELLS] = pr
    var_s = (n * (n - 1) * (2 * n + 5) - var_term) / 18.0
    num = s - np.sign(s) if continuity else s
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, num / np.sqrt(var_s), 0.0)
        n0 = n * (n - 1) / 2
        tau = np.where(n0 - pairs > 0, s / np.sqrt(n0 * (n0 - pairs)), 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return MannKendall(s, var_s, z, p, tau)
