"""Getis-Ord Gi* hot and cold spots on grid counts.

Statistic (Ord & Getis 1995, binary weights, the cell itself included)::

    G*_i = (sum_j w_ij x_j - X * W_i) / (S * sqrt((n W_i - W_i^2) / (n - 1)))

with ``W_i = sum_j w_ij`` (= sum of w_ij^2 for binary weights), ``X = sum x / n``,
``S = sqrt(sum x^2 / n - X^2)``, over the ``n`` cells of the study area only:
cells outside the area are neither counted in n nor neighbours (a mask). It
equals ``esda.G_Local(x, w, transform="B", star=True).Zs``; note esda's
``p_norm`` is one-sided, ``gistar_p`` here is two-sided ``2 (1 - Phi(|z|))``.

Neighbours: cells whose centres are at most ``distance_m`` apart (relative
tolerance 1e-9 so that the diagonal at ``cell_size_m * sqrt(2)`` counts);
default ``distance_m = cell_size_m * sqrt(2)``, the queen ring (8 neighbours).
Window sums are convolutions on the grid (shifted sums for small windows,
FFT for large ones): ``O(cells * window)`` or ``O(cells log cells)``, no n x n
matrix.

Significance: ArcGIS bins -3..3 (see :mod:`.significance`). ``fdr=True`` by
default, as ArcGIS Optimized Hot Spot Analysis always applies its FDR
correction: with thousands of cells, uncorrected 90 % bins would mark about
one cell in ten as hot or cold by chance. Optional conditional permutation
inference (``permutations > 0``, seeded by ``seed``) adds the folded pseudo
p-value ``gistar_p_sim`` (as esda's ``p_sim``); bins still use ``gistar_p``.

A constant field (S = 0) makes Gi* undefined: :func:`gistar_z` and
:func:`gistar_grid` return NaN, :func:`gistar` raises InvalidParameterError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

import geopandas as gpd

from hotspots.analysis.cost import (
    WORK_BUDGET,
    check_cost,
    check_fft_cells,
    check_permutations,
    check_seed,
    check_within_extent,
    gistar_cost,
    window_cells,
)
from hotspots.analysis.grid import (
    Grid,
    GridCells,
    bin_points,
    coverage_summary,
    grid_for_points,
)
from hotspots.analysis.result import HotspotResult
from hotspots.analysis.significance import confidence_bins, two_sided_p
from hotspots.analysis.validate import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MIN_CELL_SIZE_M,
    AreaLike,
    check_positive,
    prepare_points,
)
from hotspots.errors import InvalidParameterError

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "DISTANCE_TOLERANCE",
    "HOTSPOT_MIN_BIN",
    "gistar",
    "gistar_grid",
    "gistar_z",
    "neighbour_offsets",
    "permutation_p",
]

#: Relative tolerance on the distance band (centre distances <= d * (1 + tol)).
DISTANCE_TOLERANCE = 1e-9
#: Cells with ``gistar_bin >= 2`` (hot at 95 %+) count as hotspots in the summary.
HOTSPOT_MIN_BIN = 2
#: Windows with more offsets than this are summed by FFT instead of directly.
DIRECT_WINDOW_MAX = 121
PERMUTATION_CHUNK_ENTRIES = 4_000_000


def _z(sums: NDArray, card: NDArray, x: NDArray) -> NDArray[np.float64]:
    """Gi* z from window sums and cardinalities (self included) of values ``x``.

    ``z = (sum - mean * card) / (sd * sqrt(card * (n - card) / (n - 1)))``,
    computed in place to keep a 1M-cell grid to a few temporaries.
    """
    n = x.size
    mean = float(x.sum()) / n
    sd = math.sqrt(max(float(np.dot(x.ravel(), x.ravel())) / n - mean * mean, 0.0))
    denominator = card * (n - card)
    denominator *= sd * sd / (n - 1)
    np.sqrt(denominator, out=denominator)
    z = card * (-mean)
    z += sums
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(z, denominator, out=z)
    z[~(denominator > 0)] = np.nan
    return z


def gistar_z(
    y: NDArray, neighbours: sparse.spmatrix | Sequence[Sequence[int]]
) -> NDArray:
    """Gi* z-scores for any binary neighbour structure.

    Parameters
    ----------
    y : array of float, shape (n,)
        Values (counts or weight sums).
    neighbours : sparse (n, n) matrix or sequence of index lists
        Binary neighbours of each observation; the observation itself is always
        included (Gi*), whether listed or not.

    Returns
    -------
    ndarray of float, shape (n,)
        z-scores; NaN where undefined (constant y, or a cell neighbouring all).
    """
    from scipy import sparse  # not needed by grids: kept off the CLI's start

    y = np.asarray(y, dtype="float64")
    n = y.size
    if n < 2:
        raise InvalidParameterError("Gi* needs at least 2 observations")
    if sparse.issparse(neighbours):
        adj = sparse.csr_matrix(neighbours, dtype="float64", copy=True)
    else:
        rows = np.repeat(np.arange(n), [len(v) for v in neighbours])
        cols = np.concatenate([np.asarray(v, dtype=np.int64) for v in neighbours])
        adj = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    adj = adj.tolil()
    adj.setdiag(1.0)
    adj = adj.tocsr()
    adj.data[:] = 1.0
    return _z(adj @ y, np.asarray(adj.sum(axis=1)).ravel(), y)


def neighbour_offsets(cell_size_m: float, distance_m: float) -> tuple[NDArray, NDArray]:
    """Integer (row, col) offsets of cells within ``distance_m`` (self included)."""
    c = check_positive("cell_size_m", cell_size_m)
    d = check_positive("distance_m", distance_m) * (1 + DISTANCE_TOLERANCE)
    k = math.floor(d / c)
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    keep = np.hypot(dx * c, dy * c) <= d
    return dy[keep], dx[keep]


def _window_sum(values: NDArray, offsets: tuple[NDArray, NDArray]) -> NDArray:
    """Sum of ``values`` over the offsets around each cell (zeros beyond the edge).

    A full square window (the queen ring and its multiples) is separable: two
    1-D passes. Other windows are summed offset by offset, or by FFT when large.
    Both direct sums add in ``scipy.ndimage``'s order, so they equal its
    ``correlate1d`` / ``correlate`` to the bit, without its import (~0.15 s).
    """
    dy, dx = offsets
    k = int(max(np.abs(dy).max(), np.abs(dx).max()))
    if dy.size == (2 * k + 1) ** 2:
        return _line_sums(_line_sums(values, k, axis=0), k, axis=1)
    if dy.size <= DIRECT_WINDOW_MAX:
        return _offset_sums(values, dy, dx, k)
    kernel = np.zeros((2 * k + 1, 2 * k + 1))
    kernel[dy + k, dx + k] = 1.0
    from scipy.signal import fftconvolve  # ~1 s to import: only when needed

    out = fftconvolve(values, kernel[::-1, ::-1], mode="same")
    return np.round(out) if np.all(values == np.round(values)) else out


def _padded(values: NDArray, k: int, axes: tuple[int, ...]) -> NDArray[np.float64]:
    """``values`` as float64 with ``k`` zeros added on both sides of ``axes``."""
    pad = [(k, k) if axis in axes else (0, 0) for axis in range(values.ndim)]
    return np.pad(np.asarray(values, dtype="float64"), pad)


def _line_sums(values: NDArray, k: int, axis: int) -> NDArray[np.float64]:
    """Sums over the ``2k + 1`` cells centred on each cell along ``axis``.

    Added as ``ndimage.correlate1d`` adds a symmetric window: the centre, then
    each pair ``(-j, +j)`` summed first, from the farthest pair in.
    """
    padded = np.moveaxis(_padded(values, k, (axis,)), axis, 0)
    size = padded.shape[0] - 2 * k
    out = padded[k : k + size].copy()
    pair = np.empty_like(out)
    for j in range(k, 0, -1):
        np.add(padded[k - j : k - j + size], padded[k + j : k + j + size], out=pair)
        out += pair
    return np.moveaxis(out, 0, axis)


def _offset_sums(
    values: NDArray, dy: NDArray, dx: NDArray, k: int
) -> NDArray[np.float64]:
    """Sums over the cells at offsets ``(dy, dx)``, in the kernel's row-major
    order from 0.0, as ``ndimage.correlate`` adds them."""
    padded = _padded(values, k, (0, 1))
    rows, cols = values.shape
    out = np.zeros((rows, cols))
    for r, c in sorted(zip(dy.tolist(), dx.tolist(), strict=True)):
        out += padded[k + r : k + r + rows, k + c : k + c + cols]
    return out


def _cardinality(
    mask: NDArray[np.bool_], offsets: tuple[NDArray, NDArray]
) -> NDArray[np.float64]:
    """In-area cells in each cell's window (whole numbers, as float).

    Without a study-area mask a square window's count is the product of the
    cells it spans along each axis: the same numbers as summing the ones.
    """
    dy, dx = offsets
    k = int(max(np.abs(dy).max(), np.abs(dx).max()))
    if not (mask.all() and dy.size == (2 * k + 1) ** 2):
        return np.rint(_window_sum(mask.astype("float64"), offsets))

    def spans(length: int) -> NDArray[np.float64]:
        i = np.arange(length)
        return (np.minimum(i, k) + np.minimum(length - 1 - i, k) + 1).astype(float)

    rows, cols = mask.shape
    return np.multiply.outer(spans(rows), spans(cols))


def gistar_grid(
    values: NDArray, mask: NDArray[np.bool_], offsets: tuple[NDArray, NDArray]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Gi* z-scores on a grid with a study-area mask.

    Parameters
    ----------
    values : (nrows, ncols) array
        Count (or weight sum) per cell.
    mask : (nrows, ncols) bool array
        Cells in the study area; others are ignored entirely.
    offsets : (dy, dx) integer arrays
        Neighbour offsets including (0, 0), e.g. from :func:`neighbour_offsets`.

    Returns
    -------
    z : (nrows, ncols) float array
        NaN outside the mask and where undefined.
    card : (nrows, ncols) int array
        In-area cells in each window, the cell itself included (0 outside).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.sum() < 2:
        raise InvalidParameterError("Gi* needs at least 2 cells in the study area")
    x = np.where(mask, np.asarray(values, dtype="float64"), 0.0)
    sums = _window_sum(x, offsets)
    card_f = _cardinality(mask, offsets)
    if mask.all():  # no study-area mask: skip the gathers and scatters
        return _z(sums, card_f, x), card_f.astype(np.int64)
    z = np.full(x.shape, np.nan)
    z[mask] = _z(sums[mask], card_f[mask], x[mask])
    return z, np.where(mask, card_f, 0).astype(np.int64)


def permutation_p(
    x: NDArray,
    sums: NDArray,
    card: NDArray,
    permutations: int,
    seed: int | None = None,
) -> NDArray[np.float64]:
    """Folded pseudo p-values by conditional randomisation (esda's ``p_sim``).

    For each cell its own value is kept and ``card - 1`` other values are drawn
    without replacement from the remaining cells, ``permutations`` times; with
    ``larger`` the number of draws whose window sum is >= the observed one,
    ``p = (min(larger, P - larger) + 1) / (P + 1)``. Cost O(cells x P x window).

    Parameters
    ----------
    x, sums, card : arrays of shape (n,)
        Values, observed window sums and window sizes (self included) per cell.
    permutations : int
        Number of draws P (e.g. 999).
    seed : int, optional
        Seed of the random generator, for reproducible results.
    """
    x = np.asarray(x, dtype="float64")
    n, perms = x.size, int(permutations)
    kmax = int(card.max()) - 1
    rng = np.random.default_rng(seed)
    if kmax <= 0:
        return np.ones(n)
    ids = np.stack([rng.choice(n - 1, kmax, replace=False) for _ in range(perms)])
    larger = np.zeros(n)
    step = max(1, PERMUTATION_CHUNK_ENTRIES // (perms * kmax))
    for lo in range(0, n, step):
        cells = np.arange(lo, min(lo + step, n))
        adj = ids[None, :, :] + (ids[None, :, :] >= cells[:, None, None])
        sims = np.cumsum(x[adj], axis=2)  # (cells, P, kmax)
        k = np.clip(card[cells] - 2, 0, kmax - 1)
        sim = np.take_along_axis(sims, k[:, None, None], axis=2)[:, :, 0]
        sim = np.where(card[cells, None] >= 2, sim, 0.0) + x[cells, None]
        larger[cells] = (sim >= sums[cells, None]).sum(axis=1)
    larger = np.minimum(larger, perms - larger)
    return (larger + 1) / (perms + 1)


def _check_cost(grid: Grid, distance_m: float, permutations: int) -> dict[str, Any]:
    """Refuse a band or permutation count too costly for ``grid`` (see .cost).

    Checked before any window is built: a band wider than the grid's diagonal,
    a padded FFT window too large for memory, or more steps than the budget.
    Returns the estimate as layer parameters.
    """
    c = grid.cell_size_m
    diagonal_bounds = (0.0, 0.0, grid.ncols * c, grid.nrows * grid.row_step_m)
    check_within_extent("distance_m", distance_m, diagonal_bounds)
    k = math.floor(distance_m * (1 + DISTANCE_TOLERANCE) / c)
    window = window_cells(c, distance_m * (1 + DISTANCE_TOLERANCE))
    if window > DIRECT_WINDOW_MAX:
        check_fft_cells(
            (grid.nrows + 2 * k) * (grid.ncols + 2 * k),
            "use a smaller distance_m or a larger cell_size_m",
        )
    cells = int(grid.mask.sum())
    neighbours = max(min(window, cells), 1)
    most = max(math.floor(WORK_BUDGET / (cells * neighbours)) - 1, 0)
    change = (
        f"use permutations={min(most, permutations)} or fewer, a smaller distance_m, "
        "or a larger cell_size_m"
        if most < permutations
        else "use a smaller distance_m or a larger cell_size_m"
    )
    return check_cost(gistar_cost(cells, window, permutations), change).parameters()


def _bin_summary(bins: NDArray) -> dict[str, float]:
    out: dict[str, float] = {}
    for level, conf in ((3, 99), (2, 95), (1, 90)):
        out[f"hot_cells_{conf}"] = float((bins == level).sum())
        out[f"cold_cells_{conf}"] = float((bins == -level).sum())
    return out


def gistar(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cell_size_m: float | None = None,
    distance_m: float | None = None,
    area: AreaLike | None = None,
    weight: str | None = None,
    fdr: bool = True,
    permutations: int = 0,
    seed: int | None = None,
    clip: bool = False,
    min_cell_size_m: float = DEFAULT_MIN_CELL_SIZE_M,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> HotspotResult:
    """Getis-Ord Gi* hot and cold spots of grid counts (method ``"gistar"``).

    Parameters
    ----------
    points : GeoDataFrame/GeoSeries of Points, EPSG:27700
    cell_size_m : float, optional
        Cell size in metres; default by sfhotspot's rule (see :mod:`.grid`).
    distance_m : float, optional
        Neighbour distance band in metres between cell centres; default
        ``cell_size_m * sqrt(2)`` (queen ring). At least ``cell_size_m``.
    area : polygon, GeoSeries or GeoDataFrame, optional
        Study area; points outside are dropped, only cells intersecting it are
        part of the statistic.
    weight : str, optional
        Weight column: Gi* of the weight sum per cell instead of the count.
    fdr : bool
        Benjamini-Hochberg FDR cut-offs for the bins (default True, as ArcGIS).
    permutations : int
        Conditional permutations for ``gistar_p_sim`` (0 = none).
    seed : int, optional
        Random seed for the permutations.
    clip : bool
        Trim boundary cells to the area (default False: whole cells).
    min_cell_size_m, max_cells
        Floor on the cell size and limit on the grid's cell count.

    Returns
    -------
    HotspotResult
        ``features``: ``cell_id``, ``n``, [``w``], ``gistar_z``, ``gistar_p``
        (two-sided), ``gistar_bin`` (-3..3), ``n_neighbours`` (in-area cells in
        the band, self excluded), [``gistar_p_sim``], ``geometry``. ``summary``:
        ``hotspot_share`` = share of incidents in cells with bin >= 2, plus
        ``hot_cells_99/95/90`` and ``cold_cells_99/95/90``.

    Raises
    ------
    InvalidParameterError
        Every cell has the same value (Gi* undefined), bad distance or
        permutations, or fewer than 2 cells.
    """
    perms = check_permutations(permutations)
    seed = check_seed(seed)
    prep = prepare_points(points, area=area, weight=weight)
    grid, params, auto = grid_for_points(
        prep,
        cell_size_m=cell_size_m,
        min_cell_size_m=min_cell_size_m,
        max_cells=max_cells,
    )
    c = grid.cell_size_m
    if distance_m is None:
        distance_m = c * math.sqrt(2)
        auto.add("distance_m")
    dist = check_positive("distance_m", distance_m)
    if dist < c:
        raise InvalidParameterError(
            f"distance_m={dist:g} is smaller than cell_size_m={c:g}: no cell would "
            "have a neighbour"
        )
    params |= _check_cost(grid, dist, perms)
    n, w = bin_points(grid, prep.x, prep.y, prep.w)
    values = (w if w is not None else n).astype("float64")
    offsets = neighbour_offsets(c, dist)
    z, card = gistar_grid(values, grid.mask, offsets)
    vals = values[grid.mask]
    if np.all(vals == vals[0]):
        raise InvalidParameterError(
            f"every one of the {vals.size} cells has the same value ({vals[0]:g}), so "
            "Gi* is undefined: use a smaller cell size or a larger study area"
        )
    p = two_sided_p(z)
    bins = np.zeros(z.shape, dtype=np.int8)
    bins[grid.mask] = confidence_bins(z[grid.mask], p[grid.mask], fdr=bool(fdr))
    columns = {"n": n, "w": w, "gistar_z": z, "gistar_p": p, "gistar_bin": bins}
    columns["n_neighbours"] = np.maximum(card - 1, 0)
    if perms:
        sums = _window_sum(np.where(grid.mask, values, 0.0), offsets)[grid.mask]
        p_sim = np.full(z.shape, np.nan)
        p_sim[grid.mask] = permutation_p(vals, sums, card[grid.mask], perms, seed)
        columns["gistar_p_sim"] = p_sim
    params |= {
        "distance_m": dist,
        "neighbours": "cells with centre distance <= distance_m, self included",
        "fdr": bool(fdr),
        "permutations": perms,
        "seed": seed,
        "clip": bool(clip),
        "cell_geometry": "clipped" if clip and grid.area is not None else "whole",
        "hotspot_min_bin": HOTSPOT_MIN_BIN,
    }
    hot = bins[grid.mask] >= HOTSPOT_MIN_BIN
    summary = prep.counts_summary() | coverage_summary(grid, n, hot)
    summary |= _bin_summary(bins[grid.mask])
    cells = GridCells.of(grid, columns, clip=clip)
    return HotspotResult("gistar", cells, params, frozenset(auto), summary)
