"""Turn whichever location form a raw record has into BNG and WGS84 coordinates.

Forms are tried per row in :data:`~hotspots.readers.raw.LOCATION_FORMS` order:
coordinates, easting/northing, OS grid reference, postcode, street. When a form
fails and the row has a later one, the later one is tried; a row that no form
locates keeps the first form's failure reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.crs import bng_to_wgs84
from hotspots.geocode import (
    GeocodeQuality,
    PostcodeIndex,
    StreetGazetteer,
    check_bng,
    check_lonlat,
    parse_grid_references,
)

__all__ = ["LOCATED_COLUMNS", "LOCATE_INPUTS", "Geocoders", "locate"]

LOCATED_COLUMNS = (
    "easting",
    "northing",
    "lon",
    "lat",
    "geocode_quality",
    "geocode_precision_m",
    "geocode_note",
    "error_field",
    "error_reason",
)

#: The raw columns the location forms read.
_FORM_INPUTS = (
    "lon", "lat", "snapped", "easting", "northing", "grid_reference", "postcode",
    "street", "town",
)  # fmt: skip
#: Every raw column :func:`locate` reads.
LOCATE_INPUTS = (*_FORM_INPUTS, "error_field", "error_reason")

#: Nominal radius (m) a unit postcode centroid is good to; most PO units span
#: a street or part of one.
POSTCODE_PRECISION_M = 100.0


@dataclass(frozen=True)
class Geocoders:
    """The lookups available to this ingest (a form without one fails clearly)."""

    postcodes: PostcodeIndex | None = None
    streets: StreetGazetteer | None = None


def locate(raw: pd.DataFrame, geocoders: Geocoders) -> pd.DataFrame:
    """Locate every raw record; returns :data:`LOCATED_COLUMNS` aligned with ``raw``.

    Rows that already carry a read error are left unlocated with that error.
    """
    n_rows = len(raw)
    columns: dict[str, np.ndarray] = {
        "easting": np.full(n_rows, np.nan),
        "northing": np.full(n_rows, np.nan),
        "geocode_quality": np.full(n_rows, GeocodeQuality.FAILED.value, object),
        "geocode_precision_m": np.full(n_rows, np.nan),
        "geocode_note": np.full(n_rows, "", object),
        "error_field": raw["error_field"].to_numpy(dtype=object).copy(),
        "error_reason": raw["error_reason"].to_numpy(dtype=object).copy(),
    }
    pending = columns["error_field"] == ""
    # The first form that failed on each row, kept in case no later form works.
    failed_form = np.full(n_rows, "", dtype=object)
    failure = np.full(n_rows, "", dtype=object)
    inputs = raw.loc[:, list(_FORM_INPUTS)]
    for form, has_form, run in _forms(raw, geocoders):
        positions = np.flatnonzero(pending & has_form)
        if not len(positions):
            continue
        found = run(inputs.iloc[positions])
        ok = found["error"].isna().to_numpy()
        _copy_found(columns, positions[ok], found.loc[ok])
        first = ~ok & (failed_form[positions] == "")
        failed_form[positions[first]] = form
        failure[positions[first]] = [str(e) for e in found["error"].to_numpy()[first]]
        pending[positions[ok]] = False
    _fail(columns, pending, failed_form, failure)
    columns["lon"], columns["lat"] = _unproject(columns["easting"], columns["northing"])
    return pd.DataFrame(columns, index=raw.index).loc[:, list(LOCATED_COLUMNS)]


def _unproject(
    easting: NDArray[np.float64], northing: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 lon/lat of each point, projecting each distinct point once."""
    codes, first = _distinct_pairs(easting, northing)
    lon, lat = bng_to_wgs84(easting[first], northing[first])
    return lon[codes], lat[codes]


def _copy_found(
    columns: dict[str, np.ndarray], positions: np.ndarray, found: pd.DataFrame
) -> None:
    """Copy a form's successful results into the output columns at ``positions``."""
    for column in ("easting", "northing", "geocode_precision_m"):
        columns[column][positions] = found[column].to_numpy(dtype="float64")
    columns["geocode_quality"][positions] = found["quality"].to_numpy(dtype=object)
    columns["geocode_note"][positions] = found["note"].to_numpy(dtype=object)


def _fail(
    columns: dict[str, np.ndarray],
    pending: np.ndarray,
    failed_form: np.ndarray,
    failure: np.ndarray,
) -> None:
    """Give rows no form located their first form's failure, or "no location"."""
    tried = pending & (failed_form != "")
    untried = pending & ~tried
    columns["error_field"][tried] = failed_form[tried]
    columns["error_reason"][tried] = failure[tried]
    columns["error_field"][untried] = "location"
    columns["error_reason"][untried] = "no location given"


_Run = Callable[[pd.DataFrame], pd.DataFrame]


def _forms(
    raw: pd.DataFrame, geocoders: Geocoders
) -> list[tuple[str, np.ndarray, _Run]]:
    def present(column: str) -> np.ndarray:
        values = raw[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            return (values.astype(str).str.strip() != "").to_numpy()
        return values.notna().to_numpy()

    return [
        ("coordinates", present("lon") | present("lat"), _lonlat),
        ("easting/northing", present("easting") | present("northing"), _bng),
        ("grid_reference", present("grid_reference"), _grid_reference),
        ("postcode", present("postcode"), lambda r: _postcode(r, geocoders)),
        ("street", present("street"), lambda r: _street(r, geocoders)),
    ]


def _result(
    index: pd.Index,
    found: pd.DataFrame,
    quality: pd.Series | str,
    precision_m: pd.Series | float,
    note: pd.Series | str,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "easting": found["easting_m"].to_numpy(),
            "northing": found["northing_m"].to_numpy(),
            "error": found["error"].to_numpy(dtype=object),
        },
        index=index,
    )
    frame["quality"] = quality if isinstance(quality, str) else quality.to_numpy()
    frame["geocode_precision_m"] = (
        precision_m if isinstance(precision_m, float) else precision_m.to_numpy()
    )
    frame["note"] = note if isinstance(note, str) else note.fillna("").to_numpy()
    frame.loc[frame["error"].astype(str).isin(["", "None", "nan"]), "error"] = None
    return frame


def _coordinate_pairs(
    rows: pd.DataFrame,
    columns: tuple[str, str],
    check: Callable[[np.ndarray, np.ndarray], pd.DataFrame],
) -> pd.DataFrame:
    """Check each distinct coordinate pair once, then spread back to the rows."""
    a = rows[columns[0]].to_numpy(dtype="float64")
    b = rows[columns[1]].to_numpy(dtype="float64")
    codes, first = _distinct_pairs(a, b)
    found = check(a[first], b[first])
    result = _result(
        found.index, found, GeocodeQuality.EXACT.value, np.nan, found["note"]
    )
    return result.iloc[codes].set_axis(rows.index)


def _lonlat(rows: pd.DataFrame) -> pd.DataFrame:
    result = _coordinate_pairs(rows, ("lon", "lat"), check_lonlat)
    snapped = rows["snapped"].to_numpy(dtype=bool)
    result["quality"] = result["quality"].mask(snapped, GeocodeQuality.SNAPPED.value)
    return result


def _bng(rows: pd.DataFrame) -> pd.DataFrame:
    return _coordinate_pairs(rows, ("easting", "northing"), check_bng)


def _distinct_pairs(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Each row's code among the distinct (x, y) pairs and each pair's first row.

    Pairs are compared bit for bit (so -0.0 and 0.0, which can print
    differently in messages, stay apart); ``x[first][codes]`` is ``x``.
    Checking a few thousand police.uk snap points instead of a million rows.
    """
    x_codes, _ = pd.factorize(x.view(np.int64))
    y_codes, y_uniques = pd.factorize(y.view(np.int64))
    codes, uniques = pd.factorize(x_codes * len(y_uniques) + y_codes)
    first = np.empty(len(uniques), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes.astype(np.intp), first


def _grid_reference(rows: pd.DataFrame) -> pd.DataFrame:
    found = parse_grid_references(rows["grid_reference"])
    note = "grid reference to " + found["precision_m"].map("{:.0f} m".format)
    return _result(
        rows.index, found, GeocodeQuality.GRIDREF.value, found["precision_m"], note
    )


def _postcode(rows: pd.DataFrame, geocoders: Geocoders) -> pd.DataFrame:
    if geocoders.postcodes is None:
        return _unavailable(rows.index, "no postcode table is loaded")
    found = geocoders.postcodes.lookup(rows["postcode"])
    note = "postcode " + found["postcode"].fillna("").astype(str)
    return _result(
        rows.index, found, GeocodeQuality.POSTCODE.value, POSTCODE_PRECISION_M, note
    )


def _street(rows: pd.DataFrame, geocoders: Geocoders) -> pd.DataFrame:
    if geocoders.streets is None:
        return _unavailable(rows.index, "no street gazetteer (ingest police.uk first)")
    towns = rows["town"].where(rows["town"] != "", None)
    found = geocoders.streets.geocode(rows["street"], towns)
    match = (
        "street "
        + found["matched_street"].fillna("").astype(str)
        + " (score "
        + found["score"].map("{:.0f}".format)
        + ")"
    )
    note = match + found["note"].fillna("").map(lambda n: f"; {n}" if n else "")
    spread = found.get("spread_m", np.nan)
    return _result(rows.index, found, GeocodeQuality.STREET.value, spread, note)


def _unavailable(index: pd.Index, reason: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"easting_m": np.nan, "northing_m": np.nan, "error": reason}, index=index
    )
    return _result(index, frame, GeocodeQuality.FAILED.value, np.nan, "")
