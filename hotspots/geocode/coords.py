"""Sanity checks for coordinates given in the source, and projection to BNG.

Coordinates in incident exports fail in a few recognisable ways: blanks, the
(0, 0) "null island" placeholder, latitude and longitude swapped, degrees put
in easting/northing columns. These functions find those row by row, repair the
one safe case (swapped lon/lat in Great Britain) with a note, and return both
BNG metres and WGS84 degrees for the rest. Whether a point is inside the study
area is a separate, polygon-based check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.crs import bng_to_wgs84, wgs84_to_bng
from hotspots.errors import InvalidParameterError
from hotspots.geocode._common import as_series

__all__ = [
    "BNG_EASTING_RANGE_M",
    "BNG_NORTHING_RANGE_M",
    "COORDINATE_COLUMNS",
    "check_bng",
    "check_lonlat",
]

COORDINATE_COLUMNS = ["easting_m", "northing_m", "lon", "lat", "error", "note"]
BNG_EASTING_RANGE_M = (0.0, 700_000.0)
BNG_NORTHING_RANGE_M = (0.0, 1_300_000.0)
# Great Britain's bounding box in degrees, to recognise swapped lon/lat.
GB_LAT_RANGE = (49.8, 61.0)
GB_LON_RANGE = (-8.7, 2.0)
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)

NO_COORDINATES = "no coordinates"
NULL_ISLAND = "coordinates are (0, 0) (null island)"
ZERO_BNG = "easting/northing are (0, 0) (a placeholder, not a location)"
SWAPPED_NOTE = "latitude and longitude were swapped in the source; corrected"
OUTSIDE_BNG = "easting/northing outside the British National Grid"
OUTSIDE_BNG_LONLAT = "longitude/latitude outside the British National Grid area"
DEGREES_AS_METRES = "looks like longitude/latitude in degrees, not metres"

FloatArray = NDArray[np.float64]


class _Errors:
    """Per-row error messages, first rule to fire wins."""

    def __init__(self, n_rows: int) -> None:
        self.messages = np.full(n_rows, None, dtype=object)
        self.unset = np.ones(n_rows, dtype=bool)

    def flag(
        self, mask: NDArray[np.bool_], message: str | Callable[[int], str]
    ) -> None:
        """Set ``message`` (or ``message(row)``) on unflagged rows in ``mask``."""
        rows = np.flatnonzero(mask & self.unset)
        if isinstance(message, str):
            self.messages[rows] = message
        else:
            for row in rows:
                self.messages[row] = message(int(row))
        self.unset[rows] = False


def _pair(x: Any, y: Any) -> tuple[pd.Series, pd.Series]:
    """Two coordinate inputs as Series on one index (the first one's)."""
    x_series = as_series(x)
    y_series = as_series(y, x_series.index if np.ndim(y) == 0 else None)
    if len(x_series) != len(y_series):
        raise InvalidParameterError(
            f"coordinate inputs differ in length: {len(x_series)} and {len(y_series)}"
        )
    return x_series, pd.Series(y_series.to_numpy(), index=x_series.index)


def _to_float(series: pd.Series) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Float values (NaN where missing or not a number) and the not-a-number mask."""
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    given = series.notna().to_numpy()
    if not pd.api.types.is_numeric_dtype(series):
        given = given & series.astype(str).str.strip().ne("").to_numpy()
    return numbers, np.isnan(numbers) & given


def _flag_missing(
    errors: _Errors,
    raw: tuple[pd.Series, pd.Series],
    values: tuple[FloatArray, FloatArray],
    not_numbers: tuple[NDArray[np.bool_], NDArray[np.bool_]],
    names: tuple[str, str],
) -> None:
    """Flag non-numeric values (naming them) and then missing ones."""
    for series, bad, name in zip(raw, not_numbers, names, strict=True):
        errors.flag(
            bad,
            lambda row, s=series, n=name: (
                f"{NO_COORDINATES}: {n} {s.iloc[row]!r} is not a number"
            ),
        )
    errors.flag(np.isnan(values[0]) | np.isnan(values[1]), NO_COORDINATES)


def _between(values: FloatArray, bounds: tuple[float, float]) -> NDArray[np.bool_]:
    """Closed-interval test, False for NaN."""
    return (values >= bounds[0]) & (values <= bounds[1])


def _frame(
    index: pd.Index,
    projected: tuple[FloatArray, FloatArray],
    degrees: tuple[FloatArray, FloatArray],
    errors: _Errors,
    notes: NDArray[np.object_],
) -> pd.DataFrame:
    """The common result frame; coordinates are NaN on rows with an error."""
    failed = ~errors.unset
    columns = dict(
        zip(
            COORDINATE_COLUMNS[:4],
            (np.where(failed, np.nan, a) for a in (*projected, *degrees)),
            strict=True,
        )
    )
    columns["error"] = pd.Series(errors.messages, index=index, dtype=object)
    columns["note"] = pd.Series(notes, index=index, dtype=object)
    return pd.DataFrame(columns, index=index)


def check_lonlat(lon: Any, lat: Any) -> pd.DataFrame:
    """Check WGS84 longitude/latitude per row and project the good ones to BNG.

    Parameters
    ----------
    lon, lat : Series, array-like or scalar
        Degrees (numbers or numeric strings). The result has ``lon``'s index.

    Returns
    -------
    DataFrame
        ``easting_m``, ``northing_m`` (EPSG:27700), ``lon``, ``lat`` (as used,
        i.e. after un-swapping), ``error`` and ``note`` (None or a sentence).
        Errors: "no coordinates" (missing or not a number), "coordinates are
        (0, 0) (null island)", a value outside -180..180 / -90..90, or a point
        outside the British National Grid area. Apparently swapped lon/lat in
        Great Britain is corrected and noted. Coordinates are NaN on error rows.
    """
    raw_lon, raw_lat = _pair(lon, lat)
    lon_deg, lon_bad = _to_float(raw_lon)
    lat_deg, lat_bad = _to_float(raw_lat)
    errors = _Errors(len(raw_lon))
    notes = np.full(len(raw_lon), None, dtype=object)
    _flag_missing(
        errors,
        (raw_lon, raw_lat),
        (lon_deg, lat_deg),
        (lon_bad, lat_bad),
        ("longitude", "latitude"),
    )
    errors.flag((lon_deg == 0) & (lat_deg == 0), NULL_ISLAND)

    swapped = _between(lon_deg, GB_LAT_RANGE) & _between(lat_deg, GB_LON_RANGE)
    swapped &= errors.unset
    lon_deg, lat_deg = (
        np.where(swapped, lat_deg, lon_deg),
        np.where(swapped, lon_deg, lat_deg),
    )
    notes[swapped] = SWAPPED_NOTE

    errors.flag(
        ~_between(lon_deg, LON_RANGE),
        lambda row: (
            f"longitude {lon_deg[row]:g} outside {LON_RANGE[0]:g}..{LON_RANGE[1]:g}"
        ),
    )
    errors.flag(
        ~_between(lat_deg, LAT_RANGE),
        lambda row: (
            f"latitude {lat_deg[row]:g} outside {LAT_RANGE[0]:g}..{LAT_RANGE[1]:g}"
        ),
    )
    ok = errors.unset
    easting_m = np.full(len(lon_deg), np.nan)
    northing_m = np.full(len(lon_deg), np.nan)
    if ok.any():
        easting_m[ok], northing_m[ok] = wgs84_to_bng(lon_deg[ok], lat_deg[ok])
    inside = _between(easting_m, BNG_EASTING_RANGE_M) & _between(
        northing_m, BNG_NORTHING_RANGE_M
    )
    errors.flag(
        ~inside,
        lambda row: f"{OUTSIDE_BNG_LONLAT}: ({lon_deg[row]:g}, {lat_deg[row]:g})",
    )
    return _frame(
        raw_lon.index, (easting_m, northing_m), (lon_deg, lat_deg), errors, notes
    )


def check_bng(easting: Any, northing: Any) -> pd.DataFrame:
    """Check British National Grid easting/northing per row and add lon/lat.

    Parameters
    ----------
    easting, northing : Series, array-like or scalar
        Metres in EPSG:27700 (numbers or numeric strings). The result has
        ``easting``'s index.

    Returns
    -------
    DataFrame
        Same columns as :func:`check_lonlat`. Errors: "no coordinates",
        "easting/northing are (0, 0) ...", "looks like longitude/latitude in
        degrees, not metres" (both values small enough to be degrees) and
        "easting/northing outside the British National Grid" (outside
        0..700000, 0..1300000). Coordinates are NaN on error rows.
    """
    raw_e, raw_n = _pair(easting, northing)
    easting_m, e_bad = _to_float(raw_e)
    northing_m, n_bad = _to_float(raw_n)
    errors = _Errors(len(raw_e))
    notes = np.full(len(raw_e), None, dtype=object)
    _flag_missing(
        errors,
        (raw_e, raw_n),
        (easting_m, northing_m),
        (e_bad, n_bad),
        ("easting", "northing"),
    )
    errors.flag((easting_m == 0) & (northing_m == 0), ZERO_BNG)
    looks_like_degrees = _between(np.abs(easting_m), (0.0, LON_RANGE[1])) & _between(
        np.abs(northing_m), (0.0, LAT_RANGE[1])
    )
    errors.flag(
        looks_like_degrees,
        lambda row: f"{DEGREES_AS_METRES}: ({easting_m[row]:g}, {northing_m[row]:g})",
    )
    inside = _between(easting_m, BNG_EASTING_RANGE_M) & _between(
        northing_m, BNG_NORTHING_RANGE_M
    )
    errors.flag(
        ~inside,
        lambda row: f"{OUTSIDE_BNG}: ({easting_m[row]:.0f}, {northing_m[row]:.0f})",
    )
    ok = errors.unset
    lon_deg = np.full(len(easting_m), np.nan)
    lat_deg = np.full(len(easting_m), np.nan)
    if ok.any():
        lon_deg[ok], lat_deg[ok] = bng_to_wgs84(easting_m[ok], northing_m[ok])
    return _frame(
        raw_e.index, (easting_m, northing_m), (lon_deg, lat_deg), errors, notes
    )
