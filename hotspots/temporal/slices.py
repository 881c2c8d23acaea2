"""Time slices of incidents: month by default, week or day where dates allow.

A slice label is ``YYYY-MM`` (month), the ISO Monday ``YYYY-MM-DD`` starting a
week (week), or the date (day). Incidents known to the month only (police.uk)
cannot be put in a week or day: :func:`slice_labels` refuses them and says how
many there are, rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.analysis.grid import Grid
from hotspots.errors import InvalidParameterError

__all__ = ["UNITS", "all_slices", "slice_counts", "slice_labels"]

UNITS = ("month", "week", "day")


def slice_labels(
    occurred_at: Sequence[str] | pd.Series,
    precision: Sequence[str] | pd.Series,
    unit: str = "month",
) -> NDArray[np.str_]:
    """Slice label of each incident.

    Parameters
    ----------
    occurred_at : ISO 8601 start of each incident's known period
    precision : "month", "day" or "minute" per incident
    unit : {"month", "week", "day"}

    Raises
    ------
    InvalidParameterError
        Unknown unit, or a week/day slice of incidents known to the month only.
    """
    if unit not in UNITS:
        raise InvalidParameterError(f"unit must be one of {', '.join(UNITS)}: {unit!r}")
    when = pd.to_datetime(pd.Series(list(occurred_at)), format="ISO8601")
    if unit == "month":
        return when.dt.strftime("%Y-%m").to_numpy(dtype=str)
    coarse = int((pd.Series(list(precision)) == "month").sum())
    if coarse:
        raise InvalidParameterError(
            f"{coarse:,} incidents are known to the month only (police.uk): slice "
            f"by month, or choose a source with dates for {unit} slices"
        )
    day = when.dt.normalize()
    if unit == "week":
        day = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return day.dt.strftime("%Y-%m-%d").to_numpy(dtype=str)


def all_slices(first: str, last: str, unit: str = "month") -> list[str]:
    """Every slice label from ``first`` to ``last`` inclusive (empty ones too)."""
    if unit == "month":
        return [str(p) for p in pd.period_range(first, last, freq="M")]
    step = "7D" if unit == "week" else "D"
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(first, last, freq=step)]


def slice_counts(
    grid: Grid, x: NDArray, y: NDArray, labels: Sequence[str], slices: Sequence[str]
) -> NDArray[np.float64]:
    """Incidents per slice and grid cell, shape ``(len(slices), nrows, ncols)``.

    Incidents whose label is not in ``slices`` or outside the grid are ignored.
    """
    index = {s: i for i, s in enumerate(slices)}
    t = np.array([index.get(str(v), -1) for v in labels], dtype=np.int64)
    row, col, ok = grid.index(np.asarray(x, "float64"), np.asarray(y, "float64"))
    ok &= t >= 0
    flat = (t[ok] * grid.nrows + row[ok]) * grid.ncols + col[ok]
    size = len(slices) * grid.nrows * grid.ncols
    cube = np.bincount(flat, minlength=size).astype("float64")
    return cube.reshape(len(slices), grid.nrows, grid.ncols)
