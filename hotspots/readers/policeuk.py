"""Read data.police.uk street-level crime CSVs.

Columns (as published): Crime ID, Month, Reported by, Falls within, Longitude,
Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category,
Context. Anti-social behaviour rows have no Crime ID; some rows have no
location. Every point is an anonymised snap point and the date is the month only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from hotspots.errors import IngestError
from hotspots.readers.raw import (
    empty_raw,
    finish_raw,
    mark_error,
    per_distinct,
    release_arrow_memory,
)
from hotspots.readers.text import MAX_FIELD_BYTES, longest_line, to_utf8
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
#: The parts of a record key, as Arrow text: its source, the unit separator
#: (U+001F) between fields, and the empty field.
_KEY_SOURCE, _KEY_SEPARATOR, _KEY_EMPTY = (
    pa.scalar(text, pa.large_string()) for text in (SOURCE, "\x1f", "")
)
#: Arrow's CSV block: a row longer than this is read with a bigger one.
_BLOCK_SIZE = 1 << 20
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
    has_nul = b"\x00" in data
    parsed = _read_strings(to_utf8(data, name), name)
    del data  # parsed: when the caller holds no other reference, freed here
    table, rows, unparsed = parsed.table, parsed.rows, parsed.unparsed
    del parsed  # so each column's chunks are freed as it is made one chunk
    release_arrow_memory()  # the CSV reader's blocks
    for index, column_name in enumerate(table.column_names):
        # One column at a time, so only one is held twice (see _one_chunk).
        table = table.set_column(index, column_name, _one_chunk(table.column(index)))
    missing = [c for c in _REQUIRED if c not in table.column_names]
    if missing:
        raise IngestError(
            f"{name}: not a police.uk street-level CSV: missing column(s) "
            f"{', '.join(repr(c) for c in missing)}"
        )
    table, field_errors = _checked_fields(table, has_nul=has_nul)
    record_keys = _record_keys(table)
    for _, field, _ in field_errors:  # the NUL marks go: the rows are rejected
        index = table.column_names.index(field)
        without = pc.replace_substring(table.column(field), "\x00", "")
        table = table.set_column(index, field, without)
    src = {c: _column(table, c) for c in POLICE_UK_COLUMNS}
    raw = empty_raw(table.num_rows, skip=_SET_HERE)
    raw["row"] = rows
    for bad, field, reason in field_errors:
        mark_error(raw, bad, field, reason)
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
    raw["record_key"] = record_keys
    return _with_unparsed(finish_raw(raw), unparsed)


def _record_keys(table: pa.Table) -> pd.Series:
    """``police.uk␟<Crime ID>``, or ``police.uk␟␟<key columns joined by ␟>``
    for rows without an id (␟ is the unit separator, U+001F)."""
    crime_id = _arrow_column(table, "Crime ID")
    no_id = pc.equal(crime_id, _KEY_EMPTY)
    if not pc.any(no_id).as_py():
        keys = pc.binary_join_element_wise(_KEY_SOURCE, crime_id, _KEY_SEPARATOR)
        return keys.to_pandas().astype(str)
    with_id = pc.invert(no_id)
    # Stripped as finish_raw would strip them (content keys end in a unit
    # separator when Context is empty), but before they are put back in file
    # order, so no second copy of a million keys is made there.
    by_id = _trimmed(
        pc.binary_join_element_wise(
            _KEY_SOURCE, crime_id.filter(with_id), _KEY_SEPARATOR
        )
    )
    content = _trimmed(_content_keys(table.filter(no_id)))
    keys = pa.concat_arrays([by_id, content])
    del by_id, content
    release_arrow_memory()  # the keys' parts
    return keys.take(_interleave(with_id)).to_pandas().astype(str)


def _content_keys(without_id: pa.Table) -> pa.ChunkedArray:
    """``police.uk␟␟<key columns joined by ␟>`` for each row."""
    columns = (_arrow_column(without_id, c) for c in _KEY_COLUMNS)
    return pc.binary_join_element_wise(
        _KEY_SOURCE, _KEY_EMPTY, *columns, _KEY_SEPARATOR
    )


def _trimmed(keys: pa.ChunkedArray) -> pa.Array:
    """The keys without leading or trailing whitespace, as one array."""
    return pc.utf8_trim_whitespace(keys.combine_chunks())


def _interleave(first: pa.ChunkedArray) -> NDArray[np.int64]:
    """Where each row is in the rows marked ``first`` followed by the others
    (each kept in file order): one ``take`` then puts them back in file order,
    ~5x faster than Arrow's ``replace_with_mask`` for a million strings."""
    marked = first.to_numpy(zero_copy_only=False)
    position = np.empty(len(marked), dtype=np.int64)
    n_marked = int(marked.sum())
    position[marked] = np.arange(n_marked)
    position[~marked] = np.arange(n_marked, len(marked))
    return position


def _to_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


@dataclass(frozen=True)
class _Parsed:
    """A CSV split into fields: the table, each row's line in the file (as a
    spreadsheet numbers it, header = 1), and the (line, reason) of each line
    that could not be split into the header's fields."""

    table: pa.Table
    rows: NDArray[np.int64]
    unparsed: list[tuple[int, str]]


def _read_strings(data: bytes, name: str) -> _Parsed:
    """Split the CSV into string columns, rows keeping their line numbers.

    Blank rows (no line, or only commas and spaces, as exports often end)
    are dropped. A line with the wrong number of fields (an unquoted comma, a
    misplaced quote) is kept aside as unparsed, not a reason to refuse the
    file; a quote left open swallows the lines after it, so that refuses the
    file naming its line.
    """
    block_size = _BLOCK_SIZE
    try:
        table, invalid = _parse(data, block_size, threads=True)
    except _RowTooLong:
        # A row longer than a block (a huge field) must fit in one block; one
        # thread, so only one such block is held at a time.
        block_size = longest_line(data) + 2
        table, invalid = _parse(data, block_size, threads=False)
    except pa.ArrowInvalid as exc:
        raise IngestError(f"{name}: cannot read as CSV: {exc}") from exc
    if any(row.number is None for row in invalid):
        # Threads do not know line numbers; the rare file with bad lines is
        # read again in one thread to name them.
        table, invalid = _parse(data, block_size, threads=False)
    spanning = [row for row in invalid if "\n" in row.text.rstrip("\r\n")]
    if spanning:
        first = min(int(row.number or 0) for row in spanning)
        raise IngestError(
            f"{name}: cannot read as CSV: a quoted value opened on line {first} "
            "is not closed on that line (police.uk values never span lines), so "
            "the lines after it cannot be told apart; fix the quotes on that line"
        )
    # Arrow numbers records (header = 1); a quoted value may hold newlines, so
    # the line a record starts on is its number plus the newlines before it.
    numbers = sorted(int(row.number or 0) for row in invalid)
    records = np.arange(2, 2 + table.num_rows + len(invalid), dtype=np.int64)
    records = np.delete(records, [number - 2 for number in numbers])
    newlines_before = _newlines_before(data, table, len(invalid))
    lines = records + newlines_before[:-1]
    unparsed = [
        (
            int(row.number or 0)
            + int(newlines_before[np.searchsorted(records, row.number or 0)]),
            f"expected {row.expected_columns} fields, found {row.actual_columns} "
            f"(unbalanced quotes or an unquoted comma?): {row.text[:80]!r}",
        )
        for row in sorted(invalid, key=lambda r: r.number or 0)
        if row.text.strip(" \t\r,")
    ]
    blank = None
    for column_name in sorted(_ours(table), key=lambda c: c != "Month"):
        empty = pc.equal(pc.utf8_trim_whitespace(table.column(column_name)), "")
        blank = empty if blank is None else pc.and_(blank, empty)
        if not pc.any(blank).as_py():  # no blank row: the usual case, decided
            break  # by the Month column alone
    if blank is not None and pc.any(blank).as_py():
        keep = pc.invert(blank)
        table = table.filter(keep)
        lines = lines[keep.to_numpy(zero_copy_only=False)]
    return _Parsed(table, lines, unparsed)


def _one_chunk(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as one chunk: the CSV reader gives one per 1 MB block, and
    Arrow's ``take`` from a column of 200 chunks (each part of a big file
    takes its rows from all over it) is ~4x slower than from one."""
    if column.num_chunks <= 1:
        return column
    return pa.chunked_array([column.combine_chunks()], column.type)


def _newlines_before(data: bytes, table: pa.Table, n_invalid: int) -> NDArray[np.int64]:
    """Newlines inside the values of the first k rows, for k = 0 .. n: zeros
    unless the file has more lines than records (a quoted value holding a
    line break, which police.uk never writes but a re-saved file may)."""
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    inside = np.zeros(table.num_rows, dtype=np.int64)
    if n_lines > 1 + table.num_rows + n_invalid:
        for name in _ours(table):
            counts = pc.count_substring(table.column(name), "\n")
            inside += counts.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.concatenate([[0], np.cumsum(inside)]).astype(np.int64)


class _RowTooLong(Exception):
    """A row does not fit in one block of the CSV reader."""


def _parse(
    data: bytes, block_size: int, *, threads: bool
) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    """Read with Arrow: each line is one row (no newlines inside values), an
    empty line an all-empty row, a line of the wrong width set aside."""
    invalid: list[pacsv.InvalidRow] = []

    def set_aside(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),  # no copy of the bytes
            read_options=pacsv.ReadOptions(
                use_threads=threads, block_size=block_size, encoding="utf8"
            ),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, invalid_row_handler=set_aside
            ),
            convert_options=pacsv.ConvertOptions(
                # pandas keeps strings as large_string: read them so, uncast.
                column_types={c: pa.large_string() for c in POLICE_UK_COLUMNS},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "straddling" in str(exc):
            raise _RowTooLong from exc
        raise
    return table, invalid


def _checked_fields(
    table: pa.Table, *, has_nul: bool
) -> tuple[pa.Table, list[tuple[np.ndarray, str, pd.Series | str]]]:
    """Find fields over :data:`MAX_FIELD_BYTES` or holding a NUL byte.

    ``has_nul`` says whether the file holds a NUL byte at all (a quick test on
    the bytes spares searching every column). Returns the table with each
    such value replaced by one NUL (so the reject record stays small, and a
    rejected row's record key cannot equal a clean row's and shift its
    ordinal) and (rows, field, reason) for each column with any.
    A NUL byte is never text: it marks a corrupt or binary export, so the
    row is rejected rather than stored with the byte quietly dropped.
    """
    errors: list[tuple[np.ndarray, str, pd.Series | str]] = []
    for name in _ours(table):
        index = table.column_names.index(name)
        column = table.column(name)
        sizes = pc.binary_length(column)
        too_long = pc.greater(sizes, MAX_FIELD_BYTES)
        nul = pc.match_substring(column, "\x00") if has_nul else None
        long_rows = too_long.to_numpy(zero_copy_only=False)
        nul_rows = (
            np.zeros(len(long_rows), bool)
            if nul is None
            else nul.to_numpy(zero_copy_only=False)
        )
        if long_rows.any():
            reason = pd.Series("", index=range(len(long_rows)), dtype=object)
            reason[long_rows] = [
                f"field is over the limit of {MAX_FIELD_BYTES:,} bytes: {n:,} bytes"
                for n in sizes.to_numpy()[long_rows]
            ]
            errors.append((long_rows, name, reason))
        if nul_rows.any():
            errors.append((nul_rows, name, "field contains a NUL byte (\\x00)"))
        if long_rows.any() or nul_rows.any():
            bad = pa.array(long_rows | nul_rows)
            table = table.set_column(index, name, pc.if_else(bad, "\x00", column))
    return table, errors


def _ours(table: pa.Table) -> list[str]:
    """The police.uk columns the table has (read as strings; others are not)."""
    return [name for name in table.column_names if name in POLICE_UK_COLUMNS]


def _with_unparsed(raw: pd.DataFrame, unparsed: list[tuple[int, str]]) -> pd.DataFrame:
    """``raw`` with a rejected row for each line that could not be parsed,
    in file order."""
    if not unparsed:
        return raw
    extra = empty_raw(len(unparsed))
    extra["row"] = [line for line, _ in unparsed]
    extra["source"] = SOURCE
    extra["error_field"] = "row"
    extra["error_reason"] = [reason for _, reason in unparsed]
    both = pd.concat([raw, finish_raw(extra)], ignore_index=True)
    return both.sort_values("row", kind="stable").reset_index(drop=True)


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
