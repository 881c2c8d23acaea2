"""OS National Grid references ("SU 6400 0100") to British National Grid metres.

A grid reference names a square, not a point: two letters pick the 100 km
square and 2 to 10 digits (half easting, half northing) a smaller square inside
it. We return the centre of that square and its side as the precision, so a
four-figure reference is honestly reported as "somewhere in this kilometre".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import GeocodeError
from hotspots.geocode._common import as_series, is_missing, map_unique, object_column

__all__ = ["GridReference", "parse_grid_reference", "parse_grid_references"]

GRID_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # 25 letters: no 'I'
SQUARE_100KM_M = 100_000
MAX_DIGITS = 10
# 100 km squares of the British National Grid: 0..6 east, 0..12 north.
N_SQUARES_EAST = 7
N_SQUARES_NORTH = 13
GRIDREF_COLUMNS = ["easting_m", "northing_m", "precision_m", "error"]

_SHAPE = re.compile(r"^([A-Z]{2})([0-9]*)$")


@dataclass(frozen=True)
class GridReference:
    """The square a grid reference names, as its centre and side in metres.

    Attributes
    ----------
    easting_m, northing_m : float
        Centre of the referenced square, EPSG:27700.
    precision_m : int
        Side of the square: 100000 (letters only), 10000 (2 digits) ... 1 (10).
    """

    easting_m: float
    northing_m: float
    precision_m: int

    @property
    def south_west_m(self) -> tuple[float, float]:
        """South-west corner of the square (the point the digits literally give)."""
        half = self.precision_m / 2
        return (self.easting_m - half, self.northing_m - half)


def _square_origin_m(letters: str, text: str) -> tuple[int, int]:
    """South-west corner of the 100 km square named by two grid letters."""
    for letter in letters:
        if letter not in GRID_LETTERS:
            raise GeocodeError(
                f"unknown grid letter {letter!r} in grid reference {text!r} "
                "(the National Grid does not use 'I')"
            )
    first = GRID_LETTERS.index(letters[0])
    second = GRID_LETTERS.index(letters[1])
    # The first letter picks a 500 km square (S = false origin), the second a
    # 100 km square inside it; both count rows from the top (north).
    east = ((first - 2) % 5) * 5 + second % 5
    north = (19 - (first // 5) * 5) - second // 5
    if not (0 <= east < N_SQUARES_EAST and 0 <= north < N_SQUARES_NORTH):
        raise GeocodeError(
            f"grid square {letters!r} in grid reference {text!r} is outside "
            "the British National Grid"
        )
    return east * SQUARE_100KM_M, north * SQUARE_100KM_M


def _check_digit_groups(text: str) -> None:
    """Reject "SU 64 0100": two digit groups of different length are a typo."""
    groups = re.findall(r"[0-9]+", text)
    if len(groups) == 2 and len(groups[0]) != len(groups[1]):
        raise GeocodeError(
            f"easting and northing have different numbers of digits "
            f"({len(groups[0])} and {len(groups[1])}) in grid reference {text!r}"
        )


def parse_grid_reference(text: str) -> GridReference:
    """Parse one OS grid reference ("SU 6400 0100", "su64000100", "SU6401").

    Parameters
    ----------
    text : str
        Two grid letters and 0 to 10 digits (an even number); case and spaces
        do not matter.

    Returns
    -------
    GridReference
        Centre of the square and its side in metres.

    Raises
    ------
    GeocodeError
        With the reason: empty, bad characters, unknown letters, odd number or
        too many digits, or a square outside the National Grid.
    """
    if is_missing(text):
        raise GeocodeError("no grid reference given")
    if not isinstance(text, str):
        raise GeocodeError(f"grid reference must be text, not {text!r}")
    compact = re.sub(r"\s+", "", text).upper()
    bad = sorted(set(re.sub(r"[A-Z0-9]", "", compact)))
    if bad:
        raise GeocodeError(
            f"bad characters {''.join(bad)!r} in grid reference {text!r}"
        )
    match = _SHAPE.match(compact)
    if match is None:
        raise GeocodeError(
            f"grid reference {text!r} is not two letters followed by digits"
        )
    letters, digits = match.groups()
    origin_east_m, origin_north_m = _square_origin_m(letters, text)
    if len(digits) % 2:
        raise GeocodeError(
            f"odd number of digits ({len(digits)}) in grid reference {text!r}"
        )
    if len(digits) > MAX_DIGITS:
        raise GeocodeError(
            f"too many digits ({len(digits)} > {MAX_DIGITS}) in grid reference {text!r}"
        )
    _check_digit_groups(text)
    half = len(digits) // 2
    precision_m = SQUARE_100KM_M // 10**half
    east_m = int(digits[:half] or 0) * precision_m
    north_m = int(digits[half:] or 0) * precision_m
    return GridReference(
        easting_m=origin_east_m + east_m + precision_m / 2,
        northing_m=origin_north_m + north_m + precision_m / 2,
        precision_m=precision_m,
    )


def _parse_or_reason(text: Any) -> tuple[float, float, float, str | None]:
    """One row of :func:`parse_grid_references`: values or NaNs with the reason."""
    try:
        ref = parse_grid_reference(text)
    except GeocodeError as error:
        return (np.nan, np.nan, np.nan, str(error))
    return (ref.easting_m, ref.northing_m, float(ref.precision_m), None)


def parse_grid_references(texts: Any) -> pd.DataFrame:
    """Parse many grid references, one row per input, without raising.

    Each distinct string is parsed once, so repeated references are cheap.

    Parameters
    ----------
    texts : Series or array-like of str
        Grid references; missing values give an error row.

    Returns
    -------
    DataFrame
        ``easting_m``, ``northing_m`` (square centre), ``precision_m`` (square
        side) and ``error`` (reason or None; coordinates NaN then), on the
        input's index.
    """
    series = as_series(texts)
    codes, parsed = map_unique(series, _parse_or_reason)
    numbers = np.array([row[:3] for row in parsed], dtype="float64").reshape(-1, 3)
    errors = [row[3] for row in parsed]
    return pd.DataFrame(
        {
            "easting_m": numbers[codes, 0],
            "northing_m": numbers[codes, 1],
            "precision_m": numbers[codes, 2],
            "error": object_column(errors, codes, series.index),
        },
        index=series.index,
    )
