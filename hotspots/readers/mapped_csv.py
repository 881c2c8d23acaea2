"""Read any incident CSV (or GeoJSON properties) through a :class:`ColumnMapping`.

Street text is split into street and town before it is geocoded: a council
log's "Victoria Road, Fareham" matched as one string finds "Victoria Road
South" in Portsmouth, while split it is a street in a town the gazetteer can
check.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.errors import IngestError
from hotspots.geocode import split_street_towns
from hotspots.readers.mapping import ColumnMapping
from hotspots.readers.raw import empty_raw, finish_raw, mark_error
from hotspots.readers.text import MAX_FIELD_BYTES, to_utf8
from hotspots.schema import FLAG_COLUMNS, DatePrecision

__all__ = ["raw_from_table", "read_mapped_csv"]

_TRUE_VALUES = frozenset({"y", "yes", "true", "t", "1"})
_DIRECT = {
    "category": "category",
    "location_text": "location_text",
    "town": "town",
    "grid_reference": "grid_reference",
    "postcode": "postcode",
    "lon": "lon",
    "lat": "lat",
    "easting": "easting",
    "northing": "northing",
}


def read_mapped_csv(
    data: bytes, mapping: ColumnMapping, *, name: str = "<bytes>"
) -> pd.DataFrame:
    """Parse a CSV whose columns ``mapping`` names into the raw-record frame."""
    data = to_utf8(data, name, mapping.encoding)
    try:
        table = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            skipinitialspace=True,
            skip_blank_lines=False,  # dropped below, keeping row numbers
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(f"{name}: cannot read as CSV: {exc}") from exc
    blank = _blank_rows(table)
    rows = np.flatnonzero(~blank) + 2
    kept = table[~blank] if blank.any() else table
    has_nul = b"\x00" in data
    return raw_from_table(kept, mapping, name=name, rows=rows, has_nul=has_nul)


def _blank_rows(table: pd.DataFrame) -> NDArray[np.bool_]:
    """Rows with no text in any column: a blank line or a row of only commas
    (exports often end so) is no record. Stops at the first column in which
    no row is blank, as in any file with none."""
    blank = np.ones(len(table), dtype=bool)
    for column in table.columns:
        blank &= (table[column].fillna("").astype(str).str.strip() == "").to_numpy()
        if not blank.any():
            break
    return blank


def raw_from_table(
    table: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    name: str,
    rows: NDArray[np.int64] | None = None,
    has_nul: bool = True,
) -> pd.DataFrame:
    """Turn a table of strings into raw records using ``mapping``.

    ``rows`` gives each row's number in the file (default: header = 1, then
    one per row); ``has_nul=False`` says no value holds a NUL byte (the
    caller found none in the file), sparing the search.
    """
    missing = sorted(c for c in mapping.source_columns() if c not in table.columns)
    if missing:
        raise IngestError(
            f"{name}: column(s) named in the mapping are missing from the file: "
            f"{missing}; the file has {list(table.columns)}"
        )
    table = table.reset_index(drop=True).fillna("").astype(str)
    cols = mapping.columns
    raw = empty_raw(len(table))
    if rows is not None:
        raw["row"] = rows
    raw["source"] = mapping.source
    table, unusable = _checked_fields(raw, table, mapping, has_nul=has_nul)
    for key, target in _DIRECT.items():
        if key in cols:
            raw[target] = table[cols[key]].str.strip()
    if "id" in cols:
        raw["source_id"] = table[cols["id"]].str.strip()
    _street_and_town(raw, table, mapping)
    raw["theme_hint"] = _themes(raw["category"], mapping)
    _parse_when(raw, table, mapping)
    for flag in FLAG_COLUMNS:
        set_by_column = (
            table[mapping.flags[flag]].str.strip().str.casefold().isin(_TRUE_VALUES)
            if flag in mapping.flags
            else False
        )
        raw[flag] = set_by_column | (flag in mapping.default_flags)
    empty_category = raw["category"].str.strip() == ""
    mark_error(raw, empty_category, cols["category"], "no category")
    raw["record_key"] = _record_keys(table, raw, mapping)
    # A row rejected for a NUL or a huge field must not share a key with a
    # clean row (its emptied value could make them equal and shift ordinals).
    raw.loc[unusable, "record_key"] = "\x00" + raw.loc[unusable, "row"].astype(str)
    return finish_raw(raw)


def _checked_fields(
    raw: pd.DataFrame, table: pd.DataFrame, mapping: ColumnMapping, *, has_nul: bool
) -> tuple[pd.DataFrame, NDArray[np.bool_]]:
    """Reject rows whose mapped fields hold a NUL byte or more than
    :data:`~hotspots.readers.text.MAX_FIELD_BYTES`; such values are emptied.

    Returns the table and which rows were rejected here. As for police.uk, a
    NUL is never text (a corrupt or binary export), so the row is refused.
    """
    unusable = np.zeros(len(table), dtype=bool)
    for column in sorted(mapping.source_columns()):
        values = table[column]
        # A character is at most 4 bytes: only longer texts need encoding.
        candidates = values[values.str.len() * 4 > MAX_FIELD_BYTES]
        sizes = candidates.str.encode("utf-8").str.len()
        long = values.index.isin(sizes.index[sizes > MAX_FIELD_BYTES])
        nul = np.zeros(len(values), dtype=bool)
        if has_nul:
            nul = values.str.contains("\x00", regex=False).to_numpy()
        reason = pd.Series("", index=values.index, dtype=object)
        reason[long] = [_too_long(n) for n in sizes[sizes > MAX_FIELD_BYTES]]
        mark_error(raw, long, column, reason)
        mark_error(raw, nul, column, "field contains a NUL byte (\\x00)")
        if long.any() or nul.any():
            table = table.assign(**{column: values.where(~(long | nul), "")})
        unusable |= long | nul
    return table, unusable


def _too_long(n_bytes: int) -> str:
    return f"field is over the limit of {MAX_FIELD_BYTES:,} bytes: {n_bytes:,} bytes"


def _street_and_town(
    raw: pd.DataFrame, table: pd.DataFrame, mapping: ColumnMapping
) -> None:
    """Fill ``street`` and ``town`` from the street and/or address columns.

    Each text is split by :func:`~hotspots.geocode.split_street_towns`
    ("12 Albert Rd, Southsea" -> "Albert Rd", "Southsea"). The street column
    is used where it has text, else the address column. A town column, where
    it has text, wins over a town found in the street or address text.
    """
    cols = mapping.columns
    text = pd.Series("", index=raw.index)
    for key in ("address", "street"):  # the street column overrides
        if key in cols:
            column = table[cols[key]].str.strip()
            text = column.where(column != "", text)
    if "address" in cols and "location_text" not in cols:
        raw["location_text"] = table[cols["address"]].str.strip()
    if not ({"street", "address"} & set(cols)):
        return
    parts = split_street_towns(text)
    raw["street"] = parts["street"].fillna("")
    split_town = parts["town"].fillna("")
    raw["town"] = raw["town"].where(raw["town"] != "", split_town)


def _themes(categories: pd.Series, mapping: ColumnMapping) -> pd.Series:
    if not mapping.themes.themes:
        return pd.Series("", index=categories.index)
    keys = categories.str.strip().str.casefold()
    return keys.map({k: t.value for k, t in mapping.themes.themes.items()}).fillna("")


def _parse_when(raw: pd.DataFrame, table: pd.DataFrame, mapping: ColumnMapping) -> None:
    cols = mapping.columns
    date_text = table[cols["date"]].str.strip()
    dates = pd.to_datetime(date_text, format=mapping.date_format, errors="coerce")
    expected = mapping.date_format or "a date"
    bad_date = dates.isna()
    reason = "date " + date_text.map(repr) + f" does not match {expected}"
    reason = reason.where(date_text != "", "no date")
    mark_error(raw, bad_date, cols["date"], reason)
    precision = pd.Series(DatePrecision.DAY.value, index=raw.index)
    when = dates.dt.normalize()
    if "time" in cols:
        time_text = table[cols["time"]].str.strip()
        times = pd.to_datetime(time_text, format=mapping.time_format, errors="coerce")
        has_time = time_text != ""
        bad_time = has_time & times.isna()
        mark_error(
            raw,
            bad_time & ~bad_date,
            cols["time"],
            "time " + time_text.map(repr) + f" does not match {mapping.time_format}",
        )
        good_time = has_time & ~bad_time
        offset = (times - times.dt.normalize()).where(good_time, pd.Timedelta(0))
        when = when + offset
        precision = precision.where(~good_time, DatePrecision.MINUTE.value)
    ok = ~bad_date
    raw["occurred_at"] = when.dt.strftime("%Y-%m-%dT%H:%M:%S").where(ok, "")
    raw["month"] = when.dt.strftime("%Y-%m").where(ok, "")
    raw["occurred_precision"] = precision


def _record_keys(
    table: pd.DataFrame, raw: pd.DataFrame, mapping: ColumnMapping
) -> pd.Series:
    """Source id when given, else every mapped column's text."""
    prefix = mapping.source + "\x1f"
    if "id" in mapping.columns:
        by_id = prefix + raw["source_id"]
    else:
        by_id = pd.Series("", index=raw.index)
    content = pd.Series(prefix + "\x1f", index=raw.index)
    for column in sorted(mapping.source_columns()):
        content = content + "\x1f" + table[column].str.strip()
    return by_id.where(raw["source_id"] != "", content)
