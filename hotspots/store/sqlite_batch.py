"""The SQLite store's write path: one batch's rows into the file.

:class:`BatchWriter` stages each part of a batch in temp tables and joins it
into ``incidents`` on a helper thread, inside the transaction that
:meth:`SQLiteStore.batch_writer <hotspots.store.sqlite.SQLiteStore.batch_writer>`
opens. It lives apart from :mod:`hotspots.store.sqlite` (schema, connections,
reads) because this bulk-insert machinery is a job of its own and most of the
code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store.base import REJECT_COLUMNS, BatchRecord, BatchResult

__all__ = ["BatchWriter"]

#: Groups of incident columns with few distinct combinations per batch, each
#: bound once per combination (see :func:`_staged_tables` and :func:`_insert_staged`).
_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "place": (
        "easting", "northing", "lon", "lat", "geocode_quality",
        "geocode_precision_m", "geocode_note", "location_text", "town",
        "lsoa_code", "ward_code",
    ),
    "kind": ("source", "category", "theme", *FLAG_COLUMNS, "batch_id"),
    "period": ("occurred_at", "occurred_precision", "month"),
}  # fmt: skip
_TABLE_OF = {c: name for name, columns in _DIMENSIONS.items() for c in columns}
_TABLE_OF.update(incident_id="batch", source_id="batch")
assert set(_TABLE_OF) == set(INCIDENT_COLUMNS)
_INSERT_FROM_TEMP = (
    f"INSERT INTO main.incidents ({', '.join(INCIDENT_COLUMNS)}) "
    f"SELECT {', '.join(f'{_TABLE_OF[c]}.{c}' for c in INCIDENT_COLUMNS)} "
    "FROM temp.batch_rows AS batch "
    + " ".join(
        f"CROSS JOIN temp.batch_{name} AS {name} ON {name}.code = batch.{name}"
        for name in _DIMENSIONS
    )
    + " WHERE true ORDER BY batch.incident_id ON CONFLICT (incident_id) DO NOTHING"
)
#: Bound values per statement: SQLite's limit before version 3.32.
_MAX_VARIABLES = 999
#: Combined codes stay below this (int64, with room for one more factor).
_MAX_CODES = 2**62


def _insert_batch(conn: sqlite3.Connection, batch: BatchRecord) -> int:
    cursor = conn.execute(
        "INSERT INTO batches (file_name, checksum, source, ingested_at, rows_read, "
        "rows_stored, rows_rejected, rows_duplicate) VALUES (?, ?, ?, ?, ?, 0, 0, 0)",
        (
            batch.file_name,
            batch.checksum,
            batch.source,
            batch.ingested_at,
            batch.rows_read,
        ),
    )
    return int(cursor.lastrowid or 0)


class BatchWriter:
    """Adds the parts of one batch inside the transaction its store opened.

    Each part's rows are staged (bound into temp tables, which needs the GIL)
    in the caller's thread, then joined into ``incidents`` by one long
    ``INSERT ... SELECT`` in a helper thread. SQLite releases the GIL while it
    runs, so the caller's work on the next part, and the Python side of staging
    it, proceed in parallel. The connection is only ever used by one thread at
    a time.
    """

    def __init__(
        self, conn: sqlite3.Connection, batch_id: int, pool: ThreadPoolExecutor
    ) -> None:
        self.batch_id = batch_id
        self._result: BatchResult | None = None
        self._conn = conn
        self._pool = pool
        self._inserting: Future[int] | None = None
        self._stored = 0
        self._incidents = 0
        self._rejects: list[pd.DataFrame] = []

    def add(self, incidents: pd.DataFrame, rejects: pd.DataFrame) -> None:
        """Queue one part's incidents (and keep its rejects for the end)."""
        # Python work first, while the helper may still be inserting the last part.
        staged = _staged_tables(incidents.assign(batch_id=self.batch_id))
        self._wait()
        for table in staged:
            _fill_temp_table(self._conn, table)
        self._inserting = self._pool.submit(_insert_staged, self._conn)
        self._incidents += len(incidents)
        self._rejects.append(rejects)

    def finish(self) -> None:
        """Write the rejects and the batch's counts (the store then commits)."""
        self._wait()
        rejects = (
            pd.concat(self._rejects, ignore_index=True)
            if self._rejects
            else pd.DataFrame(columns=list(REJECT_COLUMNS))
        )
        columns = ("batch_id", *REJECT_COLUMNS)
        rows = _rows(rejects.assign(batch_id=self.batch_id), columns)
        _insert_many(
            self._conn,
            f"INSERT INTO rejects ({', '.join(columns)})",
            len(columns),
            list(chain.from_iterable(rows)),
        )
        duplicates = self._incidents - self._stored
        self._conn.execute(
            "UPDATE batches SET rows_stored=?, rows_rejected=?, "
            "rows_duplicate=? WHERE batch_id=?",
            (self._stored, len(rejects), duplicates, self.batch_id),
        )
        if self._stored:
            self._conn.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                "WHERE key = 'data_version'"
            )
        self._result = BatchResult(
            self.batch_id, self._stored, duplicates, len(rejects)
        )

    @property
    def result(self) -> BatchResult:
        """What storing the batch did (once :meth:`finish` has run)."""
        if self._result is None:
            raise StoreError("the batch is not finished")
        return self._result

    def settle(self) -> None:
        """Let a running insert end (its error, if any, is superseded)."""
        if self._inserting is not None:
            wait([self._inserting])
            self._inserting = None

    def _wait(self) -> None:
        if self._inserting is not None:
            inserting, self._inserting = self._inserting, None
            self._stored += inserting.result()


@dataclass(frozen=True)
class _StagedTable:
    """Rows for ``temp.batch_<name>``, keyed on the first column, as one flat
    list of values (row after row)."""

    name: str
    columns: tuple[str, ...]
    values: list[object]


def _staged_tables(incidents: pd.DataFrame) -> list[_StagedTable]:
    """The temp tables :func:`_insert_staged` joins into ``incidents``.

    Binding 25 Python values per row is most of the cost of a plain
    ``executemany``, and incidents repeat a few thousand places, categories and
    months. So each group of :data:`_DIMENSIONS` columns goes into a small table
    of its distinct values, and each row has only its id, source id and three
    group codes, in ``incident_id`` order (a repeated id keeps its first row).
    """
    order = np.argsort(incidents["incident_id"].to_numpy(), kind="stable")
    row_columns = [
        _nullable_list(incidents[column].take(order))
        for column in ("incident_id", "source_id")
    ]
    tables = []
    for name, columns in _DIMENSIONS.items():
        codes, distinct = _distinct_rows(incidents, columns)
        distinct.insert(0, "code", np.arange(len(distinct)))
        values = list(chain.from_iterable(_rows(distinct, distinct.columns)))
        tables.append(_StagedTable(name, ("code", *columns), values))
        row_columns.append(codes[order].tolist())
    rows = list(chain.from_iterable(zip(*row_columns, strict=True)))
    tables.append(
        _StagedTable("rows", ("incident_id", "source_id", *_DIMENSIONS), rows)
    )
    return tables


def _insert_staged(conn: sqlite3.Connection) -> int:
    """Join the staged rows into ``incidents`` in key order, skipping ids
    already stored; returns how many were new."""
    before = conn.total_changes
    conn.execute(_INSERT_FROM_TEMP)
    stored = conn.total_changes - before
    for name in ("rows", *_DIMENSIONS):
        conn.execute(f"DROP TABLE temp.batch_{name}")
    return stored


def _fill_temp_table(conn: sqlite3.Connection, table: _StagedTable) -> None:
    """Create ``temp.batch_<name>`` and fill it; a repeated key keeps its first
    row."""
    key, *others = table.columns
    conn.execute(f"DROP TABLE IF EXISTS temp.batch_{table.name}")
    conn.execute(
        f"CREATE TEMP TABLE batch_{table.name} "
        f"({key} INTEGER PRIMARY KEY, {', '.join(others)})"
    )
    _insert_many(
        conn,
        f"INSERT OR IGNORE INTO temp.batch_{table.name}",
        len(table.columns),
        table.values,
    )


def _insert_many(
    conn: sqlite3.Connection, insert: str, n_columns: int, values: list[object]
) -> None:
    """Run ``insert`` (``INSERT ... INTO table``) for rows given as one flat list
    of values, many rows per statement: binding is then about 40% cheaper than
    one row at a time. Rows go in in order."""
    per_statement = max(1, _MAX_VARIABLES // n_columns)
    width = per_statement * n_columns
    whole = len(values) - len(values) % width

    def statement(n_rows: int) -> str:
        row = f"({', '.join('?' * n_columns)})"
        return f"{insert} VALUES {', '.join([row] * n_rows)}"

    conn.executemany(
        statement(per_statement),
        (values[start : start + width] for start in range(0, whole, width)),
    )
    if whole < len(values):
        conn.execute(statement((len(values) - whole) // n_columns), values[whole:])


def _distinct_rows(
    frame: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[NDArray[np.int64], pd.DataFrame]:
    """Each row's code among the distinct combinations of ``columns`` and those
    combinations (code ``i`` is row ``i``). Floats compare bit for bit."""
    codes = np.zeros(len(frame), dtype=np.int64)
    n_codes = 1
    for column in columns:
        values = frame[column]
        if values.dtype.kind == "f":
            values = values.to_numpy(dtype="float64").view(np.int64)
        column_codes, uniques = pd.factorize(values, use_na_sentinel=False)
        if n_codes * len(uniques) >= _MAX_CODES:  # renumber before overflowing
            codes, seen = pd.factorize(codes)
            n_codes = len(seen)
        codes = codes * len(uniques) + column_codes
        n_codes *= len(uniques)
    codes, seen = pd.factorize(codes)
    first = np.empty(len(seen), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes, frame.iloc[first].loc[:, list(columns)]


def _nullable_list(values: pd.Series) -> list[object]:
    """Values as plain Python objects, missing ones as None."""
    if values.dtype.kind in "iu":
        return values.tolist()
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return pa.array(values).to_pylist()  # Arrow-backed: nulls become None
    return values.astype(object).where(values.notna(), None).tolist()


def _rows(frame: pd.DataFrame, columns: Iterable[str]) -> Iterator[tuple[object, ...]]:
    """Rows as tuples of plain Python values, NaN as NULL."""
    lists = []
    for column in columns:
        values = frame[column]
        if values.dtype.kind == "f":
            lists.append([None if v != v else v for v in values.tolist()])
        elif values.dtype.kind == "b":
            lists.append(values.astype(np.int64).tolist())
        else:
            lists.append(values.astype(object).where(values.notna(), None).tolist())
    return iter(zip(*lists, strict=True))
