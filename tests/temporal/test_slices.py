"""Time slices: labels by month, ISO week and day; counts per slice and cell."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis.grid import make_grid
from hotspots.errors import InvalidParameterError
from hotspots.temporal import all_slices, slice_counts, slice_labels

WHEN = ["2017-02-01T17:30:00", "2017-02-05T00:00:00", "2017-02-06T09:00:00"]
PRECISION = ["minute", "day", "minute"]


def test_labels_by_month_week_day() -> None:
    assert list(slice_labels(WHEN, PRECISION)) == ["2017-02"] * 3
    # 2017-02-01 is a Wednesday: its week starts Monday 30 January.
    assert list(slice_labels(WHEN, PRECISION, "week")) == [
        "2017-01-30", "2017-01-30", "2017-02-06"]  # fmt: skip
    assert list(slice_labels(WHEN, PRECISION, "day")) == [
        "2017-02-01", "2017-02-05", "2017-02-06"]  # fmt: skip


def test_month_only_incidents_refused_for_weeks() -> None:
    with pytest.raises(
        InvalidParameterError, match="1 incidents are known to the month"
    ):
        slice_labels(["2017-02-01T00:00:00"], ["month"], "week")
    with pytest.raises(InvalidParameterError, match="unit must be"):
        slice_labels(WHEN, PRECISION, "hour")


def test_all_slices_include_empty_ones() -> None:
    assert all_slices("2017-02", "2017-05") == [
        "2017-02",
        "2017-03",
        "2017-04",
        "2017-05",
    ]
    assert all_slices("2017-01-30", "2017-02-13", "week") == [
        "2017-01-30", "2017-02-06", "2017-02-13"]  # fmt: skip


def test_slice_counts_cube() -> None:
    grid = make_grid((0.0, 0.0, 299.0, 199.0), 100.0)
    cube = slice_counts(
        grid,
        np.array([50.0, 50.0, 250.0, 999.0]),
        np.array([50.0, 50.0, 150.0, 50.0]),
        ["2017-02", "2017-04", "2017-04", "2017-04"],
        ["2017-02", "2017-03", "2017-04"],
    )
    assert cube.shape == (3, 2, 3)
    assert cube[0, 0, 0] == 1 and cube[2, 0, 0] == 1 and cube[2, 1, 2] == 1
    assert cube[1].sum() == 0 and cube.sum() == 3  # outside the grid ignored
