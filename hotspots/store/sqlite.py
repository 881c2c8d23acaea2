"""The embedded default store: one SQLite file.

Each call opens its own short-lived connection, so one store object can serve
the CLI and the web service's worker threads alike. Writes take SQLite's
write lock for the whole file being ingested, so an ingest lands whole or not
at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from hotspots.errors import StoreError
from hotspots.period import day_after
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS, DatePrecision, Theme
from hotspots.store.base import (
    BATCH_COLUMNS,
    REJECT_COLUMNS,
    BatchRecord,
    BatchResult,
    IncidentQuery,
)

__all__ = ["BatchWriter", "SQLiteStore"]

SCHEMA_VERSION = 1

_REAL = {"easting", "northing", "lon", "lat", "geocode_precision_m"}
_INTEGER = {"incident_id", "batch_id", *FLAG_COLUMNS}
_NOT_NULL = {"incident_id", "source", "category", "theme", "easting", "northing"}

#: Groups of incident columns with few distinct combinations per batch, each
#: bound once per combination (see :func:`_insert_incidents`).
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
#: Page size of a new store file (bytes). Twice SQLite's default: a 1M-row
#: ingest spends ~10% less time inserting and ~40% less committing.
_PAGE_SIZE = 8192
#: Bound values per statement: SQLite's limit before version 3.32.
_MAX_VARIABLES = 999
#: Combined codes stay below this (int64, with room for one more factor).
_MAX_CODES = 2**62
#: Page cache for a batch's connection (KiB): room for the index pages a big
#: batch keeps extending (1M rows: ~25% faster than the 2 MB default; more
#: memory gains little).
_BATCH_CACHE_KIB = 64 * 1024


def _column_sql(name: str) -> str:
    kind = "REAL" if name in _REAL else "INTEGER" if name in _INTEGER else "TEXT"
    if name == "incident_id":
        return "incident_id INTEGER PRIMARY KEY"
    return f"{name} {kind}{' NOT NULL' if name in _NOT_NULL else ''}"


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    batch_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    source TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_stored INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    rows_duplicate INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    {", ".join(_column_sql(c) for c in INCIDENT_COLUMNS)}
);
CREATE INDEX IF NOT EXISTS incidents_by_month ON incidents (month, theme);
CREATE INDEX IF NOT EXISTS incidents_by_ward ON incidents (ward_code);
CREATE INDEX IF NOT EXISTS incidents_by_lsoa ON incidents (lsoa_code);
CREATE TABLE IF NOT EXISTS rejects (
    batch_id INTEGER NOT NULL REFERENCES batches (batch_id),
    row INTEGER NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_by_batch ON rejects (batch_id);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
INSERT OR IGNORE INTO meta VALUES ('data_version', '0');
"""


class SQLiteStore:
    """Incidents, batches and rejects in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._readers = threading.local()  # one cheap reader per thread
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the SQLite store at {self.path}: {exc}"
            ) from exc

    @contextmanager
    def _connect(self, *, any_thread: bool = False) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(
            self.path,
            timeout=60,
            isolation_level=None,
            check_same_thread=not any_thread,
        )
        try:
            conn.execute(f"PRAGMA page_size={_PAGE_SIZE}")  # only a new file takes it
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        finally:
            conn.close()

    def add_batch(
        self, batch: BatchRecord, incidents: pd.DataFrame, rejects: pd.DataFrame
    ) -> BatchResult:
        """Store one file's rows in one transaction (see the protocol)."""
        with self.batch_writer(batch) as writer:
            writer.add(incidents, rejects)
        return writer.result

    @contextmanager
    def batch_writer(self, batch: BatchRecord) -> Iterator[BatchWriter]:
        """Store one file's rows given in parts, still in one transaction.

        Call ``writer.add(incidents, rejects)`` for each part; the batch commits
        when the block ends (and rolls back if it raises), and ``writer.result``
        then holds its :class:`BatchResult`. SQLite inserts each part in a helper
        thread while the caller prepares the next one. Give parts in ascending
        ``incident_id`` ranges: rows are then appended in key order.
        """
        with (
            self._connect(any_thread=True) as conn,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as pool,
        ):
            writer: BatchWriter | None = None
            try:
                conn.execute("PRAGMA temp_store=MEMORY")
                conn.execute(f"PRAGMA cache_size=-{_BATCH_CACHE_KIB}")
                conn.execute("BEGIN IMMEDIATE")
                writer = BatchWriter(conn, _insert_batch(conn, batch), pool)
                yield writer
                writer.finish()
                conn.execute("COMMIT")
            except BaseException:
                if writer is not None:
                    writer.settle()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def incidents(self, query: IncidentQuery | None = None) -> pd.DataFrame:
        """Incidents matching ``query`` (all when None), oldest first."""
        query = query or IncidentQuery()
        columns = list(query.columns or INCIDENT_COLUMNS)
        where, params = _where(query)
        sql = f"SELECT {', '.join(columns)} FROM incidents {where} ORDER BY occurred_at"
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        frame = pd.DataFrame(rows, columns=columns)
        for flag in FLAG_COLUMNS:
            if flag in frame:
                frame[flag] = frame[flag].astype(bool)
        return frame

    def batches(self) -> pd.DataFrame:
        """Every batch, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches ORDER BY batch_id"
            ).fetchall()
        return pd.DataFrame(rows, columns=list(BATCH_COLUMNS))

    def rejects(self, batch_id: int | None = None) -> pd.DataFrame:
        """Rejected rows with their file name, by batch then row."""
        sql = (
            "SELECT r.batch_id, b.file_name, r.row, r.field, r.reason, r.record "
            "FROM rejects r JOIN batches b USING (batch_id)"
        )
        params: tuple[int, ...] = ()
        if batch_id is not None:
            sql += " WHERE r.batch_id = ?"
            params = (batch_id,)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY r.batch_id, r.row", params).fetchall()
        return pd.DataFrame(rows, columns=["batch_id", "file_name", *REJECT_COLUMNS])

    def street_points(self) -> pd.DataFrame:
        """Distinct snapped locations with their street text and town."""
        sql = (
            "SELECT DISTINCT location_text, town, easting, northing FROM incidents "
            "WHERE geocode_quality = 'snapped' AND location_text LIKE 'On or near %'"
        )
        with self._connect() as conn:
            rows = conn.execute(sql).fetchall()
        return pd.DataFrame(
            rows, columns=["location_text", "town", "easting", "northing"]
        )

    def data_version(self) -> int:
        """Bumped by every batch that stores at least one incident.

        Asked on every cached API request, so it reuses this thread's reader
        connection; each SELECT starts a new read transaction and so sees the
        latest committed ingest.
        """
        row = (
            self._reader()
            .execute("SELECT value FROM meta WHERE key='data_version'")
            .fetchone()
        )
        return int(row[0])

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._readers.conn = conn
        return conn

    def count(self) -> int:
        """Number of stored incidents."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])

    def months(self) -> list[str]:
        """Months (``YYYY-MM``) that have incidents, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT month FROM incidents WHERE month != '' ORDER BY month"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Nothing to release: connections live only for one call."""


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
        self._conn.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
            _rows(
                rejects.assign(batch_id=self.batch_id), ("batch_id", *REJECT_COLUMNS)
            ),
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


def _where(query: IncidentQuery) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []

    def any_of(column: str, values: object) -> None:
        values = list(values)  # type: ignore[call-overload]
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)

    if query.themes:
        themes = [str(t) for t in query.themes]
        clause = f"theme IN ({', '.join('?' * len(themes))})"
        if Theme.ALCOHOL.value in themes:
            clause = f"({clause} OR alcohol_related = 1)"
        clauses.append(clause)
        params.extend(themes)
    if query.categories:
        any_of("category", query.categories)
    if query.sources:
        any_of("source", query.sources)
    if query.ward_codes:
        any_of("ward_code", query.ward_codes)
    if query.lsoa_codes:
        any_of("lsoa_code", query.lsoa_codes)
    if query.month_from:
        clauses.append("month >= ?")
        params.append(query.month_from)
    if query.month_to:
        clauses.append("month <= ?")
        params.append(query.month_to)
    if query.day_from:  # ISO text: the start of the known period is on/after it
        clauses.append("occurred_at >= ?")
        params.append(query.day_from)
    if query.day_to:  # ... and its end is before the next day
        end = day_after(query.day_to)
        clauses.append(
            f"occurred_at < ? AND (occurred_precision != '{DatePrecision.MONTH}' "
            "OR month < ?)"
        )
        params.extend([end, end[:7]])
    if query.bbox_bng:
        clauses.append("easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?")
        x0, y0, x1, y1 = query.bbox_bng
        params.extend([x0, x1, y0, y1])
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params
