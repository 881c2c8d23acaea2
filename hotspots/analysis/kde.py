"""Kernel density of incidents on a grid, with the exact quartic kernel.

Kernel
------
Quartic (biweight), as ArcGIS and CrimeStat: ``K(d) = 3 / (pi r^2) (1 - d^2/r^2)^2``
for ``d < r`` (``r`` = ``bandwidth_m``), 0 beyond. Density is evaluated at cell
centres and reported per km^2 (``density_km2``): summed over cells times the cell
area in km^2 it gives the incident count (or weight sum) when the grid covers
every point's disc (up to the midpoint-rule error, ~1e-4 at r = 10 cells).

Algorithm (exact, not binned)
-----------------------------
Write a point as ``p = s + u`` with ``s`` its cell centre and ``u`` its offset
(|u_x|, |u_y| <= c/2) and a target cell centre as ``t = s + D``. Inside the disc
the kernel is a degree-4 polynomial in ``u``::

    (1 - |D - u|^2 / r^2)^2 = sum_k  S_k(D) * m_k(u)

with 9 terms: ``m = 1, u_x, u_y, u_x^2, u_y^2, u_x u_y, u_x |u|^2, u_y |u|^2,
|u|^4`` (in units of r). So for every (target, source cell) pair whose source cell
lies *entirely* inside the disc around the target, the sum over the cell's points
is ``sum_k S_k(D) M_k(s)`` with per-cell moment sums ``M_k`` -- a convolution of
9 moment grids with 9 polynomial stencils, done with one FFT each and a single
inverse FFT (stencil FFTs pruned to their non-zero rows). Pairs whose source cell
lies entirely outside contribute 0. Only pairs whose cell *straddles* the circle
(an annulus of ~9 r/c offsets; ~6 r/c per point once the quarter of the cell the
point sits in is taken into account) are summed point by point, exactly, as a
small matrix product per chunk of points, scattered with ``bincount`` on
row-sorted points in ``workers`` threads. Coincident points (police.uk snap
points) are merged first when a sample shows many repeats, so that work scales
with distinct locations.

Cost: ``O(n + G log G)`` for the moments and FFTs (G = grid cells padded by the
bandwidth) plus ``O(m * 6 r/c)`` for the straddle (m = distinct locations). The
result equals the direct ``O(n x cells)`` sum to rounding (~1e-15 of the peak).
Measured on 2 cores (with another process busy, so +-30 %): 1M uniform random
points onto 1000 x 1000 cells, 0.35-0.5 s for r = 5-10 cells and 0.7-0.9 s for
r = 23 cells (the Silverman default there), against 0.36 s for KDEpy's binned,
approximate ``FFTKDE``; 100k points onto 40k-250k cells, 56-128x faster than
scikit-learn's ``KernelDensity`` (Epanechnikov, its closest kernel).

Default bandwidth: ArcGIS's spatial Silverman rule (``bandwidth_rule="silverman"``)
``0.9 * min(SD, sqrt(1/ln 2) * Dm) * n^-0.2``, SD the standard distance, Dm the
median distance to the mean centre (weighted versions, n = weight sum, when
weighted). ``"sfhotspot"``: MASS ``bandwidth.nrd`` per axis,
``4 * 1.06 * min(sd, IQR/1.34) * n^-0.2``, averaged over x and y (sfhotspot
itself calls ``mean(hx, hy)``, which R reads as ``mean(hx, trim = hy)``, so it
uses x only; unweighted). Either is multiplied by ``bandwidth_adjust``.
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

import geopandas as gpd

from hotspots.analysis.cost import (
    check_cost,
    check_fft_cells,
    check_within_extent,
    kde_cost,
)
from hotspots.analysis.grid import (
    Grid,
    GridCells,
    bin_points,
    coverage_summary,
    grid_for_points,
)
from hotspots.analysis.polygons import DEFAULT_TOP_PERCENT, top_cells
from hotspots.analysis.result import HotspotResult
from hotspots.analysis.validate import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MIN_CELL_SIZE_M,
    AreaLike,
    check_choice,
    check_positive,
    prepare_points,
    warn_bandwidth_below_cell,
)
from hotspots.errors import EmptyInputError, InvalidParameterError

__all__ = [
    "BANDWIDTH_RULES",
    "choose_bandwidth",
    "kde",
    "kde_direct",
    "kde_surface",
    "quartic_kernel",
    "sfhotspot_bandwidth",
    "silverman_bandwidth",
]

BANDWIDTH_RULES = ("silverman", "sfhotspot")
M2_PER_KM2 = 1e6
#: Entries (points x straddle offsets) evaluated per chunk: fits in cache.
STRADDLE_CHUNK_ENTRIES = 131_072
#: Merge coincident points when a sample has fewer distinct locations than this
#: share: 1M police.uk-like points on 30,000 snap points sample ~82% distinct, and
#: merging them (~0.1 s) saves most of the per-point edge work.
DEDUPE_DISTINCT_SHARE = 0.9
DEDUPE_SAMPLE = 10_000


def quartic_kernel(d: NDArray, bandwidth_m: float) -> NDArray[np.float64]:
    """Quartic kernel value per m^2 at distances ``d`` (metres)."""
    q = np.asarray(d, dtype="float64") ** 2 / bandwidth_m**2
    return np.where(q < 1, 3 / (math.pi * bandwidth_m**2) * (1 - q) ** 2, 0.0)


def _weighted_median(v: NDArray, w: NDArray) -> float:
    order = np.argsort(v, kind="stable")
    v, cw = v[order], np.cumsum(w[order])
    half = cw[-1] / 2
    k = int(np.searchsorted(cw, half))
    if k + 1 < v.size and math.isclose(cw[k], half, rel_tol=1e-12):
        return float((v[k] + v[k + 1]) / 2)
    return float(v[k])


def silverman_bandwidth(x: NDArray, y: NDArray, w: NDArray | None = None) -> float:
    """ArcGIS's spatial Silverman bandwidth in metres.

    ``0.9 * min(SD, sqrt(1/ln 2) * Dm) * n^-0.2`` with SD the (weighted) standard
    distance, Dm the (weighted) median distance to the (weighted) mean centre and
    n the count (or weight sum).
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    w = np.ones_like(x) if w is None else np.asarray(w, "float64")
    total = float(w.sum())
    if total <= 0:
        raise EmptyInputError("the weights sum to 0: nothing to estimate a density of")
    mx, my = float(w @ x) / total, float(w @ y) / total
    d2 = (x - mx) ** 2 + (y - my) ** 2
    sd = math.sqrt(float(w @ d2) / total)
    dm = float(np.median(np.sqrt(d2))) if np.all(w == w[0]) else None
    if dm is None:
        dm = _weighted_median(np.sqrt(d2), w)
    return 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * total**-0.2


def sfhotspot_bandwidth(x: NDArray, y: NDArray) -> float:
    """sfhotspot/MASS ``bandwidth.nrd`` rule, mean of the x and y values (metres)."""

    def nrd(v: NDArray) -> float:
        q1, q3 = np.percentile(v, [25, 75])
        return 4 * 1.06 * min(float(np.std(v, ddof=1)), (q3 - q1) / 1.34) * v.size**-0.2

    if np.size(x) < 2:
        raise InvalidParameterError("the sfhotspot bandwidth rule needs 2+ incidents")
    return (nrd(np.asarray(x, "float64")) + nrd(np.asarray(y, "float64"))) / 2


def kde_direct(
    x: NDArray, y: NDArray, grid: Grid, bandwidth_m: float, w: NDArray | None = None
) -> NDArray[np.float64]:
    """Reference density per km^2 at cell centres by the direct O(n x cells) sum."""
    cx, cy = grid.centres()
    out = np.zeros(cx.shape)
    w = np.ones(np.size(x)) if w is None else np.asarray(w, "float64")
    for xi, yi, wi in zip(
        np.asarray(x, "float64"), np.asarray(y, "float64"), w, strict=True
    ):
        out += wi * quartic_kernel(np.hypot(cx - xi, cy - yi), bandwidth_m)
    return out * M2_PER_KM2


def _stencils(k: int, rc: float) -> tuple[list[NDArray], NDArray, NDArray]:
    """Polynomial stencils on fully-inside offsets, and the straddling offsets."""
    d = np.arange(-k, k + 1) / rc
    ax, ay = np.meshgrid(d, d)  # [dy + k, dx + k], in units of r
    h = 0.5 / rc
    inside = (np.abs(ax) + h) ** 2 + (np.abs(ay) + h) ** 2 < 1
    gap_x, gap_y = np.maximum(np.abs(ax) - h, 0), np.maximum(np.abs(ay) - h, 0)
    straddle = ~inside & (gap_x**2 + gap_y**2 < 1)
    a = 1 - ax**2 - ay**2
    polys = [a * a, 4 * a * ax, 4 * a * ay, 4 * ax * ax - 2 * a, 4 * ay * ay - 2 * a]
    polys += [8 * ax * ay, -4 * ax, -4 * ay, np.ones_like(a)]
    dy, dx = np.nonzero(straddle)
    return [p * inside for p in polys], dy - k, dx - k


def _stencil_spectrum(
    st: NDArray, k: int, shape: tuple[int, int], workers: int
) -> NDArray:
    """rfft2 of a (2k+1)^2 stencil wrapped into ``shape``, pruned to its rows."""
    import scipy.fft as sfft

    lr, lc = shape
    rows = np.zeros((2 * k + 1, lc))
    rows[:, : k + 1], rows[:, lc - k :] = st[:, k:], st[:, :k]
    spec_rows = sfft.rfft(rows, axis=1, workers=workers)
    full = np.zeros((lr, lc // 2 + 1), dtype=complex)
    full[: k + 1], full[lr - k :] = spec_rows[k:], spec_rows[:k]
    return sfft.fft(full, axis=0, workers=workers, overwrite_x=True)


def _moments(vx: NDArray, vy: NDArray, w: NDArray | None) -> list[NDArray]:
    """The 9 per-point moments (times the weight) of the polynomial expansion."""
    r2 = vx * vx + vy * vy
    w1 = np.ones_like(vx) if w is None else w
    wx, wy = w1 * vx, w1 * vy
    return [w1, wx, wy, wx * vx, wy * vy, wx * vy, wx * r2, wy * r2, w1 * r2 * r2]


def _dedupe(
    x: NDArray, y: NDArray, w: NDArray | None
) -> tuple[NDArray, NDArray, NDArray | None]:
    """Merge coincident points (summing weights) when a sample shows many repeats."""
    if x.size < 2 * DEDUPE_SAMPLE:
        return x, y, w
    step = x.size // DEDUPE_SAMPLE
    sample = x[::step] + 1j * y[::step]
    if np.unique(sample).size >= DEDUPE_DISTINCT_SHARE * sample.size:
        return x, y, w
    frame = pd.DataFrame({"x": x, "y": y, "w": np.ones_like(x) if w is None else w})
    agg = frame.groupby(["x", "y"], sort=False)["w"].sum()
    return (
        agg.index.get_level_values(0).to_numpy(),
        agg.index.get_level_values(1).to_numpy(),
        agg.to_numpy(),
    )


def _straddle_part(
    buf: NDArray, base: NDArray, amat: NDArray, bmat: NDArray, offs: NDArray
) -> None:
    """Add exact straddle contributions of row-sorted points into ``buf``.

    Work arrays are allocated once: fresh multi-megabyte temporaries per chunk
    cost more (page faults) than the arithmetic.
    """
    if base.size == 0 or offs.size == 0:
        return
    chunk = max(64, STRADDLE_CHUNK_ENTRIES // offs.size)
    omin = int(offs.min())
    gbuf = np.empty((chunk, offs.size))
    tbuf = np.empty((chunk, offs.size), dtype=np.intp)
    for i in range(0, base.size, chunk):
        b = base[i : i + chunk]
        g, tgt = gbuf[: b.size], tbuf[: b.size]
        np.matmul(amat[i : i + chunk], bmat, out=g)  # sqrt(w) (1 - |D - u|^2/r^2)
        np.maximum(g, 0, out=g)
        np.multiply(g, g, out=g)
        lo = int(b.min()) + omin
        np.add((b - lo)[:, None], offs[None, :], out=tgt)
        acc = np.bincount(tgt.ravel(), weights=g.ravel())
        buf[lo : lo + acc.size] += acc


def _quadrant_offsets(dy: NDArray, dx: NDArray, rc: float) -> list[NDArray]:
    """For each cell quadrant, the straddle offsets it can reach at all.

    Quadrant ``q = (u_x >= 0) + 2 (u_y >= 0)``; an offset is dropped for a
    quadrant when that quarter of the cell lies entirely outside the disc, which
    removes about 30 % of the per-point work.
    """
    ax, ay = dx / rc, dy / rc
    quarter = 0.25 / rc
    out = []
    for sx, sy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        gx = np.maximum(np.abs(ax - sx * quarter) - quarter, 0)
        gy = np.maximum(np.abs(ay - sy * quarter) - quarter, 0)
        out.append(np.nonzero(gx * gx + gy * gy < 1)[0])
    return out


def _straddle(
    x: NDArray,
    y: NDArray,
    w: NDArray | None,
    origin: tuple[float, float],
    c: float,
    r: float,
    k: int,
    src_shape: tuple[int, int],
    offsets: tuple[NDArray, NDArray],
    workers: int,
) -> NDArray:
    """Exact sums over straddling pairs.

    Returns a ``(src_rows + 4k, src_cols + 4k)`` array in which source cell
    ``(row, col)`` of the padded grid sits at ``(row + 2k, col + 2k)``, so grid
    cell ``(g_row, g_col)`` is at ``(g_row + 3k, g_col + 3k)``.
    """
    dy, dx = offsets
    x, y, w = _dedupe(x, y, w)
    fx, fy = (x - origin[0]) / c, (y - origin[1]) / c
    col, row = np.floor(fx), np.floor(fy)
    quad = (fx - col >= 0.5).astype(np.int64) + 2 * (fy - row >= 0.5)
    key = quad * src_shape[0] + row.astype(np.int64)
    key = key.astype(np.int16 if 4 * src_shape[0] < 2**15 else np.int64)
    order = np.argsort(key, kind="stable")
    col, row, fx, fy, quad = col[order], row[order], fx[order], fy[order], quad[order]
    vx, vy = (fx - col - 0.5) * (c / r), (fy - row - 0.5) * (c / r)
    sw = np.ones_like(vx) if w is None else np.sqrt(w[order])
    amat = np.stack([sw * vx, sw * vy, sw, sw * (vx * vx + vy * vy)], axis=1)
    ax, ay = dx * (c / r), dy * (c / r)
    bmat = np.stack([2 * ax, 2 * ay, 1 - ax * ax - ay * ay, -np.ones_like(ax)])
    shape = (src_shape[0] + 4 * k, src_shape[1] + 4 * k)
    base = (row.astype(np.int64) + 2 * k) * shape[1] + col.astype(np.int64) + 2 * k
    offs = dy * shape[1] + dx
    bounds = np.searchsorted(quad, np.arange(5))
    tasks = max(1, min(workers, base.size))
    pieces = [
        (lo, hi, sel)
        for q, sel in enumerate(_quadrant_offsets(dy, dx, r / c))
        for lo, hi in _split(bounds[q], bounds[q + 1], tasks)
    ]

    def run(t: int) -> NDArray:
        buf = np.zeros(shape[0] * shape[1])
        for lo, hi, sel in pieces[t::tasks]:
            _straddle_part(buf, base[lo:hi], amat[lo:hi], bmat[:, sel], offs[sel])
        return buf

    with threadpool_limits(1), ThreadPoolExecutor(tasks) as pool:
        bufs = list(pool.map(run, range(tasks)))
    total = bufs[0]
    for extra in bufs[1:]:
        total += extra
    return total.reshape(shape)


def _split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous (start, stop) ranges covering ``lo..hi``."""
    edges = np.linspace(lo, hi, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


#: Values below this share of the peak are FFT round-off, reported as 0.
ROUND_OFF = 1e-13


def kde_surface(
    x: NDArray,
    y: NDArray,
    grid: Grid,
    bandwidth_m: float,
    w: NDArray | None = None,
    *,
    workers: int | None = None,
) -> NDArray[np.float64]:
    """Exact quartic-kernel density per km^2 at every cell centre of a square grid.

    Parameters
    ----------
    x, y : arrays of float
        Point coordinates in metres (EPSG:27700); points farther than the bandwidth
        from every cell are ignored.
    grid : Grid
        Square grid (the mask is ignored: every cell is evaluated).
    bandwidth_m : float
        Kernel radius in metres.
    w : array of float, optional
        Non-negative weights (default 1).
    workers : int, optional
        Threads for the FFTs and the straddle sums (default: CPU count).

    Returns
    -------
    ndarray, shape (grid.nrows, grid.ncols)
        Density per km^2, equal to :func:`kde_direct` to rounding.
    """
    import scipy.fft as sfft  # ~0.04 s to import: only a density needs it

    if grid.shape != "square":
        raise InvalidParameterError("kernel density needs a square grid")
    r = check_positive("bandwidth_m", bandwidth_m)
    c = grid.cell_size_m
    workers = max(1, workers or os.cpu_count() or 1)
    k = math.ceil(r / c) + 1
    x0, y0 = (grid.i0 - k) * c, (grid.j0 - k) * c  # padded source origin
    src_shape = (grid.nrows + 2 * k, grid.ncols + 2 * k)
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    col, row = np.floor((x - x0) / c), np.floor((y - y0) / c)
    near = (col >= 0) & (col < src_shape[1]) & (row >= 0) & (row < src_shape[0])
    x, y, col, row = x[near], y[near], col[near], row[near]
    w = None if w is None else np.asarray(w, "float64")[near]
    out = np.zeros((grid.nrows, grid.ncols))
    if x.size == 0:
        return out
    lr, lc = sfft.next_fast_len(src_shape[0]), sfft.next_fast_len(src_shape[1], True)
    check_fft_cells(
        lr * lc,
        f"bandwidth_m={r:g} is {r / c:.0f} cells of {c:g} m; use a larger "
        "cell_size_m or a smaller bandwidth_m",
    )
    stencils, dy, dx = _stencils(k, r / c)
    vx, vy = ((x - x0) / c - col - 0.5) * (c / r), ((y - y0) / c - row - 0.5) * (c / r)
    flat = row.astype(np.int64) * lc + col.astype(np.int64)
    acc = np.zeros((lr, lc // 2 + 1), dtype=complex)
    for mom, st in zip(_moments(vx, vy, w), stencils, strict=True):
        grid_m = np.bincount(flat, weights=mom, minlength=lr * lc).reshape(lr, lc)
        spec = sfft.rfft2(grid_m, workers=workers, overwrite_x=True)
        spec *= _stencil_spectrum(st, k, (lr, lc), workers)
        acc += spec
    conv = sfft.irfft2(acc, s=(lr, lc), workers=workers)
    out += conv[k : k + grid.nrows, k : k + grid.ncols]
    if dy.size:
        buf = _straddle(x, y, w, (x0, y0), c, r, k, src_shape, (dy, dx), workers)
        out += buf[3 * k : 3 * k + grid.nrows, 3 * k : 3 * k + grid.ncols]
    out *= 3 / (math.pi * r * r) * M2_PER_KM2
    # The FFT leaves round-off (~1e-16 of the peak, either sign) where the true
    # density is 0; a density is never negative, so that noise is set to 0.
    out[out < ROUND_OFF * out.max()] = 0.0
    return out


def _check_cost(grid: Grid, bandwidth_m: float, points: int) -> dict[str, Any]:
    """Refuse a bandwidth too costly for ``grid`` (see .cost); the estimate.

    The padded grid is the grid plus a bandwidth on each side; each point also
    sums exactly over the ring of cells its disc straddles (~9 r/c cells).
    """
    c = grid.cell_size_m
    diagonal_bounds = (0.0, 0.0, grid.ncols * c, grid.nrows * c)
    check_within_extent("bandwidth_m", bandwidth_m, diagonal_bounds)
    k = math.ceil(bandwidth_m / c) + 1
    fft_cells = (grid.nrows + 2 * k) * (grid.ncols + 2 * k)
    change = "use a smaller bandwidth_m or a larger cell_size_m"
    check_fft_cells(fft_cells, change)
    ring = 9 * math.ceil(bandwidth_m / c)
    return check_cost(kde_cost(fft_cells, points, ring), change).parameters()


def choose_bandwidth(
    x: NDArray,
    y: NDArray,
    w: NDArray | None,
    *,
    bandwidth_m: float | None,
    bandwidth_rule: str,
    bandwidth_adjust: float,
) -> tuple[float, bool]:
    """Bandwidth in metres (given, or by the rule) times ``bandwidth_adjust``.

    Returns
    -------
    bandwidth_m, auto
        ``auto`` is True when the value came from the data.
    """
    adjust = check_positive("bandwidth_adjust", bandwidth_adjust)
    rule = check_choice("bandwidth_rule", bandwidth_rule, BANDWIDTH_RULES)
    if bandwidth_m is not None:
        return check_positive("bandwidth_m", bandwidth_m) * adjust, False
    if rule == "silverman":
        h = silverman_bandwidth(x, y, w)
    else:
        h = sfhotspot_bandwidth(x, y)
    if not math.isfinite(h) or h <= 0:
        raise InvalidParameterError(
            f"the {rule} rule gives no usable bandwidth (incidents too concentrated "
            "at one location): give bandwidth_m explicitly"
        )
    return h * adjust, True


def kde(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    bandwidth_m: float | None = None,
    cell_size_m: float | None = None,
    area: AreaLike | None = None,
    weight: str | None = None,
    bandwidth_rule: str = "silverman",
    bandwidth_adjust: float = 1.0,
    clip: bool = False,
    top_percent: float = DEFAULT_TOP_PERCENT,
    min_cell_size_m: float = DEFAULT_MIN_CELL_SIZE_M,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> HotspotResult:
    """Quartic kernel density of incidents on a square grid (method ``"kde"``).

    Parameters
    ----------
    points : GeoDataFrame/GeoSeries of Points, EPSG:27700
    bandwidth_m : float, optional
        Kernel radius in metres; default from ``bandwidth_rule``.
    cell_size_m : float, optional
        Cell size in metres; default by sfhotspot's rule (see :mod:`.grid`).
    area : polygon, GeoSeries or GeoDataFrame, optional
        Study area; points outside are dropped, cells intersecting it reported.
    weight : str, optional
        Weight column (e.g. harm): density of weight instead of count.
    bandwidth_rule : {"silverman", "sfhotspot"}
    bandwidth_adjust : float
        Multiplier on the bandwidth (given or chosen).
    clip : bool
        Trim boundary cells to the area (default False: whole cells).
    top_percent : float
        Hotspot cells for ``hotspot_share``: top ``top_percent`` % by density.
    min_cell_size_m, max_cells
        Floor on the cell size and limit on the grid's cell count.

    Returns
    -------
    HotspotResult
        ``features``: ``cell_id``, ``n``, [``w``], ``density_km2``, ``geometry``.
        ``summary`` adds ``density_max_km2`` and ``volume`` (sum of density x cell
        area in km^2 over the reported cells).
    """
    prep = prepare_points(points, area=area, weight=weight)
    grid, params, auto = grid_for_points(
        prep,
        cell_size_m=cell_size_m,
        min_cell_size_m=min_cell_size_m,
        max_cells=max_cells,
    )
    bw, bw_auto = choose_bandwidth(
        prep.x,
        prep.y,
        prep.w,
        bandwidth_m=bandwidth_m,
        bandwidth_rule=bandwidth_rule,
        bandwidth_adjust=bandwidth_adjust,
    )
    if bw_auto:
        auto.add("bandwidth_m")
    warn_bandwidth_below_cell(bw, grid.cell_size_m)
    cost = _check_cost(grid, bw, prep.x.size)
    density = kde_surface(prep.x, prep.y, grid, bw, prep.w)
    n, w = bin_points(grid, prep.x, prep.y, prep.w)
    dens = density[grid.mask]
    params |= {
        "bandwidth_m": bw,
        "bandwidth_rule": bandwidth_rule if bw_auto else "given",
        "bandwidth_adjust": float(bandwidth_adjust),
        "kernel": "quartic",
        "clip": bool(clip),
        "cell_geometry": "clipped" if clip and grid.area is not None else "whole",
        "top_percent": float(top_percent),
    } | cost
    summary = prep.counts_summary() | coverage_summary(
        grid, n, top_cells(dens, top_percent)
    )
    summary["density_max_km2"] = float(dens.max()) if dens.size else 0.0
    summary["volume"] = float(dens.sum() * grid.cell_area_m2 / M2_PER_KM2)
    cells = GridCells.of(grid, {"n": n, "w": w, "density_km2": density}, clip=clip)
    return HotspotResult("kde", cells, params, frozenset(auto), summary)
