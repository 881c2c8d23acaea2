"""Read data.police.uk street-level crime CSVs.

Columns (as published): Crime ID, Month, Reported by, Falls within, Longitude,
Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category,
Context. Anti-social behaviour rows have no Crime ID; some rows have no
location. Every point is an anonymised snap point and the date is the month only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hotspots.errors import IngestError
from hotspots.readers.raw import empty_raw, finish_raw, mark_error, per_distinct
from hotspots.schema import DatePrecision

__all__ = ["POLICE_UK_COLUMNS", "SOURCE", "is_police_uk_header", "read_police_uk"]

SOURCE = "police.uk"
POLICE_UK_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
_REQUIRED = ("Crime ID", "Month", "Longitude", "Latitude", "Location", "Crime type")
_KEY_COLUMNS = (
    "Month",
    "Reported by",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "Crime type",
    "Context",
)
_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
#: Raw columns :func:`read_police_uk` fills itself.
_SET_HERE = (
    "source", "source_id", "category", "location_text", "town", "source_lsoa",
    "lon", "lat", "snapped", "month", "occurred_at", "occurred_precision",
    "record_key",
)  # fmt: skip


def is_police_uk_header(header: list[str]) -> bool:
    """True if a CSV header has the police.uk street-level columns."""
    return all(column in header for column in _REQUIRED)


def read_police_uk(data: bytes, *, name: str = "<bytes>") -> pd.DataFrame:
    """Parse one police.uk street CSV into the raw-record frame.

    Parameters
    ----------
    data : bytes
        The file's contents.
    name : str
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Raw records (see :mod:`hotspots.readers.raw`), one per data row.

    Raises
    ------
    IngestError
        If the file is not a police.uk street CSV.
    """
    table = _read_strings(data, name)
    missing = [c for c in _REQUIRED if c not in table.column_names]
    if missing:
        raise IngestError(
            f"{name}: not a police.uk street-level CSV: missing column(s) "
            f"{', '.join(repr(c) for c in missing)}"
        )
    src = {c: _column(table, c) for c in POLICE_UK_COLUMNS}
    raw = empty_raw(table.num_rows, skip=_SET_HERE)
    raw["source"] = SOURCE
    raw["source_id"] = src["Crime ID"]
    raw["category"] = src["Crime type"]
    raw["location_text"] = src["Location"]
    raw["town"] = per_distinct(
        src["LSOA name"], lambda names: names.str.replace(r"\s+\w+$", "", regex=True)
    )
    raw["source_lsoa"] = src["LSOA code"]
    raw["lon"] = per_distinct(src["Longitude"], _to_number)
    raw["lat"] = per_distinct(src["Latitude"], _to_number)
    raw["snapped"] = True
    month = src["Month"].str.strip()
    good_month = month.str.match(_MONTH_PATTERN)
    raw["month"] = month.where(good_month, "")
    raw["occurred_at"] = (month + "-01T00:00:00").where(good_month, "")
    raw["occurred_precision"] = DatePrecision.MONTH.value
    mark_error(
        raw,
        ~good_month,
        "Month",
        per_distinct(month, lambda m: "month " + m.map(repr) + " is not YYYY-MM"),
    )
    mark_error(raw, src["Crime type"] == "", "Crime type", "no crime type")
    raw["record_key"] = _record_keys(table)
    return finish_raw(raw)


def _record_keys(table: pa.Table) -> pd.Series:
    """``police.uk␟<Crime ID>``, or ``police.uk␟␟<key columns joined by ␟>``
    for rows without an id (␟ is the unit separator, U+001F)."""
    source, separator, empty = (
        pa.scalar(text, pa.large_string()) for text in (SOURCE, "\x1f", "")
    )
    crime_id = _arrow_column(table, "Crime ID").combine_chunks()
    keys = pc.binary_join_element_wise(source, crime_id, separator)
    no_id = pc.equal(crime_id, empty)
    if pc.any(no_id).as_py():
        without_id = table.filter(no_id)
        columns = (_arrow_column(without_id, c) for c in _KEY_COLUMNS)
        content = pc.binary_join_element_wise(source, empty, *columns, separator)
        keys = pc.replace_with_mask(keys, no_id, content.combine_chunks())
    return keys.to_pandas().astype(str)


def _to_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _read_strings(data: bytes, name: str) -> pa.Table:
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),  # no copy of the bytes
            read_options=pacsv.ReadOptions(use_threads=True, encoding="utf-8-sig"),
            convert_options=pacsv.ConvertOptions(
                # pandas keeps strings as large_string: read them so, uncast.
                column_types={c: pa.large_string() for c in POLICE_UK_COLUMNS},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(f"{name}: cannot read as CSV: {exc}") from exc


def _column(table: pa.Table, name: str) -> pd.Series:
    if name not in table.column_names:
        return pd.Series(np.full(table.num_rows, "", dtype=object))
    return table.column(name).to_pandas().fillna("").astype(str)


def _arrow_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A column as Arrow strings ("" where missing or absent)."""
    if name not in table.column_names:
        empty = pa.nulls(table.num_rows, pa.large_string()).fill_null("")
        return pa.chunked_array([empty])
    return table.column(name).fill_null("")
