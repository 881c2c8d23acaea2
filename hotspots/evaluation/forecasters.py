"""Maps to backtest: each turns the incidents before an origin into a cell score.

Every forecaster sees a :class:`History` (the training incidents as points and
as monthly counts on the common evaluation grid) and returns one score per grid
cell, shape ``(nrows, ncols)``; higher means hotter. Parameters are fields, so
``parameters()`` reports every one. ``window`` counts months back from the
origin (``None``: every month before it).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from hotspots.analysis.gistar import gistar_grid, neighbour_offsets
from hotspots.analysis.grid import Grid, bin_points
from hotspots.analysis.kde import kde_surface

__all__ = [
    "Blend",
    "Borrow",
    "Counts",
    "Decay",
    "Forecaster",
    "GiStar",
    "History",
    "Kde",
    "Prospective",
    "default_forecasters",
]

M2_PER_KM2 = 1e6


@dataclass(frozen=True, eq=False)
class History:
    """Training incidents: coordinates (m, EPSG:27700) and slice index per point.

    Slice ``n_slices - 1`` is the last one before the origin.
    """

    grid: Grid
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    t: NDArray[np.int64]
    n_slices: int
    #: Every incident (all themes) before the origin, for recipes that borrow
    #: strength from the other themes; None: the theme's own.
    context: History | None = None

    def slice_counts(self) -> NDArray[np.float64]:
        """Counts per slice and cell, shape ``(n_slices, nrows, ncols)``."""
        g = self.grid
        row, col, ok = g.index(self.x, self.y)
        flat = (self.t[ok] * g.nrows + row[ok]) * g.ncols + col[ok]
        size = self.n_slices * g.nrows * g.ncols
        cube = np.bincount(flat, minlength=size).astype("float64")
        return cube.reshape(self.n_slices, g.nrows, g.ncols)

    def recent(self, window: int | None) -> NDArray[np.bool_]:
        """Points in the last ``window`` slices (all with None)."""
        if window is None:
            return np.ones(self.t.size, dtype=bool)
        return self.t >= self.n_slices - int(window)

    def counts(self, window: int | None = None) -> NDArray[np.float64]:
        """Counts per cell over the last ``window`` slices."""
        keep = self.recent(window)
        n, _ = bin_points(self.grid, self.x[keep], self.y[keep])
        return n.astype("float64")


class Forecaster(Protocol):
    """A map recipe: a name, its parameters, and a score per cell."""

    name: str

    def __call__(self, history: History) -> NDArray[np.float64]: ...

    def parameters(self) -> dict[str, Any]: ...


class _Params:
    def parameters(self) -> dict[str, Any]:
        """Every parameter of the recipe."""
        return {k: v for k, v in asdict(self).items() if k != "name"}  # type: ignore[call-overload]


@dataclass(frozen=True)
class Counts(_Params):
    """Incidents per cell over the last ``window`` months."""

    name: str = "counts"
    window: int | None = None

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        return history.counts(self.window)


@dataclass(frozen=True)
class Decay(_Params):
    """Counts weighted ``0.5 ** (age / half_life_months)``, age 0 = last month."""

    name: str = "decay"
    half_life_months: float = 3.0

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        age = history.n_slices - 1 - history.t
        w = 0.5 ** (age / float(self.half_life_months))
        n, ws = bin_points(history.grid, history.x, history.y, w)
        return ws if ws is not None else n.astype("float64")


@dataclass(frozen=True)
class Kde(_Params):
    """Quartic KDE (expected incidents per cell) of the last ``window`` months."""

    name: str = "kde"
    bandwidth_m: float = 200.0
    window: int | None = None

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        keep = history.recent(self.window)
        g = history.grid
        dens = kde_surface(history.x[keep], history.y[keep], g, self.bandwidth_m)
        return dens * (g.cell_area_m2 / M2_PER_KM2)


@dataclass(frozen=True)
class GiStar(_Params):
    """Gi* z of the counts over the last ``window`` months (queen ring default)."""

    name: str = "gistar"
    window: int | None = 3
    distance_m: float | None = None

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        g = history.grid
        d = self.distance_m or g.cell_size_m * math.sqrt(2)
        z, _ = gistar_grid(
            history.counts(self.window), g.mask, neighbour_offsets(g.cell_size_m, d)
        )
        return np.nan_to_num(z, nan=-np.inf)


@dataclass(frozen=True)
class Prospective(_Params):
    """Prospective hotspotting (Bowers, Johnson & Pease 2004).

    Each incident adds ``1 / ((1 + d) (1 + t))`` to cells within
    ``bandwidth_m``: ``d`` the L-infinity distance in cells, ``t`` its age in
    months (0 = last month), only ages below ``months`` (400 m, 2 months).
    """

    name: str = "prospective"
    bandwidth_m: float = 400.0
    months: int = 2

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        from scipy import ndimage  # ~0.15 s to import: backtests only

        g = history.grid
        k = max(0, math.ceil(self.bandwidth_m / g.cell_size_m) - 1)
        dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
        d = np.maximum(np.abs(dy), np.abs(dx))
        kernel = np.where(d * g.cell_size_m < self.bandwidth_m, 1.0 / (1.0 + d), 0.0)
        cube = history.slice_counts()
        out = np.zeros((g.nrows, g.ncols))
        for age in range(min(int(self.months), history.n_slices)):
            layer = cube[history.n_slices - 1 - age]
            out += ndimage.correlate(layer, kernel, mode="constant") / (1.0 + age)
        return out


@dataclass(frozen=True)
class Blend(_Params):
    """Counts over ``window`` months plus ``kde_weight`` x their KDE per cell.

    The KDE term (expected incidents per cell) spreads a little weight to
    neighbours of busy snap points and breaks ties between equal counts.
    """

    name: str = "blend"
    window: int | None = None
    bandwidth_m: float = 200.0
    kde_weight: float = 0.5
    half_life_months: float | None = None

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        if self.half_life_months is None:
            base = history.counts(self.window)
        else:
            base = Decay(half_life_months=self.half_life_months)(history)
        smooth = Kde(bandwidth_m=self.bandwidth_m, window=self.window)(history)
        return base + float(self.kde_weight) * smooth


@dataclass(frozen=True)
class Borrow(_Params):
    """The theme's counts plus ``weight`` x every incident's counts (all themes).

    Places busy for all incidents are likelier to be busy for the theme: with a
    few months of one theme, its counts are noisy, and the other themes steady
    them (shrinkage towards the all-incident map).
    """

    name: str = "borrow"
    window: int | None = None
    weight: float = 0.5

    def __call__(self, history: History) -> NDArray[np.float64]:
        """Score per cell."""
        own = history.counts(self.window)
        other = history.context or history
        return own + float(self.weight) * other.counts(self.window)


def default_forecasters() -> dict[str, Forecaster]:
    """The methods and baselines of a standard backtest, by label."""
    items: list[tuple[str, Forecaster]] = [
        ("counts last month", Counts(window=1)),
        ("counts 3 months", Counts(window=3)),
        ("counts all months", Counts(window=None)),
        ("decayed counts (half-life 2 m)", Decay(half_life_months=2.0)),
        ("decayed counts (half-life 6 m)", Decay(half_life_months=6.0)),
        ("KDE 100 m, 3 months", Kde(bandwidth_m=100.0, window=3)),
        ("KDE 200 m, 3 months", Kde(bandwidth_m=200.0, window=3)),
        ("KDE 400 m, 3 months", Kde(bandwidth_m=400.0, window=3)),
        ("Gi* z, 3 months", GiStar(window=3)),
        ("prospective 400 m, 2 months", Prospective()),
        ("counts all + 0.5 KDE 200 m", Blend(kde_weight=0.5)),
        (
            "decayed (6 m) + 0.5 KDE 150 m",
            Blend(bandwidth_m=150.0, kde_weight=0.5, half_life_months=6.0),
        ),
        ("counts all + 0.5 all-theme counts", Borrow(weight=0.5)),
    ]
    return dict(items)
