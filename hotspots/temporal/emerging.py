"""Emerging hot spots as ArcGIS's Emerging Hot Spot Analysis defines them.

1. Gi* per space-time bin: neighbours are the cells within ``distance_m``
   (default the queen ring) in the same slice and the ``time_lag`` slices
   before it, the bin itself included; mean and SD over all bins of the
   cube; two-sided normal p; Benjamini-Hochberg across all bins at ``alpha``
   marks a bin hot (z > 0) or cold (z < 0).
2. Mann-Kendall trend of each cell's z series (:mod:`.mann_kendall`),
   significant at ``trend_alpha``.
3. Classes (the 90 % rule: "hot in at least 90 % of slices"); cold mirror:

   - new: hot in the final slice only;
   - consecutive: one run of >= 2 hot slices ending in the final one, never
     hot before it, < 90 % hot;
   - intensifying / persistent / diminishing: >= 90 % hot including the final
     slice, with a significant upward / no / downward trend;
   - sporadic: hot in the final slice, on and off before, < 90 % hot, never
     cold; oscillating: the same but cold in some earlier slice;
   - historical: not hot in the final slice, >= 90 % hot.

A cell hot in the final slice takes a hot class, one cold in it a cold class;
otherwise historical hot/cold, else "no pattern".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, special

from hotspots.analysis.gistar import neighbour_offsets
from hotspots.errors import InvalidParameterError
from hotspots.temporal.mann_kendall import mann_kendall

__all__ = [
    "CLASSES",
    "CLASS_TEXT",
    "EmergingResult",
    "classify_emerging",
    "emerging_hotspots",
    "spacetime_gistar",
]

PATTERNS = (
    "new", "consecutive", "intensifying", "persistent",
    "diminishing", "sporadic", "oscillating", "historical",
)  # fmt: skip
#: Class names by code: 0 no pattern, 1..8 hot, 9..16 cold (same order).
CLASSES = (
    "no pattern",
    *(f"{p} hot spot" for p in PATTERNS),
    *(f"{p} cold spot" for p in PATTERNS),
)
#: What each hot class means, in plain words (cold: read "cold" for "hot").
CLASS_TEXT = {
    "new": "hot in the latest period for the first time",
    "consecutive": "hot in an unbroken run of recent periods, never before",
    "intensifying": "hot almost always (90 %+), and getting hotter",
    "persistent": "hot almost always (90 %+), no clear trend",
    "diminishing": "hot almost always (90 %+), but cooling",
    "sporadic": "hot now, on and off before",
    "oscillating": "hot now, but cold at some time before",
    "historical": "hot almost always in the past, not now",
}
NINETY = 0.9


@dataclass(frozen=True)
class EmergingResult:
    """Per-cell results over the cells of a mask (row-major order).

    ``z`` and ``p`` are ``(slices, cells)``; ``hot``/``cold`` the significant
    bins; ``trend_z``, ``trend_p``, ``trend_tau``, ``trend_s`` the Mann-Kendall
    statistics of each cell's z series; ``code`` indexes :data:`CLASSES`.
    """

    z: NDArray[np.float64]
    p: NDArray[np.float64]
    hot: NDArray[np.bool_]
    cold: NDArray[np.bool_]
    trend_z: NDArray[np.float64]
    trend_p: NDArray[np.float64]
    trend_tau: NDArray[np.float64]
    trend_s: NDArray[np.float64]
    code: NDArray[np.int8]
    parameters: dict[str, object]

    @property
    def labels(self) -> NDArray[np.str_]:
        """Class name of each cell."""
        return np.asarray(CLASSES)[self.code]


def _window(values: NDArray, offsets: tuple[NDArray, NDArray]) -> NDArray:
    """Spatial window sums per slice (zeros beyond the edge)."""
    dy, dx = offsets
    k = int(max(np.abs(dy).max(), np.abs(dx).max()))
    if dy.size == (2 * k + 1) ** 2:  # square window: two 1-D passes
        ones = np.ones(2 * k + 1)
        out = ndimage.correlate1d(values, ones, axis=-2, mode="constant")
        return ndimage.correlate1d(out, ones, axis=-1, mode="constant")
    kernel = np.zeros((1, 2 * k + 1, 2 * k + 1))
    kernel[0, dy + k, dx + k] = 1.0
    return ndimage.correlate(values, kernel, mode="constant")


def spacetime_gistar(
    cube: NDArray,
    mask: NDArray[np.bool_],
    offsets: tuple[NDArray, NDArray],
    time_lag: int = 1,
) -> NDArray[np.float64]:
    """Gi* z of every bin of a ``(slices, nrows, ncols)`` cube, shape
    ``(slices, cells in mask)``.

    Neighbours: the spatial ``offsets`` in slices ``t - time_lag .. t``; mean
    and SD over every bin of the cube. One slice at a time (a running sum over
    the lag), so memory stays at a few slices beyond the cube and the result.
    """
    cube = np.asarray(cube, dtype="float64")
    t_n = cube.shape[0]
    full = bool(mask.all())
    n_cells = int(mask.sum())
    n = t_n * n_cells
    inside = cube if full else cube[:, mask]
    total = float(inside.sum())
    mean = total / n
    flat = inside.ravel()
    sq = float(np.dot(flat, flat))
    sd = math.sqrt(max(sq / n - mean * mean, 0.0))
    space_card = np.rint(_window(mask.astype("float64")[None], offsets))[0]
    space_card = space_card.ravel() if full else space_card[mask]
    z = np.empty((t_n, n_cells))
    run = np.zeros(cube.shape[1:])
    for t in range(t_n):
        run += cube[t] if full else np.where(mask, cube[t], 0.0)
        if t - time_lag - 1 >= 0:
            run -= cube[t - time_lag - 1] if full else np.where(
                mask, cube[t - time_lag - 1], 0.0)  # fmt: skip
        sums = _window(run[None], offsets)[0]
        sums = sums.ravel() if full else sums[mask]
        card = space_card * float(min(t, time_lag) + 1)
        den = card * (n - card)
        den *= sd * sd / (n - 1)
        np.sqrt(den, out=den)
        out = z[t]
        np.multiply(card, -mean, out=out)
        out += sums
        with np.errstate(divide="ignore", invalid="ignore"):
            out /= den
        out[~(den > 0)] = np.nan
    return z


def _bh_cutoff(p: NDArray, alpha: float) -> float:
    """Benjamini-Hochberg cut-off (as ``bh_threshold``), sorting only p <= alpha.

    Every p at or below the cut-off is <= alpha, and a p's rank among all
    tests equals its rank among those <= alpha, so the rest need no sort.
    """
    flat = p.ravel()
    m = int(np.count_nonzero(~np.isnan(flat)))
    q = np.sort(flat[flat <= alpha])
    if q.size == 0:
        return -1.0
    ok = np.nonzero(q <= np.arange(1, q.size + 1) * alpha / m)[0]
    return float(q[ok[-1]]) if ok.size else -1.0


def classify_emerging(
    hot: NDArray[np.bool_],
    cold: NDArray[np.bool_],
    trend_z: NDArray,
    trend_p: NDArray,
    trend_alpha: float = 0.05,
) -> NDArray[np.int8]:
    """Class code (index into :data:`CLASSES`) of each cell.

    ``hot`` and ``cold`` are ``(slices, cells)`` booleans; ``trend_z`` and
    ``trend_p`` the Mann-Kendall z and p of each cell's Gi* z series.
    """
    up = (trend_p < trend_alpha) & (trend_z > 0)
    down = (trend_p < trend_alpha) & (trend_z < 0)
    code = np.zeros(hot.shape[1], dtype=np.int8)
    hot_codes = _side(hot, cold, up, down)
    cold_codes = _side(cold, hot, down, up)
    code = np.where(hot[-1], hot_codes, code)
    code = np.where(cold[-1], np.where(cold_codes > 0, cold_codes + 8, 0), code)
    historical = PATTERNS.index("historical") + 1
    quiet = ~hot[-1] & ~cold[-1]
    code = np.where(quiet & (hot_codes == historical), historical, code)
    code = np.where(quiet & (cold_codes == historical), historical + 8, code)
    return code.astype(np.int8)


def _side(
    hot: NDArray[np.bool_],
    other: NDArray[np.bool_],
    up: NDArray[np.bool_],
    down: NDArray[np.bool_],
) -> NDArray[np.int8]:
    """Hot-side class codes 0..8 (read "cold" for the mirror)."""
    t_n, cells = hot.shape
    n_hot = hot.sum(axis=0)
    share = n_hot / t_n
    run = np.zeros(cells, dtype=np.int64)
    alive = np.ones(cells, dtype=bool)
    for t in range(t_n - 1, -1, -1):
        alive &= hot[t]
        run += alive
    last = hot[-1]
    mostly = share >= NINETY - 1e-12
    c = {name: PATTERNS.index(name) + 1 for name in PATTERNS}
    code = np.zeros(cells, dtype=np.int8)
    code[~last & mostly] = c["historical"]
    code[last & ~mostly & other[:-1].any(axis=0)] = c["oscillating"]
    code[last & ~mostly & ~other[:-1].any(axis=0)] = c["sporadic"]
    code[last & ~mostly & (run >= 2) & (n_hot == run)] = c["consecutive"]
    code[last & (n_hot == 1)] = c["new"]
    code[last & mostly] = c["persistent"]
    code[last & mostly & up] = c["intensifying"]
    code[last & mostly & down] = c["diminishing"]
    return code


def emerging_hotspots(
    cube: NDArray,
    mask: NDArray[np.bool_],
    cell_size_m: float,
    *,
    distance_m: float | None = None,
    time_lag: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    trend_alpha: float = 0.05,
) -> EmergingResult:
    """Emerging Hot Spot Analysis of a ``(slices, nrows, ncols)`` count cube.

    Parameters
    ----------
    cube : counts per slice and cell (e.g. :func:`~.slices.slice_counts`)
    mask : cells in the study area
    cell_size_m : grid cell size, metres
    distance_m : neighbour band, metres (default ``cell_size_m * sqrt(2)``)
    time_lag : earlier slices in each bin's neighbourhood (default 1)
    alpha : significance of a hot/cold bin (default 0.05)
    fdr : Benjamini-Hochberg across all bins (default True, as ArcGIS)
    trend_alpha : significance of the Mann-Kendall trend (default 0.05)
    """
    cube = np.asarray(cube)
    if cube.ndim != 3 or cube.shape[0] < 3:
        raise InvalidParameterError("emerging hot spots need >= 3 time slices")
    if time_lag < 0:
        raise InvalidParameterError(f"time_lag must be >= 0, got {time_lag!r}")
    d = distance_m or cell_size_m * math.sqrt(2)
    z = spacetime_gistar(cube, mask, neighbour_offsets(cell_size_m, d), time_lag)
    p = np.abs(z)
    np.negative(p, out=p)
    p = special.ndtr(p, out=p)
    p *= 2.0  # two-sided normal p, as 2 * norm.sf(|z|)
    cut = _bh_cutoff(p, alpha) if fdr else alpha
    sig = (p <= cut) if fdr else (p < alpha)
    sig &= ~np.isnan(z)
    hot, cold = sig & (z > 0), sig & (z < 0)
    mk = mann_kendall(np.nan_to_num(z).T)
    code = classify_emerging(hot, cold, mk.z, mk.p, trend_alpha)
    params: dict[str, object] = {
        "cell_size_m": float(cell_size_m),
        "distance_m": float(d),
        "time_lag": int(time_lag),
        "alpha": float(alpha),
        "fdr": bool(fdr),
        "fdr_cutoff_p": float(cut),
        "trend_alpha": float(trend_alpha),
        "trend_test": "Mann-Kendall on Gi* z, continuity-corrected, two-sided",
        "ninety_percent_rule": NINETY,
        "n_slices": int(cube.shape[0]),
    }
    return EmergingResult(z, p, hot, cold, mk.z, mk.p, mk.tau, mk.s, code, params)
