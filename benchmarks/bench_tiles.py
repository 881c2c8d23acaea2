"""KDE by tiles with a halo of one bandwidth equals KDE in one piece.

The evidence for docs/scaling.md: a surface over a large area can be cut into
tiles computed apart (other processes, other machines), each reading only the
incidents inside its tile grown by one bandwidth (the quartic kernel is zero
beyond it), and stitched back without a seam. Without the halo, cells near a
tile's edge lose the points across it.

Generates ``--n`` points over Portsmouth's wards (bench_store_5m's places),
computes the exact surface (``kde_surface``) over the city grid once, then by
``--tiles`` x ``--tiles`` tiles with and without the halo (in ``--workers``
processes), and prints the largest differences and the times.

Usage::

    .venv/bin/python benchmarks/bench_tiles.py [--n 1000000] [--tiles 2] \\
        [--cell-size-m 50] [--bandwidth-m 400] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_store_5m import parts, places  # noqa: E402
from hotspots.analysis.grid import Grid, make_grid  # noqa: E402
from hotspots.analysis.kde import kde_surface  # noqa: E402


def _tiles(grid: Grid, k: int) -> list[tuple[int, int, Grid]]:
    """``k`` x ``k`` sub-grids: (first row, first column, grid)."""
    out = []
    rows = np.array_split(np.arange(grid.nrows), k)
    cols = np.array_split(np.arange(grid.ncols), k)
    for r in rows:
        for c in cols:
            sub = replace(
                grid, i0=grid.i0 + int(c[0]), j0=grid.j0 + int(r[0]),
                ncols=len(c), nrows=len(r),
                mask=np.ones((len(r), len(c)), dtype=bool), area=None,
            )  # fmt: skip
            out.append((int(r[0]), int(c[0]), sub))
    return out


def _tile_surface(
    args: tuple[NDArray, NDArray, Grid, float, float],
) -> NDArray[np.float64]:
    """One tile's surface from the points inside it grown by ``halo_m``."""
    x, y, tile, bandwidth_m, halo_m = args
    c = tile.cell_size_m
    x0, y0 = tile.i0 * c - halo_m, tile.j0 * c - halo_m
    x1, y1 = (tile.i0 + tile.ncols) * c + halo_m, (tile.j0 + tile.nrows) * c + halo_m
    keep = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return kde_surface(x[keep], y[keep], tile, bandwidth_m, workers=1)


def by_tiles(
    x: NDArray, y: NDArray, grid: Grid, bandwidth_m: float, k: int,
    halo_m: float, workers: int,
) -> tuple[NDArray[np.float64], float]:  # fmt: skip
    """The stitched surface and the wall seconds."""
    tiles = _tiles(grid, k)
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        surfaces = list(pool.map(
            _tile_surface, [(x, y, t, bandwidth_m, halo_m) for _, _, t in tiles]
        ))  # fmt: skip
    out = np.zeros((grid.nrows, grid.ncols))
    for (r, c, tile), surface in zip(tiles, surfaces, strict=True):
        out[r : r + tile.nrows, c : c + tile.ncols] = surface.reshape(
            tile.nrows, tile.ncols
        )
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Compute whole and tiled surfaces; print differences and times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=2)
    parser.add_argument("--cell-size-m", type=float, default=50.0)
    parser.add_argument("--bandwidth-m", type=float, default=400.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    frames = list(parts(args.n, places(7), 7))
    x = np.concatenate([f["easting"].to_numpy() for f in frames])
    y = np.concatenate([f["northing"].to_numpy() for f in frames])
    grid = make_grid((x.min(), y.min(), x.max(), y.max()), args.cell_size_m)
    grid = replace(grid, mask=np.ones((grid.nrows, grid.ncols), dtype=bool))
    start = time.perf_counter()
    whole = kde_surface(x, y, grid, args.bandwidth_m, workers=1).reshape(
        grid.nrows, grid.ncols
    )
    whole_s = time.perf_counter() - start
    print(f"{args.n:,} points, {grid.nrows} x {grid.ncols} cells of "
          f"{args.cell_size_m:g} m, bandwidth {args.bandwidth_m:g} m")  # fmt: skip
    print(f"whole, one process: {whole_s:.2f} s; peak {whole.max():.1f} per km2")
    for halo in (args.bandwidth_m, 0.0):
        tiled, seconds = by_tiles(
            x, y, grid, args.bandwidth_m, args.tiles, halo, args.workers
        )
        diff = np.abs(tiled - whole)
        print(
            f"{args.tiles}x{args.tiles} tiles, halo {halo:g} m, {args.workers} "
            f"processes: {seconds:.2f} s; largest difference {diff.max():.3g} per "
            f"km2 ({diff.max() / whole.max():.2%} of the peak); cells differing "
            f"by more than 1e-9: {(diff > 1e-9).sum():,} of {diff.size:,}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
