"""What a hotspot computation may cost, checked before any work is done.

Every method's parameters are bounded twice. First each value on its own:
``permutations`` at most :data:`MAX_PERMUTATIONS`, ``seed`` a 32-bit
non-negative integer, and every distance (Gi* band, KDE bandwidth, DBSCAN
radius) no longer than the study area's diagonal (a wider band makes every
cell a neighbour of every other: no hotspot can stand out, and memory grows
with its square). Then the work they ask for together, as elementary steps
(about 5-10 ns each on one core), against :data:`WORK_BUDGET`:

========  ======================================================  ============
method    steps                                                   memory bound
========  ======================================================  ============
gistar    cells x neighbours x (permutations + 1)                 FFT window
kde       padded FFT cells x 9 moments x log2, + points x ring    FFT cells
dbscan    25 x locations + 3 x point checks of the grid method    locations
          (counted exactly from the cell counts, before any work)
hdbscan   locations squared (after snapping)                      locations
========  ======================================================  ============

Over budget is an :class:`~hotspots.errors.InvalidParameterError` naming the
parameters and what to change (a 422 in the API, exit 2 in the CLI), never a
computation left to run for minutes. :meth:`Cost.parameters` reports the
estimate and the budget in a layer's ``parameters`` so analysts can audit it.
The CLI and the service use these same functions (they are called by the
methods themselves); nothing here imports a web framework or reads settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hotspots.errors import InvalidParameterError

__all__ = [
    "MAX_BANDWIDTH_M",
    "MAX_CELL_SIZE_M",
    "MAX_DISTANCE_M",
    "MAX_EPS_M",
    "MAX_FFT_CELLS",
    "MAX_HDBSCAN_LOCATIONS",
    "MAX_MIN_SAMPLES",
    "MAX_PERMUTATIONS",
    "MAX_SEED",
    "WORK_BUDGET",
    "Cost",
    "check_cost",
    "check_fft_cells",
    "check_permutations",
    "check_seed",
    "check_within_extent",
    "dbscan_grid_cost",
    "gistar_cost",
    "hdbscan_cost",
    "kde_cost",
    "window_cells",
]

#: Most conditional permutations for Gi*'s pseudo p-value (esda's default is 999;
#: more only refines the third decimal of a p-value nothing is binned on).
MAX_PERMUTATIONS = 999
#: Seeds are 32-bit non-negative integers (numpy needs >= 0).
MAX_SEED = 2**32 - 1
#: Elementary steps one layer may take: ~10-25 s on one core. It is also the
#: HDBSCAN limit (locations squared), measured at 7-11 s for 50,000 locations.
WORK_BUDGET = 2_500_000_000
#: Most cells of a padded FFT grid (KDE surface, large Gi* windows): ~2 GB peak.
MAX_FFT_CELLS = 16_000_000
#: Most distinct locations HDBSCAN clusters directly: its steps are m squared.
MAX_HDBSCAN_LOCATIONS = math.isqrt(WORK_BUDGET)
#: Declared maxima of single values (the study-area bound is usually tighter).
MAX_CELL_SIZE_M = 10_000.0
MAX_DISTANCE_M = 50_000.0
MAX_BANDWIDTH_M = 50_000.0
MAX_EPS_M = 5_000.0
MAX_MIN_SAMPLES = 1_000_000


@dataclass(frozen=True)
class Cost:
    """A computation's estimated steps, how they were counted, and the budget."""

    method: str
    steps: float
    formula: str
    budget: float = WORK_BUDGET

    def parameters(self) -> dict[str, Any]:
        """The estimate as layer parameters (``cost_steps``, ``cost_budget``)."""
        return {
            "cost_steps": int(self.steps),
            "cost_budget": int(self.budget),
            "cost_formula": self.formula,
        }


def check_permutations(value: Any) -> int:
    """``value`` as a whole number of permutations, 0 to :data:`MAX_PERMUTATIONS`."""
    count = _whole("permutations", value)
    if not 0 <= count <= MAX_PERMUTATIONS:
        raise InvalidParameterError(
            f"permutations={value!r} is out of range: give 0 to {MAX_PERMUTATIONS} "
            "(999 gives a pseudo p-value to 0.001)"
        )
    return count


def check_seed(value: Any) -> int | None:
    """``value`` as a random seed, 0 to :data:`MAX_SEED`, or None."""
    if value is None:
        return None
    seed = _whole("seed", value)
    if not 0 <= seed <= MAX_SEED:
        raise InvalidParameterError(
            f"seed={value!r} is out of range: give a whole number 0 to {MAX_SEED:,}"
        )
    return seed


def _whole(name: str, value: Any) -> int:
    """``value`` as an int; integral floats (``10.0``) accepted, bools not."""
    if isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be a whole number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"{name} must be a whole number, got {value!r}"
        ) from None
    if not math.isfinite(number) or not number.is_integer():
        raise InvalidParameterError(f"{name} must be a whole number, got {value!r}")
    return int(number)


def check_within_extent(
    name: str,
    value_m: float,
    bounds: tuple[float, float, float, float],
    floor_m: float = 1.0,
) -> float:
    """Refuse a distance longer than the diagonal of ``bounds`` (metres).

    A Gi* band, kernel or DBSCAN radius that spans the whole study area links
    every cell or incident to every other: nothing can stand out, and the
    work grows with the square of the distance. ``floor_m``: the limit is
    never below it (points all at one place have no diagonal).
    """
    minx, miny, maxx, maxy = bounds
    diagonal = math.hypot(maxx - minx, maxy - miny)
    limit = max(diagonal, floor_m)
    if value_m > limit:
        raise InvalidParameterError(
            f"{name}={value_m:g} is longer than the study area's diagonal "
            f"({limit:,.0f} m): every location would neighbour every other. Give "
            f"{name} of at most {limit:,.0f} m (typically a few hundred metres)"
        )
    return value_m


def window_cells(cell_size_m: float, distance_m: float) -> int:
    """Cells whose centres lie within ``distance_m`` of a cell's (itself included).

    Counted row by row in O(distance / cell), without building the window.
    """
    k = math.floor(distance_m / cell_size_m)
    total = 0
    for dy in range(-k, k + 1):
        reach = (distance_m / cell_size_m) ** 2 - dy * dy
        total += 2 * math.floor(math.sqrt(max(reach, 0.0))) + 1
    return total


def gistar_cost(cells: int, window: int, permutations: int) -> Cost:
    """Gi* steps: ``cells x neighbours x (permutations + 1)``.

    ``neighbours`` is the window, capped at the cells of the study area (a
    window cannot hold more); each permutation draws that many values per cell.
    """
    neighbours = min(window, cells)
    steps = float(cells) * neighbours * (permutations + 1)
    formula = (
        f"{cells:,} cells x {neighbours:,} neighbours x {permutations + 1:,} "
        "(permutations + 1)"
    )
    return Cost("gistar", steps, formula)


def kde_cost(fft_cells: int, points: int, ring_cells: int) -> Cost:
    """KDE steps: 10 FFTs of the padded grid plus each point's ring of cells."""
    fft_steps = 10.0 * fft_cells * max(math.log2(max(fft_cells, 2)), 1.0)
    ring_steps = 9.0 * points * ring_cells
    formula = (
        f"10 FFTs of {fft_cells:,} cells x log2 + {points:,} points x "
        f"{ring_cells:,} ring cells x 9 moments"
    )
    return Cost("kde", fft_steps + ring_steps, formula)


def dbscan_grid_cost(locations: int, checks: int) -> Cost:
    """DBSCAN steps by the grid method (:mod:`hotspots.analysis.dbscan_grid`).

    Each location looks up and classifies its 25 surrounding cells; each
    point pair it must check exactly (``checks``: locations in cells lighter
    than ``min_samples`` times the locations of their 24 neighbouring cells,
    an upper bound) costs about 3 steps. Memory is O(locations): no pair is
    held, so the budget is the time budget.
    """
    steps = 25.0 * locations + 3.0 * checks
    formula = (
        f"25 x {locations:,} locations + 3 x {checks:,} point checks (grid DBSCAN)"
    )
    return Cost("dbscan", steps, formula)


def hdbscan_cost(locations: int) -> Cost:
    """HDBSCAN steps: locations squared (its minimum spanning tree)."""
    return Cost("hdbscan", float(locations) ** 2, f"{locations:,} locations squared")


def check_cost(cost: Cost, change: str) -> Cost:
    """``cost`` if within its budget, else an error saying what to ``change``.

    Raises
    ------
    InvalidParameterError
        With the estimate, how it was counted, the budget and ``change``.
    """
    if cost.steps > cost.budget:
        raise InvalidParameterError(
            f"this {cost.method} layer would take about {cost.steps:.2g} steps "
            f"({cost.formula}), over the limit of {cost.budget:.2g}: {change}"
        )
    return cost


def check_fft_cells(fft_cells: int, change: str) -> None:
    """Refuse a padded FFT grid larger than :data:`MAX_FFT_CELLS` (memory)."""
    if fft_cells > MAX_FFT_CELLS:
        raise InvalidParameterError(
            f"the padded grid would have {fft_cells:,} cells, more than "
            f"{MAX_FFT_CELLS:,} (about 2 GB of memory): {change}"
        )
