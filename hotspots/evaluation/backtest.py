"""Rolling-origin backtests: build each map before an origin, score it after.

For every month ``m`` with at least ``min_train`` months before it, each
forecaster sees the incidents of the months before ``m`` (its own ``window``
decides how many it uses) and is scored on the incidents of ``m`` (and of the
next ``test_months - 1`` months), all on one common evaluation grid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.analysis.grid import Grid, bin_points
from hotspots.errors import InvalidParameterError
from hotspots.evaluation.forecasters import Forecaster, History
from hotspots.evaluation.metrics import COVERAGES, score_map

__all__ = ["Backtest", "origins", "rolling_backtest", "summarise"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Backtest:
    """One backtest run: per-fold scores and every setting used.

    ``folds`` has one row per method, origin and coverage: ``method``,
    ``origin`` (first test month), ``coverage``, ``hit_rate``, ``pai``, ``pei``,
    ``rri``, ``cells``, ``hits``, ``best_hits``, ``incidents``.
    """

    folds: pd.DataFrame
    parameters: dict[str, object] = field(default_factory=dict)

    def summary(self, coverage: float | None = None) -> pd.DataFrame:
        """Mean over origins per method (and coverage)."""
        return summarise(self.folds, coverage)


def origins(
    months: Sequence[str],
    min_train: int,
    test_months: int = 1,
    last: int | None = None,
) -> list[int]:
    """Indices of the test months that have ``min_train`` months before them
    (only the ``last`` of them, when given)."""
    if min_train < 1 or test_months < 1 or (last is not None and last < 1):
        raise InvalidParameterError("min_train, test_months and last must be >= 1")
    starts = list(range(min_train, len(months) - test_months + 1))
    return starts if last is None else starts[-last:]


def rolling_backtest(
    x: NDArray,
    y: NDArray,
    month: Sequence[str] | NDArray,
    grid: Grid,
    forecasters: Mapping[str, Forecaster],
    *,
    months: Sequence[str] | None = None,
    min_train: int = 3,
    test_months: int = 1,
    coverages: Sequence[float] = COVERAGES,
    progress: Progress | None = None,
    context: tuple[NDArray, NDArray, Sequence[str] | NDArray] | None = None,
    last_origins: int | None = None,
) -> Backtest:
    """Score every forecaster at every origin (the last ``last_origins``).

    Parameters
    ----------
    x, y : arrays of float
        Incident coordinates, metres (EPSG:27700).
    month : sequence of "YYYY-MM"
        Each incident's month.
    grid : Grid
        The common evaluation grid; only cells in ``grid.mask`` are scored.
    forecasters : mapping label -> Forecaster
    months : sequence of "YYYY-MM", optional
        Every month of the data, in order (default: those in ``month``); months
        without incidents still count as slices.
    min_train : int
        Months before the first origin (default 3).
    test_months : int
        Months scored after each origin (default 1).
    coverages : sequence of float
        Shares of cells at which to score.
    progress : callable, optional
        Called ``(done, total, label)`` after each map.
    context : (x, y, month), optional
        Every incident of all themes, for recipes that borrow from them.
    last_origins : int, optional
        Test only the last this many origins (default: every one).

    Returns
    -------
    Backtest
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    month = np.asarray(month, dtype=str)
    months = sorted(set(month)) if months is None else list(months)
    index = {m: i for i, m in enumerate(months)}
    t = np.array([index.get(m, -1) for m in month], dtype=np.int64)
    starts = origins(months, min_train, test_months, last_origins)
    if not starts:
        raise InvalidParameterError(
            f"{len(months)} month(s) of data: a backtest needs at least "
            f"{min_train + test_months} (min_train={min_train}, "
            f"test_months={test_months})"
        )
    if context is not None:
        cx, cy = np.asarray(context[0], "float64"), np.asarray(context[1], "float64")
        ct = np.array([index.get(str(m), -1) for m in context[2]], dtype=np.int64)
    rows: list[dict[str, object]] = []
    total, done = len(starts) * len(forecasters), 0
    for i in starts:
        past = (t >= 0) & (t < i)
        other = None
        if context is not None:
            before = (ct >= 0) & (ct < i)
            other = History(grid, cx[before], cy[before], ct[before], i)
        history = History(grid, x[past], y[past], t[past], i, other)
        train = history.counts()[grid.mask]
        future = (t >= i) & (t < i + test_months)
        actual, _ = bin_points(grid, x[future], y[future])
        actual_cells = actual[grid.mask]
        for label, forecaster in forecasters.items():
            score = forecaster(history)[grid.mask]
            for cov, scores in score_map(
                score, actual_cells, coverages, train=train
            ).items():
                rows.append(
                    {"method": label, "origin": months[i], "coverage": cov} | scores
                )
            done += 1
            if progress is not None:
                progress(done, total, label)
    parameters: dict[str, object] = {
        "grid_cell_size_m": grid.cell_size_m,
        "grid_cells": grid.n_cells,
        "months": list(months),
        "min_train": min_train,
        "test_months": test_months,
        "origins": [months[i] for i in starts],
        "last_origins": last_origins,
        "coverages": [float(c) for c in coverages],
        "ties": "broken by cell order (south-west first), as open_cp top_slice",
        "methods": {
            k: {"recipe": f.name} | f.parameters() for k, f in forecasters.items()
        },
    }
    return Backtest(pd.DataFrame(rows), parameters)


def summarise(folds: pd.DataFrame, coverage: float | None = None) -> pd.DataFrame:
    """Mean hit rate, PAI, PEI, RRI over origins per method (and coverage)."""
    frame = (
        folds if coverage is None else folds[np.isclose(folds["coverage"], coverage)]
    )
    out = (
        frame.groupby(["method", "coverage"], sort=False)[
            ["hit_rate", "pai", "pei", "rri"]
        ]
        .mean()
        .reset_index()
    )
    out["origins"] = frame.groupby(["method", "coverage"], sort=False).size().to_numpy()
    return out
