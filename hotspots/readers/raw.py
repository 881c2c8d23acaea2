"""The raw-record frame every reader returns, before geocoding.

One row per source record. Location fields are strings or floats exactly as the
source gave them; geocoding later turns whichever form is present into
coordinates. ``error_field``/``error_reason`` carry problems found while reading
(a bad date, say), so the row can be rejected with its reason instead of lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.schema import FLAG_COLUMNS

__all__ = [
    "LOCATION_FORMS",
    "RAW_COLUMNS",
    "empty_raw",
    "finish_raw",
    "mark_error",
    "mark_implausible_months",
    "per_distinct",
    "release_arrow_memory",
]

#: Location forms, in the order they are tried for each row.
LOCATION_FORMS: tuple[str, ...] = (
    "lonlat",
    "bng",
    "grid_reference",
    "postcode",
    "street",
)

RAW_COLUMNS: tuple[str, ...] = (
    "row",  # row number as a spreadsheet shows it (header = row 1)
    "source",
    "source_id",
    "category",
    "theme_hint",  # theme given by the source's own mapping, or ""
    "occurred_at",  # ISO 8601 string, "" if unknown
    "occurred_precision",
    "month",
    "location_text",
    "town",
    "source_lsoa",  # LSOA code the source itself gives (police.uk), or ""
    "lon",
    "lat",
    "easting",
    "northing",
    "grid_reference",
    "postcode",
    "street",
    "snapped",  # True where the source moved the point to an anonymous snap point
    *FLAG_COLUMNS,
    "record_key",  # what identifies the record for de-duplication
    "error_field",
    "error_reason",
)

_FLOAT_COLUMNS = ("lon", "lat", "easting", "northing")
#: Rows per slice when testing whether a column needs stripping.
_STRIP_ROWS = 1 << 16
_BOOL_COLUMNS = ("snapped", *FLAG_COLUMNS)


def empty_raw(n_rows: int, *, skip: Iterable[str] = ()) -> pd.DataFrame:
    """A raw frame of ``n_rows`` rows with every column at its empty value.

    Columns in ``skip`` are left out, for the caller to set.
    """
    skipped = set(skip)
    data: dict[str, object] = {}
    for column in RAW_COLUMNS:
        if column in skipped:
            continue
        if column in _FLOAT_COLUMNS:
            data[column] = np.full(n_rows, np.nan)
        elif column in _BOOL_COLUMNS:
            data[column] = np.zeros(n_rows, dtype=bool)
        elif column == "row":
            data[column] = np.arange(2, n_rows + 2, dtype="int64")
        else:
            data[column] = _empty_strings(n_rows)
    return pd.DataFrame(data)


def _empty_strings(n_rows: int) -> pd.Series:
    """``n_rows`` empty strings in pandas' default string dtype, built by
    repeating one (converting a million-element object array is much slower)."""
    one = pd.Series(np.array([""], dtype=object))
    return one.take(np.zeros(n_rows, dtype=np.intp)).reset_index(drop=True)


def finish_raw(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly :data:`RAW_COLUMNS`, strings without NaN.

    No up-front copy: pandas copies on write, so each column is converted
    into a new one while ``frame`` stays as it was (a copy of every column of
    a million rows first cost ~0.4 GB at the reader's peak).
    """
    out = frame.loc[:, list(RAW_COLUMNS)]
    for column in RAW_COLUMNS:
        if column in _FLOAT_COLUMNS:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif column in _BOOL_COLUMNS:
            out[column] = out[column].fillna(False).astype(bool)
        elif column != "row":
            out[column] = _stripped(out[column].fillna("").astype(str))
    return out.reset_index(drop=True)


def _stripped(values: pd.Series) -> pd.Series:
    """``values.str.strip()``, but ``values`` itself when nothing changes (the
    usual case), so the reader's peak holds one copy of each column, not two."""
    if _strip_changes_nothing(values):
        return values
    return values.str.strip()


def _strip_changes_nothing(values: pd.Series) -> bool:
    """True if stripping (Arrow's ``utf8_trim_whitespace``, which pandas' own
    ``str.strip`` runs) leaves every value as it is. Tried on slices of
    :data:`_STRIP_ROWS`, so no stripped copy of a whole column is made."""
    try:
        arrow = pa.array(values)  # no copy for an Arrow-backed column
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return False
    for start in range(0, len(arrow), _STRIP_ROWS):
        part = arrow.slice(start, _STRIP_ROWS)
        trimmed = pc.utf8_trim_whitespace(part)
        same = pc.equal(pc.binary_length(trimmed), pc.binary_length(part))
        if not pc.all(same).as_py():
            return False
    return True


def mark_error(raw: pd.DataFrame, bad: object, field: str, reason: object) -> None:
    """Record a read error on the ``bad`` rows that have none yet (first one wins).

    ``reason`` is one string for all rows or a Series aligned with ``raw``.
    """
    bad_rows = np.asarray(bad, dtype=bool) & (raw["error_field"].to_numpy() == "")
    if not bad_rows.any():
        return
    if isinstance(reason, pd.Series):
        reasons = reason.to_numpy(dtype=object)
    else:
        reasons = np.full(len(raw), reason, dtype=object)
    raw.loc[bad_rows, "error_field"] = field
    raw.loc[bad_rows, "error_reason"] = reasons[bad_rows]


def mark_implausible_months(
    raw: pd.DataFrame, field: str, earliest: str, latest: str
) -> None:
    """Reject rows dated before ``earliest`` or after ``latest`` (``YYYY-MM``).

    A date of 1900-01 or 2099-01 is a typo or a placeholder, and stored it
    would stretch every period and trend; the bounds are named in the reason.
    """
    month = raw["month"]
    early = (month != "") & (month < earliest)
    late = month > latest
    if not (early.any() or late.any()):
        return
    quoted = month.map(repr)
    mark_error(
        raw,
        early,
        field,
        "month " + quoted + f" is before {earliest}, the earliest accepted "
        "(HOTSPOTS_EARLIEST_MONTH)",
    )
    mark_error(
        raw, late, field, "month " + quoted + f" is after the current month, {latest}"
    )


def per_distinct(
    values: pd.Series, func: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """``func(values)`` for an element-wise ``func``, computed once per distinct
    value: a police.uk file repeats a few thousand values a million times."""
    codes, uniques = values.factorize(use_na_sentinel=False)
    result = func(pd.Series(uniques))
    return result.take(codes).set_axis(values.index)


def release_arrow_memory() -> None:
    """Hand the memory Arrow's pool has freed back to the system.

    Its allocator (mimalloc) keeps freed pages for reuse, so a big file's
    temporary columns would stay in the process's resident memory (~0.2 GB
    more at the peak of a 1M-row ingest). Returning them takes milliseconds.
    """
    pa.default_memory_pool().release_unused()
