"""Change between two periods per cell or area, and whether it is beyond chance.

As sfhotspot's ``hotspot_change``: counts before and after, ``change = after -
before``. Significance is the conditional test for two Poisson counts: given
``m = before + after``, under "no change in rate" ``after ~ Binomial(m, p0)``
with ``p0 = L_after / (L_before + L_after)`` (the periods' lengths), two-sided
exact binomial p-value (as ``scipy.stats.binomtest``); Benjamini-Hochberg
across the cells that had any incident gives ``q`` and ``significant``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from hotspots.errors import InvalidParameterError

__all__ = ["DEFAULT_FDR", "benjamini_hochberg", "change_table", "conditional_p"]

DEFAULT_FDR = 0.05


def conditional_p(
    before: NDArray, after: NDArray, p0: float = 0.5
) -> NDArray[np.float64]:
    """Two-sided exact p-value of ``after`` given ``before + after`` (NaN if 0).

    Matches ``scipy.stats.binomtest(after, before + after, p0).pvalue``: the
    sum of the probabilities of outcomes no more likely than the observed one
    (with scipy's relative tolerance ``1 + 1e-7``).
    """
    if not 0 < p0 < 1:
        raise InvalidParameterError(f"p0 must be in (0, 1), got {p0!r}")
    b = np.asarray(before, dtype=np.int64)
    a = np.asarray(after, dtype=np.int64)
    m = a + b
    out = np.full(a.shape, np.nan)
    for total in np.unique(m[m > 0]):
        k = np.arange(total + 1)
        pmf = stats.binom.pmf(k, total, p0)
        cells = m == total
        obs = stats.binom.pmf(a[cells], total, p0)
        # p = sum of pmf <= obs * (1 + 1e-7), via sorted cumulative sums.
        order = np.sort(pmf)
        csum = np.cumsum(order)
        idx = np.searchsorted(order, obs * (1 + 1e-7), side="right")
        out[cells] = np.minimum(1.0, np.where(idx > 0, csum[idx - 1], 0.0))
    return out


def benjamini_hochberg(p: NDArray) -> NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values (q); NaN stays NaN, not counted."""
    p = np.asarray(p, dtype="float64")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    vals = p[ok]
    order = np.argsort(vals)
    ranked = vals[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    q[ok] = adj
    return q


def change_table(
    before: NDArray,
    after: NDArray,
    *,
    before_length: float = 1.0,
    after_length: float = 1.0,
    fdr: float = DEFAULT_FDR,
    ids: NDArray | list[str] | None = None,
) -> pd.DataFrame:
    """Per cell (or area): counts, change, p, q and a plain-word direction.

    Parameters
    ----------
    before, after : arrays of int
        Incident counts in the two periods.
    before_length, after_length : float
        Lengths of the periods (e.g. months), giving ``p0``.
    fdr : float
        False discovery rate for ``significant`` (default 0.05).
    ids : optional labels (cell or area ids)

    Returns
    -------
    DataFrame
        ``n_before, n_after, change, ratio`` (after per unit length over before
        per unit length; inf from 0), ``p``, ``q``, ``significant``,
        ``direction`` ("up", "down", "no significant change", "none" with no
        incidents).
    """
    if not 0 < fdr < 1:
        raise InvalidParameterError(f"fdr must be in (0, 1), got {fdr!r}")
    b = np.asarray(before, dtype=np.int64)
    a = np.asarray(after, dtype=np.int64)
    p0 = after_length / (before_length + after_length)
    p = conditional_p(b, a, p0)
    q = benjamini_hochberg(p)
    sig = np.nan_to_num(q, nan=1.0) <= fdr
    rate_b, rate_a = b / before_length, a / after_length
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rate_b > 0, rate_a / rate_b, np.where(a > 0, np.inf, np.nan))
    up = a / after_length > b / before_length
    direction = np.where(
        a + b == 0,
        "none",
        np.where(sig, np.where(up, "up", "down"), "no significant change"),
    )
    frame = pd.DataFrame(
        {
            "n_before": b,
            "n_after": a,
            "change": a - b,
            "ratio": ratio,
            "p": p,
            "q": q,
            "significant": sig,
            "direction": direction,
        }
    )
    if ids is not None:
        frame.insert(0, "id", list(ids))
    return frame
