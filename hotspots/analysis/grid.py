"""Regular grids in British National Grid metres, and incident counts per cell.

A grid is square (default) or hexagonal, its origin aligned to multiples of the
cell size so that the same cell has the same ``cell_id`` in every run and period.
With a study area the grid covers the area's bounding box and keeps the cells that
share some area with it (touching its edge is not enough), whole by default or
trimmed to the boundary with ``clip=True``; without one it covers the points'
bounding box.

Cell ids
--------
Square: ``"sq{size}_{x}_{y}"`` from the cell's lower-left corner, e.g.
``"sq100_464000_100500"``. Hexagon: ``"hex{size}_{x}_{y}"`` from the centre
(pointy-top hexagons, ``size`` = distance between neighbouring centres =
flat-to-flat width, rows ``size * sqrt(3) / 2`` apart, odd rows shifted half a
cell). Numbers are metres, at most 3 decimals, trailing zeros dropped.

Default cell size (sfhotspot's rule)
------------------------------------
``side = min(width, height)`` of the study area's (else the points') bounding box;
``cell = floor(side / 50 / 100) * 100`` if that is > 0, else ``side / 50``
(rounded down to whole metres here, so ids stay clean); never below
``min_cell_size_m`` (50 m: police.uk locations are snapped to points ~100-150 m
apart in cities, so smaller cells only split snap points apart).
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.analysis.polygons import DEFAULT_TOP_PERCENT, top_cells
from hotspots.analysis.result import HotspotResult
from hotspots.analysis.validate import (
    AREA_CACHE_SIZE,
    DEFAULT_MAX_CELLS,
    DEFAULT_MIN_CELL_SIZE_M,
    AreaLike,
    PreparedPoints,
    as_area,
    check_choice,
    check_grid_size,
    check_positive,
    prepare_points,
)
from hotspots.crs import BNG
from hotspots.errors import InvalidParameterError

__all__ = [
    "CELL_SIZE_RULE",
    "SHAPES",
    "Grid",
    "GridCells",
    "bin_points",
    "cells_frame",
    "count_points",
    "coverage_summary",
    "default_cell_size",
    "grid_counts",
    "grid_for_points",
    "make_grid",
]

SHAPES = ("square", "hex")
CELL_SIZE_RULE = (
    "sfhotspot: side=min(width,height) of area or points bbox; "
    "floor(side/5000)*100 if > 0 else floor(side/50); at least min_cell_size_m"
)
SQRT3 = math.sqrt(3.0)
#: pandas' default string dtype (Arrow-backed in pandas 3), as the ids had before.
ID_DTYPE = "str"


@dataclass(frozen=True, eq=False)
class Grid:
    """A grid of ``nrows x ncols`` cells aligned to multiples of the cell size.

    Cell ``(row, col)`` has global lattice index ``(j0 + row, i0 + col)``; for
    squares its lower-left corner is ``((i0 + col) * size, (j0 + row) * size)``.
    ``mask[row, col]`` is True for cells in the study area (all True without one).
    """

    shape: str
    cell_size_m: float
    i0: int
    j0: int
    ncols: int
    nrows: int
    mask: NDArray[np.bool_]
    area: BaseGeometry | None = None

    @property
    def row_step_m(self) -> float:
        """Distance between row centres: the size, or size*sqrt(3)/2 for hexagons."""
        return self.cell_size_m * (SQRT3 / 2 if self.shape == "hex" else 1.0)

    @property
    def cell_area_m2(self) -> float:
        """Area of one (whole) cell in square metres."""
        c = self.cell_size_m
        return c * c * (SQRT3 / 2 if self.shape == "hex" else 1.0)

    @property
    def n_cells(self) -> int:
        """Number of cells in the study area."""
        return int(self.mask.sum())

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell centre coordinates as two ``(nrows, ncols)`` arrays (metres)."""
        c = self.cell_size_m
        cols = self.i0 + np.arange(self.ncols, dtype="float64")
        rows = self.j0 + np.arange(self.nrows, dtype="float64")
        if self.shape == "hex":
            shift = 0.5 * ((self.j0 + np.arange(self.nrows)) % 2)
            x = (cols[None, :] + shift[:, None]) * c
            return x, np.broadcast_to(rows[:, None] * self.row_step_m, x.shape).copy()
        x, y = np.meshgrid((cols + 0.5) * c, (rows + 0.5) * c)
        return x, y

    def geometries(self) -> NDArray[np.object_]:
        """Polygons of the cells in the mask, row-major from the south-west."""
        if self.shape == "hex":
            cx, cy = self.centres()
            return _hexagons(cx[self.mask], cy[self.mask], self.cell_size_m)
        rows, cols = np.nonzero(self.mask)
        c = self.cell_size_m
        # Shared edges come from the same expression, so neighbours match exactly.
        x0, y0 = (self.i0 + cols) * c, (self.j0 + rows) * c
        return shapely.box(x0, y0, (self.i0 + cols + 1) * c, (self.j0 + rows + 1) * c)

    def cell_ids(self) -> pd.Series:
        """Stable ids of the cells in the mask, in the order of :meth:`geometries`.

        A pandas ``str`` Series. Square ids are joined in Arrow from one prefix
        per column and one suffix per row (1M ids in ~0.1 s, ~26 MB), not
        formatted one Python string at a time (~0.5 s, ~70 MB of objects).
        """
        c = self.cell_size_m
        size = _fmt(c)
        if self.shape == "hex":
            cx, cy = self.centres()
            ids = [
                f"hex{size}_{_fmt(a)}_{_fmt(b)}"
                for a, b in zip(cx[self.mask], cy[self.mask], strict=True)
            ]
            return pd.Series(ids, dtype=ID_DTYPE)
        heads = [f"sq{size}_{_fmt((self.i0 + k) * c)}_" for k in range(self.ncols)]
        tails = [_fmt((self.j0 + k) * c) for k in range(self.nrows)]
        rows, cols = np.nonzero(self.mask)
        ids = pc.binary_join_element_wise(
            pa.array(heads).take(cols), pa.array(tails).take(rows), ""
        )
        return pd.Series(ids, dtype=ID_DTYPE)

    def index(self, x: NDArray, y: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        """Row, column and in-grid flag of each point (boundary points included)."""
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        c = self.cell_size_m
        if self.shape == "hex":
            j_glob, i_glob = _nearest_hex(x, y, c)
            row, col = j_glob - self.j0, i_glob - self.i0
        else:
            col = np.floor(x / c).astype(np.int64) - self.i0
            row = np.floor(y / c).astype(np.int64) - self.j0
        ok = (row >= 0) & (row < self.nrows) & (col >= 0) & (col < self.ncols)
        return row, col, ok


def _fmt(v: float) -> str:
    text = f"{round(float(v), 3) + 0.0:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _hexagons(cx: NDArray, cy: NDArray, size: float) -> NDArray[np.object_]:
    radius = size / SQRT3
    angles = np.deg2rad(np.array([30, 90, 150, 210, 270, 330, 30], dtype="float64"))
    xs = cx[:, None] + radius * np.cos(angles)[None, :]
    ys = cy[:, None] + radius * np.sin(angles)[None, :]
    return shapely.polygons(np.stack([xs, ys], axis=-1))


def _nearest_hex(x: NDArray, y: NDArray, size: float) -> tuple[NDArray, NDArray]:
    """Global (row, col) of the hexagon containing each point (nearest centre)."""
    step = size * SQRT3 / 2
    j_lo = np.floor(y / step).astype(np.int64)
    best_j = best_i = best_d = None
    for j in (j_lo, j_lo + 1):
        i = np.round(x / size - 0.5 * (j % 2)).astype(np.int64)
        d = (x - (i + 0.5 * (j % 2)) * size) ** 2 + (y - j * step) ** 2
        if best_d is None:
            best_j, best_i, best_d = j, i, d
        else:
            closer = d < best_d
            best_j = np.where(closer, j, best_j)
            best_i = np.where(closer, i, best_i)
            best_d = np.minimum(d, best_d)
    return best_j, best_i


def default_cell_size(
    bounds: tuple[float, float, float, float],
    min_cell_size_m: float = DEFAULT_MIN_CELL_SIZE_M,
) -> float:
    """Cell size in metres from an extent by sfhotspot's rule (see module docs).

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy)
        Extent of the study area, or of the points without one (metres).
    min_cell_size_m : float
        Floor on the result, metres.
    """
    minx, miny, maxx, maxy = bounds
    side = min(maxx - minx, maxy - miny)
    hundreds = math.floor(side / 50 / 100)
    cell = hundreds * 100.0 if hundreds > 0 else math.floor(side / 50)
    return float(max(cell, min_cell_size_m))


def _extent_indices(
    bounds: tuple[float, float, float, float], c: float, shape: str
) -> tuple[int, int, int, int]:
    minx, miny, maxx, maxy = bounds
    if shape == "hex":
        step = c * SQRT3 / 2
        i0, j0 = math.floor(minx / c) - 1, math.floor(miny / step) - 1
        return i0, j0, math.ceil(maxx / c) + 2 - i0, math.ceil(maxy / step) + 2 - j0
    i0, j0 = math.floor(minx / c), math.floor(miny / c)
    return i0, j0, math.floor(maxx / c) - i0 + 1, math.floor(maxy / c) - j0 + 1


def make_grid(
    bounds_or_area: tuple[float, float, float, float] | AreaLike,
    cell_size_m: float,
    *,
    shape: str = "square",
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Grid:
    """Build an aligned grid over an extent or a study area.

    Parameters
    ----------
    bounds_or_area : (minx, miny, maxx, maxy) or polygon/GeoSeries/GeoDataFrame
        Extent in metres, or a study area in EPSG:27700 (cells intersecting it are
        kept in ``mask``).
    cell_size_m : float
        Side of a square / centre spacing of hexagons, metres.
    shape : {"square", "hex"}
    max_cells : int
        Limit on ``nrows * ncols``; checked before anything is allocated.

    Returns
    -------
    Grid

    Raises
    ------
    GridTooLargeError
        If the grid would have more than ``max_cells`` cells.
    """
    c = check_positive("cell_size_m", cell_size_m)
    shape = check_choice("shape", shape, SHAPES)
    if isinstance(bounds_or_area, tuple | list | np.ndarray):
        area = None
        bounds = tuple(float(v) for v in bounds_or_area)
    else:
        area = as_area(bounds_or_area)
        bounds = area.bounds
    if len(bounds) != 4 or bounds[2] < bounds[0] or bounds[3] < bounds[1]:
        raise InvalidParameterError(
            f"bounds must be (minx, miny, maxx, maxy): {bounds}"
        )
    i0, j0, ncols, nrows = _extent_indices(bounds, c, shape)
    check_grid_size(ncols, nrows, c, bounds, max_cells)
    grid = Grid(shape, c, i0, j0, ncols, nrows, np.ones((nrows, ncols), dtype=bool))
    if area is None and shape == "square":
        return grid
    target = area if area is not None else shapely.box(*bounds)
    mask = _area_mask((shape, c, i0, j0, ncols, nrows), target).copy()
    return Grid(shape, c, i0, j0, ncols, nrows, mask, area)


@functools.lru_cache(maxsize=AREA_CACHE_SIZE)
def _area_mask(
    layout: tuple[str, float, int, int, int, int], area: BaseGeometry
) -> NDArray[np.bool_]:
    """Cells of the grid ``layout`` (shape, cell size, i0, j0, ncols, nrows)
    overlapping ``area``, kept by value (never modified: callers copy it): a
    layer's backtests grid the same study area a dozen times."""
    shape, c, i0, j0, ncols, nrows = layout
    grid = Grid(shape, c, i0, j0, ncols, nrows, np.ones((nrows, ncols), dtype=bool))
    shapely.prepare(area)
    if shape == "hex":
        mask = np.zeros((nrows, ncols), dtype=bool)
        mask[grid.mask] = _overlaps_area(area, grid.geometries())
        return mask
    return _square_mask(grid, area)


def _square_mask(grid: Grid, area: BaseGeometry) -> NDArray[np.bool_]:
    """Cells overlapping ``area``: centre inside, or crossed by the boundary.

    A cell overlaps the area iff its centre is inside or the boundary passes
    through it. Boundary cells are found from the boundary densified to c/2
    (every boundary point is within c/4 of a vertex, so its cell is within one
    cell of a vertex's cell) and confirmed with an exact box test.
    """
    cx, cy = grid.centres()
    mask = shapely.intersects_xy(area, cx.ravel(), cy.ravel()).reshape(cx.shape)
    c = grid.cell_size_m
    xy = shapely.get_coordinates(shapely.segmentize(area.boundary, c / 2))
    col = np.floor(xy[:, 0] / c).astype(np.int64) - grid.i0
    row = np.floor(xy[:, 1] / c).astype(np.int64) - grid.j0
    ok = (row >= 0) & (row < grid.nrows) & (col >= 0) & (col < grid.ncols)
    near = np.zeros_like(mask)
    near[row[ok], col[ok]] = True
    near = _dilate(near)
    rr, cc = np.nonzero(near & ~mask)
    x0, y0 = (grid.i0 + cc) * c, (grid.j0 + rr) * c
    mask[rr, cc] = _overlaps_area(area, shapely.box(x0, y0, x0 + c, y0 + c))
    return mask


def _dilate(cells: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Cells within one cell (queen ring) of a True cell, the cell itself included.

    Numpy for ``scipy.ndimage.binary_dilation`` with a 3 x 3 block, whose import
    costs ~0.15 s of the CLI's start.
    """
    rows, cols = cells.shape
    padded = np.zeros((rows + 2, cols + 2), dtype=bool)
    padded[1:-1, 1:-1] = cells
    across = padded[:, :-2] | padded[:, 1:-1] | padded[:, 2:]
    return across[:-2] | across[1:-1] | across[2:]


def _overlaps_area(area: BaseGeometry, cells: NDArray[np.object_]) -> NDArray:
    """Cells sharing some area with ``area`` (touching its boundary is not enough)."""
    return shapely.intersects(area, cells) & ~shapely.touches(area, cells)


def bin_points(
    grid: Grid, x: NDArray, y: NDArray, w: NDArray | None = None
) -> tuple[NDArray[np.int64], NDArray[np.float64] | None]:
    """Count points (and sum weights) per cell as ``(nrows, ncols)`` arrays.

    Points outside the grid are ignored; cells outside the mask are counted too
    (callers use ``grid.mask``).
    """
    row, col, ok = grid.index(x, y)
    flat = row[ok] * grid.ncols + col[ok]
    size = grid.nrows * grid.ncols
    n = np.bincount(flat, minlength=size).reshape(grid.nrows, grid.ncols)
    if w is None:
        return n, None
    ws = np.bincount(flat, weights=np.asarray(w, "float64")[ok], minlength=size)
    return n, ws.reshape(grid.nrows, grid.ncols)


#: Cell polygons and ids of the last grids framed, by grid: a layer for the same
#: area and cell size (another period or theme) reuses them instead of building
#: them again (0.5-0.8 s and ~300 MB of polygons for 1M cells). Polygons are
#: immutable; each caller gets its own array of them. At most
#: :data:`CELL_CACHE_GRIDS` grids and :data:`CELL_CACHE_MAX_CELLS` cells in all
#: (~350 MB resident at most; a city grid of 10-50k cells keeps ~15 MB).
CELL_CACHE_GRIDS = 2
CELL_CACHE_MAX_CELLS = 1_200_000
_cell_cache: OrderedDict[tuple[Any, ...], tuple[pd.Series, NDArray[np.object_]]] = (
    OrderedDict()
)
_cell_cache_lock = threading.Lock()


def _cell_key(grid: Grid) -> tuple[Any, ...]:
    digest = hashlib.blake2b(np.packbits(grid.mask).tobytes(), digest_size=16)
    key = (grid.shape, grid.cell_size_m, grid.i0, grid.j0, grid.ncols, grid.nrows)
    return (*key, digest.digest())


def _cached_cells(key: tuple[Any, ...]) -> tuple[pd.Series, NDArray] | None:
    with _cell_cache_lock:
        hit = _cell_cache.get(key)
        if hit is not None:
            _cell_cache.move_to_end(key)
    return hit


def _cells(grid: Grid) -> tuple[pd.Series, NDArray[np.object_]]:
    """Ids and polygons of ``grid``'s cells, from the cache when it has them."""
    key = _cell_key(grid)
    hit = _cached_cells(key)
    if hit is None:
        hit = (grid.cell_ids(), grid.geometries())
        if hit[1].size <= CELL_CACHE_MAX_CELLS:
            with _cell_cache_lock:
                _cell_cache[key] = hit
                while len(_cell_cache) > CELL_CACHE_GRIDS or (
                    sum(v[1].size for v in _cell_cache.values()) > CELL_CACHE_MAX_CELLS
                ):
                    _cell_cache.popitem(last=False)
    return hit[0].copy(), hit[1].copy()


def cells_frame(
    grid: Grid, columns: Mapping[str, NDArray | None], *, clip: bool = False
) -> gpd.GeoDataFrame:
    """GeoDataFrame of the cells in the mask: ``cell_id``, ``columns``, geometry.

    Parameters
    ----------
    grid : Grid
    columns : dict of name -> ``(nrows, ncols)`` array (None values are skipped)
    clip : bool
        Trim cells on the study-area boundary to the area (default: whole cells).
    """
    return GridCells.of(grid, columns, clip=clip).frame()


@dataclass(frozen=True, eq=False)
class GridCells:
    """A grid method's cells without their geometry: the grid and its columns.

    ``columns`` holds one 1-D array per column, in mask order (row-major from
    the south-west), the order of the rows of :meth:`frame`. Ids and polygons
    are built only by :meth:`cell_ids` and :meth:`frame`: for 1M cells they take
    ~1.5 s and ~300 MB, the statistic itself ~0.05 s.
    """

    grid: Grid
    columns: Mapping[str, NDArray]
    clip: bool = False

    @classmethod
    def of(
        cls, grid: Grid, columns: Mapping[str, NDArray | None], *, clip: bool = False
    ) -> GridCells:
        """The cells of ``grid`` with ``(nrows, ncols)`` columns (None skipped)."""
        mask = grid.mask
        every = mask.all()  # no study area: the columns as they are, flattened

        def masked(values: NDArray) -> NDArray:
            values = np.asarray(values)
            return values.reshape(-1) if every else values[mask]

        kept = {k: masked(v) for k, v in columns.items() if v is not None}
        return cls(grid, MappingProxyType(kept), bool(clip))

    def __len__(self) -> int:
        return self.grid.n_cells

    @property
    def clipped(self) -> bool:
        """True when boundary cells are trimmed to the study area."""
        return self.clip and self.grid.area is not None

    def cell_ids(self) -> pd.Series:
        """The cells' ids (pandas ``str``) in mask order, without polygons."""
        hit = _cached_cells(_cell_key(self.grid))
        return self.grid.cell_ids() if hit is None else hit[0].copy()

    def table(self) -> pd.DataFrame:
        """``cell_id`` and the columns, as :meth:`frame` without its geometry."""
        return pd.DataFrame({"cell_id": self.cell_ids()} | dict(self.columns))

    def frame(self) -> gpd.GeoDataFrame:
        """``cell_id``, the columns and the cells' polygons (EPSG:27700)."""
        ids, geoms = _cells(self.grid)
        if self.clipped:
            edge = ~shapely.contains(self.grid.area, geoms)
            geoms[edge] = shapely.intersection(geoms[edge], self.grid.area)
        data: dict[str, Any] = {"cell_id": ids}
        data |= {k: np.array(v) for k, v in self.columns.items()}
        return gpd.GeoDataFrame(data, geometry=geoms, crs=BNG)

    def positions(self) -> NDArray[np.int64]:
        """Row in mask order of each ``(nrows, ncols)`` cell, -1 outside the mask."""
        return self._positions

    @functools.cached_property
    def _positions(self) -> NDArray[np.int64]:
        flat = self.grid.mask.ravel()
        pos = np.full(flat.size, -1, dtype=np.int64)
        pos[flat] = np.arange(int(flat.sum()))
        return pos.reshape(self.grid.mask.shape)

    def holding(self, x: NDArray, y: NDArray) -> NDArray[np.int64]:
        """The cell (row in mask order) whose polygon holds each point, from the grid.

        -1 for a point in no cell's polygon; :data:`ON_EDGE` for a point the grid
        alone does not place: on a cell's edge or corner (so in two to four
        polygons), or any point of a hexagonal grid. Ask the polygons about those.
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        grid = self.grid
        if grid.shape != "square":
            return np.full(x.size, ON_EDGE, dtype=np.int64)
        c = grid.cell_size_m
        finite = np.isfinite(x) & np.isfinite(y)
        with np.errstate(invalid="ignore"):
            row, col, ok = grid.index(np.where(finite, x, 0), np.where(finite, y, 0))
        row, col = np.where(ok, row, 0), np.where(ok, col, 0)
        # Compared with the polygons' own coordinates (as Grid.geometries makes
        # them): inside is strictly between, so a point on an edge is not placed.
        x0, x1 = (grid.i0 + col) * c, (grid.i0 + col + 1) * c
        y0, y1 = (grid.j0 + row) * c, (grid.j0 + row + 1) * c
        inside = ok & finite & (x0 < x) & (x < x1) & (y0 < y) & (y < y1)
        out = np.where(inside, self.positions()[row, col], ON_EDGE)
        lo_x, hi_x = grid.i0 * c, (grid.i0 + grid.ncols) * c
        lo_y, hi_y = grid.j0 * c, (grid.j0 + grid.nrows) * c
        beyond = (x < lo_x) | (x > hi_x) | (y < lo_y) | (y > hi_y)
        out[~finite | (~inside & beyond)] = -1
        if self.clipped:
            self._trimmed_misses(out, x, y)
        return out

    def _trimmed_misses(self, held: NDArray[np.int64], x: NDArray, y: NDArray) -> None:
        """Set to -1 the points inside a trimmed cell's square but not its polygon.

        The trimmed polygons are made as :meth:`frame` makes them, only for the
        cells that hold points.
        """
        grid, c = self.grid, self.grid.cell_size_m
        cells = np.unique(held[held >= 0])
        rows, cols = np.nonzero(grid.mask)
        r, k = rows[cells], cols[cells]
        boxes = shapely.box(
            (grid.i0 + k) * c, (grid.j0 + r) * c,
            (grid.i0 + k + 1) * c, (grid.j0 + r + 1) * c,
        )  # fmt: skip
        edge = ~shapely.contains(grid.area, boxes)
        if not edge.any():
            return
        trimmed = cells[edge]
        polygons = shapely.intersection(boxes[edge], grid.area)
        at = np.nonzero(np.isin(held, trimmed))[0]
        which = np.searchsorted(trimmed, held[at])
        points = shapely.points(x[at], y[at])
        held[at[~shapely.intersects(polygons[which], points)]] = -1


#: :meth:`GridCells.holding`'s mark for a point only the polygons can place.
ON_EDGE = -2


def grid_for_points(
    prep: PreparedPoints,
    *,
    cell_size_m: float | None,
    shape: str = "square",
    min_cell_size_m: float = DEFAULT_MIN_CELL_SIZE_M,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> tuple[Grid, dict[str, Any], set[str]]:
    """Grid over the study area (else the points), with the parameters used.

    Returns
    -------
    grid, parameters, auto
        ``parameters`` has ``cell_size_m``, ``cell_size_rule``, ``shape``,
        ``min_cell_size_m``, ``max_cells``, ``study_area``; ``auto`` names the
        parameters chosen from the data.
    """
    floor_m = float(min_cell_size_m)
    if not math.isfinite(floor_m) or floor_m < 0:
        raise InvalidParameterError(f"min_cell_size_m must be >= 0, got {floor_m!r}")
    extent = prep.area.bounds if prep.area is not None else prep.bounds
    auto: set[str] = set()
    if cell_size_m is None:
        c = default_cell_size(extent, floor_m)
        if c <= 0:
            raise InvalidParameterError(
                "all incidents are at one location: give cell_size_m explicitly"
            )
        auto.add("cell_size_m")
    else:
        c = check_positive("cell_size_m", cell_size_m)
        if c < floor_m:
            raise InvalidParameterError(
                f"cell_size_m={c:g} is below min_cell_size_m={floor_m:g} (police.uk "
                "locations are snapped ~100-150 m apart); lower min_cell_size_m to "
                "insist"
            )
    target = prep.area if prep.area is not None else extent
    grid = make_grid(target, c, shape=shape, max_cells=int(max_cells))
    params = {
        "cell_size_m": c,
        "cell_size_rule": CELL_SIZE_RULE if "cell_size_m" in auto else "given",
        "shape": grid.shape,
        "min_cell_size_m": floor_m,
        "max_cells": int(max_cells),
        "study_area": prep.area is not None,
        "weight": prep.weight,
    }
    return grid, params, auto


def count_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    grid: Grid,
    *,
    weight: str | None = None,
    clip: bool = False,
) -> gpd.GeoDataFrame:
    """Count incidents in the cells of an existing grid.

    Returns
    -------
    GeoDataFrame (EPSG:27700)
        One row per cell in ``grid.mask``: ``cell_id``, ``n`` (count), ``w`` (weight
        sum, only with ``weight``), ``geometry``. Points outside the grid are ignored.
    """
    prep = prepare_points(points, weight=weight)
    n, w = bin_points(grid, prep.x, prep.y, prep.w)
    return cells_frame(grid, {"n": n, "w": w}, clip=clip)


def grid_counts(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cell_size_m: float | None = None,
    area: AreaLike | None = None,
    shape: str = "square",
    clip: bool = False,
    weight: str | None = None,
    top_percent: float = DEFAULT_TOP_PERCENT,
    min_cell_size_m: float = DEFAULT_MIN_CELL_SIZE_M,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> HotspotResult:
    """Incident counts on a square or hexagonal grid (method ``"grid"``).

    Parameters
    ----------
    points : GeoDataFrame/GeoSeries of Points, EPSG:27700
    cell_size_m : float, optional
        Cell size in metres; default from the data (module docs).
    area : polygon, GeoSeries or GeoDataFrame, optional
        Study area (EPSG:27700): points outside are dropped, cells intersecting it
        kept.
    shape : {"square", "hex"}
    clip : bool
        Trim boundary cells to the area (default False: whole cells).
    weight : str, optional
        Weight column (e.g. harm); adds the weight sum ``w``.
    top_percent : float
        Hotspot cells for ``hotspot_share``: the top ``top_percent`` % of cells
        by ``w`` (else ``n``), ties included, empty cells never.
    min_cell_size_m, max_cells
        Floor on the cell size (metres) and limit on the grid's cell count.

    Returns
    -------
    HotspotResult
        ``features``: ``cell_id``, ``n``, [``w``], ``geometry``, one row per cell
        in the area (empty cells included). ``summary``: ``incidents``,
        ``incidents_covered``, ``dropped_outside_area``, ``dropped_no_location``,
        ``area_km2``, ``cells``, ``hotspot_cells``, ``hotspot_share``, ``max_n``.
    """
    prep = prepare_points(points, area=area, weight=weight)
    grid, params, auto = grid_for_points(
        prep,
        cell_size_m=cell_size_m,
        shape=shape,
        min_cell_size_m=min_cell_size_m,
        max_cells=max_cells,
    )
    n, w = bin_points(grid, prep.x, prep.y, prep.w)
    value = (w if w is not None else n)[grid.mask]
    hot = top_cells(value, top_percent)
    params |= {"clip": bool(clip), "top_percent": float(top_percent)}
    params["cell_geometry"] = "clipped" if clip and grid.area is not None else "whole"
    summary = prep.counts_summary() | coverage_summary(grid, n, hot)
    cells = GridCells.of(grid, {"n": n, "w": w}, clip=clip)
    return HotspotResult("grid", cells, params, frozenset(auto), summary)


def coverage_summary(
    grid: Grid, n: NDArray, hot: NDArray[np.bool_]
) -> dict[str, float]:
    """Summary figures shared by grid methods.

    ``hot`` is a boolean over the masked cells (``n[grid.mask]`` order).
    """
    counts = n[grid.mask]
    covered = float(counts.sum())
    area = grid.area.area if grid.area is not None else grid.n_cells * grid.cell_area_m2
    return {
        "incidents_covered": covered,
        "area_km2": area / 1e6,
        "cells": float(grid.n_cells),
        "hotspot_cells": float(hot.sum()),
        "hotspot_share": float(counts[hot].sum() / covered) if covered else 0.0,
        "max_n": float(counts.max()) if counts.size else 0.0,
    }
