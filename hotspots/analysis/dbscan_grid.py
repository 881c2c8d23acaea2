"""Exact weighted DBSCAN on a grid of cells a hair under ``eps / sqrt(2)`` wide.

Equals ``sklearn.cluster.DBSCAN(eps, min_samples).fit(xy, sample_weight=w)``
label for label (numbering included), in ``O(n)`` memory and without holding
neighbour lists, so a million distinct locations cluster in seconds where
scikit-learn runs out of memory.

How
---
* Cells: side ``s = eps (1 - 1e-9) / sqrt(2)``, so any two points of one cell are
  within ``eps`` even after rounding, and every point within ``eps`` of a point
  lies in the 5 x 5 block of cells around its own (two cells apart is at least
  ``2 s > eps``; the corners of the block can hold a point exactly ``eps`` away,
  which scikit-learn counts, so all 25 are searched).
* Core points: a cell whose weight reaches ``min_samples`` is all core. In the
  other cells each point's weight within ``eps`` is its own cell's weight plus
  the points of the 24 cells around found within ``eps`` (``dx*dx + dy*dy <=
  eps*eps``, the comparison scikit-learn's KD-tree makes); points that reach
  ``min_samples`` stop being searched, nearest cells first.
* Clusters: the core points of one cell are one clump; two neighbouring cells
  join (connected components over cells, i.e. union-find) when some pair of
  their core points is within ``eps``. Each pair of cells is first tried on the
  two core points furthest towards each other; only the pairs that fail are
  searched, and only among the points within ``eps`` of the other cell.
* Numbering and border points, as scikit-learn: it visits points in input order
  and grows a cluster from each core point not yet labelled, so clusters are
  numbered by their first core point in input order, and a border point (not
  core, with a core point within ``eps``) takes the cluster, among those it
  touches, that is numbered first.

Where it may differ: only where a sum of *non-integer* weights equals
``min_samples`` to the last bit (the sums are added in another order), and for
fewer than 12 points, where scikit-learn switches to a brute-force distance with
other rounding. Integer weights (incident counts) give identical labels.

Cost: ``25 x`` locations cell look-ups plus the point checks, at most the
locations in cells below ``min_samples`` times the locations of their 24
neighbouring cells (:meth:`GridDBSCAN.checks`, counted before any work).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from hotspots.errors import InvalidParameterError

__all__ = ["CELL_SHARE", "GridDBSCAN", "grid_dbscan"]

#: Cell side as a share of eps: a hair under 1/sqrt(2) (see the module docs).
CELL_SHARE = (1 - 1e-9) / math.sqrt(2)
#: Cells searched on each side of a point's own cell.
REACH = 2
#: Point pairs checked per vectorised step (~50 bytes each).
CHUNK_PAIRS = 1_000_000


def _offsets() -> list[tuple[int, int]]:
    """The 24 neighbouring cell offsets, nearest first (then by dx, dy)."""
    cells = [
        (dx, dy)
        for dx in range(-REACH, REACH + 1)
        for dy in range(-REACH, REACH + 1)
        if (dx, dy) != (0, 0)
    ]
    gap = [max(abs(dx) - 1, 0) ** 2 + max(abs(dy) - 1, 0) ** 2 for dx, dy in cells]
    return [c for _, c in sorted(zip(gap, cells, strict=True))]


OFFSETS = _offsets()
#: One of each pair of opposite offsets: the cell pairs to join.
HALF_OFFSETS = [(dx, dy) for dx, dy in OFFSETS if dx > 0 or (dx == 0 and dy > 0)]


@dataclass(frozen=True)
class _Frame:
    """The grid: origin, cell side and the key stride of a column."""

    x0: float
    y0: float
    side: float
    stride: int

    def cells(self, x: NDArray, y: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        """Column, row and key of the cell of each point."""
        ix = np.floor((x - self.x0) / self.side).astype(np.int64)
        iy = np.floor((y - self.y0) / self.side).astype(np.int64)
        return ix, iy, (ix + REACH) * self.stride + (iy + REACH)

    def delta(self, dx: int, dy: int) -> int:
        """Key difference of the cell ``(dx, dy)`` away."""
        return dx * self.stride + dy


@dataclass(frozen=True)
class _Cells:
    """Points sorted by cell; each occupied cell's key, first point and count."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    cell: NDArray[np.intp]  # cell number of each sorted point
    keys: NDArray[np.int64]
    start: NDArray[np.intp]
    count: NDArray[np.intp]

    @classmethod
    def build(cls, x: NDArray, y: NDArray, key: NDArray) -> _Cells:
        """Index points already sorted by ``key``."""
        first = np.ones(key.size, dtype=bool)
        first[1:] = key[1:] != key[:-1]
        start = np.flatnonzero(first)
        count = np.diff(np.append(start, key.size))
        return cls(x, y, np.cumsum(first) - 1, key[start], start, count)

    def find(self, keys: NDArray) -> NDArray[np.intp]:
        """Cell number of each key, -1 where no point is in that cell."""
        if self.keys.size == 0:
            return np.full(keys.size, -1, dtype=np.intp)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[pos] == keys, pos, -1)


def _pairs(
    qx: NDArray, qy: NDArray, cell: NDArray, target: _Cells, eps2: float
) -> Iterator[tuple[NDArray, NDArray]]:
    """Pairs (query index, target index) within eps, the target in ``cell``.

    ``cell``: for each query point, a cell number of ``target`` (-1: none).
    Chunked so that about :data:`CHUNK_PAIRS` pairs are held at once.
    """
    queries = np.flatnonzero(cell >= 0)
    if queries.size == 0:
        return
    cell = cell[queries]
    count, start = target.count[cell], target.start[cell]
    cum = np.cumsum(count)
    cuts = np.searchsorted(cum, np.arange(CHUNK_PAIRS, cum[-1], CHUNK_PAIRS)) + 1
    edges = np.unique(np.clip(np.r_[0, cuts, queries.size], 0, queries.size))
    for a, b in itertools.pairwise(edges.tolist()):
        n = count[a:b]
        before = cum[a:b] - n  # pairs of earlier queries in this chunk
        before -= before[0]
        ti = np.arange(int(before[-1] + n[-1])) + np.repeat(start[a:b] - before, n)
        dx = np.repeat(qx[queries[a:b]], n) - target.x[ti]
        dy = np.repeat(qy[queries[a:b]], n) - target.y[ti]
        near = dx * dx + dy * dy <= eps2
        yield np.repeat(queries[a:b], n)[near], ti[near]


def _frame(x: NDArray, y: NDArray, eps: float) -> _Frame:
    """The grid over the points; refused if its cell keys would not fit int64."""
    side = eps * CELL_SHARE
    x0, y0 = float(x.min()), float(y.min())
    rows = int(np.floor((float(y.max()) - y0) / side)) + 1
    cols = int(np.floor((float(x.max()) - x0) / side)) + 1
    stride = rows + 2 * REACH + 1
    if (cols + 2 * REACH + 1) * stride >= 2**62:
        raise InvalidParameterError(
            f"eps_m={eps:g} is too small for an extent of {cols * side:,.0f} x "
            f"{rows * side:,.0f} m: give a larger eps_m"
        )
    return _Frame(x0, y0, side, stride)


def _extreme(c: _Cells, ox: float, oy: float) -> NDArray[np.intp]:
    """Index of each cell's point furthest along direction (ox, oy)."""
    proj = c.x * ox + c.y * oy
    top = np.maximum.reduceat(proj, c.start)
    idx = np.flatnonzero(proj == top[c.cell])
    first = np.ones(idx.size, dtype=bool)
    first[1:] = c.cell[idx[1:]] != c.cell[idx[:-1]]
    return idx[first]


def _near_cell(
    x: NDArray, y: NDArray, frame: _Frame, col: NDArray, row: NDArray, eps: float
) -> NDArray[np.bool_]:
    """Points within eps (generously: it is a filter) of cell (col, row) each."""
    s = frame.side
    lo_x, lo_y = frame.x0 + col * s, frame.y0 + row * s
    gx = np.maximum(np.maximum(lo_x - x, x - (lo_x + s)), 0.0)
    gy = np.maximum(np.maximum(lo_y - y, y - (lo_y + s)), 0.0)
    return gx * gx + gy * gy <= (eps * (1 + 1e-6)) ** 2


def _join_cells(c: _Cells, frame: _Frame, eps: float) -> NDArray[np.intp]:
    """Connected component of each core cell (cells joined by a pair within eps)."""
    eps2 = eps * eps
    n = c.keys.size
    col = c.keys // frame.stride - REACH
    row = c.keys % frame.stride - REACH
    a_all, b_all = [np.arange(n)], [np.arange(n)]
    for dx, dy in HALF_OFFSETS:
        b = c.find(c.keys + frame.delta(dx, dy))
        a = np.flatnonzero(b >= 0)
        if a.size == 0:
            continue
        b = b[a]
        ra, rb = _extreme(c, dx, dy)[a], _extreme(c, -dx, -dy)[b]
        ddx, ddy = c.x[ra] - c.x[rb], c.y[ra] - c.y[rb]
        joined = ddx * ddx + ddy * ddy <= eps2
        a_all.append(a[joined])
        b_all.append(b[joined])
        target = np.full(n, -1, dtype=np.intp)  # cell b of each open cell a
        target[a[~joined]] = b[~joined]
        pts = np.flatnonzero(target[c.cell] >= 0)
        cell = c.cell[pts]
        pts = pts[
            _near_cell(c.x[pts], c.y[pts], frame, col[cell] + dx, row[cell] + dy, eps)
        ]
        for qi, ti in _pairs(c.x[pts], c.y[pts], target[c.cell[pts]], c, eps2):
            a_all.append(c.cell[pts[qi]])
            b_all.append(c.cell[ti])
    a_cat, b_cat = np.concatenate(a_all), np.concatenate(b_all)
    graph = sparse.coo_matrix((np.ones(a_cat.size, np.int8), (a_cat, b_cat)), (n, n))
    return connected_components(graph.tocsr(), directed=False)[1]


class GridDBSCAN:
    """Points binned once on the eps grid: the cost, then the labels.

    Parameters
    ----------
    xy : array of shape (n, 2)
        Coordinates in metres (distinct or not).
    weight : array of shape (n,), optional
        Non-negative sample weights (default 1).
    eps : float
        Neighbourhood radius in metres (a neighbour is at distance <= eps).
    """

    def __init__(self, xy: NDArray, weight: NDArray | None, eps: float) -> None:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.n = len(xy)
        self.eps = float(eps)
        w = np.ones(self.n) if weight is None else np.asarray(weight, np.float64)
        x, y = xy[:, 0], xy[:, 1]
        if self.n == 0:
            x = y = np.zeros(1)
        self.frame = _frame(x, y, self.eps)
        key = self.frame.cells(xy[:, 0], xy[:, 1])[2]
        self.order = np.argsort(key, kind="stable")
        self.cells = _Cells.build(x[self.order], y[self.order], key[self.order])
        self.w = w[self.order]
        self.cell_w = (
            np.add.reduceat(self.w, self.cells.start) if self.n else np.zeros(0)
        )
        # Offsets of the points from their cell's south-west corner.
        self.u = self.cells.x - (
            self.frame.x0
            + (self.cells.keys[self.cells.cell] // self.frame.stride - REACH)
            * self.frame.side
        )
        self.v = self.cells.y - (
            self.frame.y0
            + (self.cells.keys[self.cells.cell] % self.frame.stride - REACH)
            * self.frame.side
        )
        self._around: dict[tuple[int, int], NDArray[np.intp]] = {}

    def around(self, dx: int, dy: int) -> NDArray[np.intp]:
        """For each cell, the cell number ``(dx, dy)`` away (-1: empty)."""
        if (dx, dy) not in self._around:
            keys = self.cells.keys + self.frame.delta(dx, dy)
            self._around[dx, dy] = self.cells.find(keys)
        return self._around[dx, dy]

    def checks(self, min_samples: float) -> int:
        """Most point pairs checked for core points, counted before any is.

        Points in cells lighter than ``min_samples`` times the points of
        their 24 neighbouring cells.
        """
        light = self.cell_w < min_samples
        around = np.zeros(light.sum(), dtype=np.int64)
        for dx, dy in OFFSETS:
            found = self.around(dx, dy)[light]
            around += np.where(found >= 0, self.cells.count[found], 0)
        return int((self.cells.count[light] * around).sum())

    def _reach(
        self, points: NDArray[np.intp], dx: int, dy: int
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Whether the cell (dx, dy) away from each point's own lies wholly
        within eps of the point, or wholly beyond (then none of its points
        need checking).

        Both tests keep a margin of ``1e-7 eps`` + 1 micrometre, so a point
        whose distance rounding could decide goes to the exact check.
        """
        s = self.frame.side
        u, v = self.u[points], self.v[points]
        near_x = dx * s - u if dx > 0 else (u - (dx + 1) * s if dx < 0 else 0.0)
        near_y = dy * s - v if dy > 0 else (v - (dy + 1) * s if dy < 0 else 0.0)
        far_x = (dx + 1) * s - u if dx > 0 else u - dx * s
        far_y = (dy + 1) * s - v if dy > 0 else v - dy * s
        if dx == 0:
            far_x = np.maximum(u, s - u)
        if dy == 0:
            far_y = np.maximum(v, s - v)
        margin = 1e-7 * self.eps + 1e-6
        outside = near_x * near_x + near_y * near_y > (self.eps + margin) ** 2
        inside = far_x * far_x + far_y * far_y < (self.eps - margin) ** 2
        return np.asarray(inside), np.asarray(outside)

    def core(self, ms: float) -> NDArray[np.bool_]:
        """Core flag of each point, in cell order (:attr:`order` maps to input).

        A point is core when the weight within eps, itself included, reaches
        ``ms`` (see the module docs).
        """
        c, eps2 = self.cells, self.eps * self.eps
        acc = self.cell_w[c.cell]
        core = acc >= ms
        todo = np.flatnonzero(~core)
        for dx, dy in OFFSETS:
            if todo.size == 0:
                break
            target = self.around(dx, dy)[c.cell[todo]]
            inside, outside = self._reach(todo, dx, dy)
            inside &= target >= 0
            extra = np.where(inside, self.cell_w[target], 0.0)
            target[inside | outside] = -1
            for qi, ti in _pairs(c.x[todo], c.y[todo], target, c, eps2):
                extra += np.bincount(qi, weights=self.w[ti], minlength=todo.size)
            acc[todo] += extra
            done = acc[todo] >= ms
            core[todo[done]] = True
            todo = todo[~done]
        return core

    def labels(self, min_samples: float) -> NDArray[np.intp]:
        """Labels equal to scikit-learn's DBSCAN (``-1`` noise), same numbering."""
        labels = np.full(self.n, -1, dtype=np.intp)
        if self.n == 0:
            return labels
        c = self.cells
        core = self.core(float(min_samples))
        if not core.any():
            return labels
        cpos = np.flatnonzero(core)
        key = c.keys[c.cell[cpos]]
        cc = _Cells.build(c.x[cpos], c.y[cpos], key)
        component = _join_cells(cc, self.frame, self.eps)[cc.cell]
        first = np.full(component.max() + 1, self.n, dtype=np.intp)
        np.minimum.at(first, component, self.order[cpos])
        rank = np.empty(first.size, dtype=np.intp)
        rank[np.argsort(first)] = np.arange(first.size)
        out = np.full(self.n, -1, dtype=np.intp)  # in cell order
        out[cpos] = core_label = rank[component]
        rest = np.flatnonzero(~core)
        best = np.full(rest.size, self.n, dtype=np.intp)
        to_core = cc.find(c.keys)  # each cell's core cell number
        for dx, dy in [(0, 0), *OFFSETS]:
            near = self.around(dx, dy) if (dx, dy) != (0, 0) else np.arange(c.keys.size)
            target = np.where(near >= 0, to_core[near], -1)[c.cell[rest]]
            if (dx, dy) != (0, 0):
                target[self._reach(rest, dx, dy)[1]] = -1
            for qi, ti in _pairs(c.x[rest], c.y[rest], target, cc, self.eps**2):
                np.minimum.at(best, qi, core_label[ti])
        out[rest] = np.where(best < self.n, best, -1)
        labels[self.order] = out
        return labels


def grid_dbscan(
    xy: NDArray, weight: NDArray | None, eps: float, min_samples: float
) -> NDArray[np.intp]:
    """DBSCAN labels equal to scikit-learn's (``-1`` noise), by the grid method.

    ``min_samples``: weight within eps (the point itself included) that makes
    a core point. See :class:`GridDBSCAN` for the other parameters.
    """
    return GridDBSCAN(xy, weight, eps).labels(min_samples)
