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

from hotspots.crs import bng_to_wgs84
from hotspots.geocode import (
    GeocodeQuality,
    PostcodeIndex,
    StreetGazetteer,
    check_bng,
    check_lonlat,
    parse_grid_references,
)

__all__ = ["LOCATED_COLUMNS", "Geocoders", "locate"]

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
    out = pd.DataFrame(
        {
            "easting": np.full(n_rows, np.nan),
            "northing": np.full(n_rows, np.nan),
            "geocode_quality": np.full(n_rows, GeocodeQuality.FAILED.value, object),
            "geocode_precision_m": np.full(n_rows, np.nan),
            "geocode_note": np.full(n_rows, "", object),
            "error_field": raw["error_field"].to_numpy(dtype=object),
            "error_reason": raw["error_reason"].to_numpy(dtype=object),
        },
        index=raw.index,
    )
    pending = out["error_field"].to_numpy() == ""
    first_failure: dict[int, tuple[str, str]] = {}
    for form, has_form, run in _forms(raw, geocoders):
        rows = pending & has_form
        if not rows.any():
            continue
        found = run(raw.loc[rows])
        ok = found["error"].isna().to_numpy()
        ok_index = found.index[ok]
        for column in ("easting", "northing", "geocode_precision_m"):
            out.loc[ok_index, column] = found.loc[ok_index, column].to_numpy()
        out.loc[ok_index, "geocode_quality"] = found.loc[ok_index, "quality"]
        out.loc[ok_index, "geocode_note"] = found.loc[ok_index, "note"]
        for label, reason in found.loc[~ok, "error"].items():
            first_failure.setdefault(label, (form, str(reason)))
        pending[raw.index.get_indexer(ok_index)] = False
    _fail(out, pending, first_failure)
    lon, lat = bng_to_wgs84(out["easting"].to_numpy(), out["northing"].to_numpy())
    out["lon"], out["lat"] = lon, lat
    return out.loc[:, list(LOCATED_COLUMNS)]


def _fail(
    out: pd.DataFrame, pending: np.ndarray, first_failure: dict[int, tuple[str, str]]
) -> None:
    for position in np.flatnonzero(pending):
        label = out.index[position]
        field, reason = first_failure.get(label, ("location", "no location given"))
        out.loc[label, "error_field"] = field
        out.loc[label, "error_reason"] = reason


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


def _lonlat(rows: pd.DataFrame) -> pd.DataFrame:
    found = check_lonlat(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    quality = pd.Series(
        np.where(rows["snapped"], GeocodeQuality.SNAPPED, GeocodeQuality.EXACT)
    ).astype(str)
    return _result(rows.index, found, quality, np.nan, found["note"])


def _bng(rows: pd.DataFrame) -> pd.DataFrame:
    found = check_bng(rows["easting"].to_numpy(), rows["northing"].to_numpy())
    return _result(rows.index, found, GeocodeQuality.EXACT.value, np.nan, found["note"])


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
