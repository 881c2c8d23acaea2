"""The embedded default store: one SQLite file.

Each call opens its own short-lived connection, so one store object can serve
the CLI and the web service's worker threads alike. Writes take SQLite's
write lock for the whole file being ingested, so an ingest lands whole or not
at all.

A new file is created at the newest schema revision; an older file (one from
before migrations counts as the base revision) is upgraded when opened, and
a file from newer code is refused (see :mod:`hotspots.store.revisions`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store.base import (
    BATCH_COLUMNS,
    REJECT_COLUMNS,
    BatchRecord,
    BatchResult,
    IncidentQuery,
)
from hotspots.store.migrate import sqlite_revision
from hotspots.store.premises_sqlite import PREMISES_SCHEMA
from hotspots.store.revisions import HEAD_REVISION, REVISIONS, require_head
from hotspots.store.sqlite_batch import BatchWriter, _insert_batch
from hotspots.store.where import Dialect, where_clause

__all__ = ["SQLiteStore"]

_log = logging.getLogger("hotspots")

SCHEMA_VERSION = 1  # meta.schema_version, kept; migrations use alembic_version

_REAL = {"easting", "northing", "lon", "lat", "geocode_precision_m"}
_INTEGER = {"incident_id", "batch_id", *FLAG_COLUMNS}
_NOT_NULL = {"incident_id", "source", "category", "theme", "easting", "northing"}

#: Page size of a new store file (bytes). Twice SQLite's default: a 1M-row
#: ingest spends ~10% less time inserting and ~40% less committing.
_PAGE_SIZE = 8192
#: Page cache for a batch's connection (KiB): room for the index pages a big
#: batch keeps extending (1M rows: ~25% faster than the 2 MB default; more
#: memory gains little).
_BATCH_CACHE_KIB = 64 * 1024
#: The incidents table is analysed again when its size moves this far from
#: the size its statistics were taken at (so the cost stays in proportion).
_STATISTICS_DRIFT = 0.25


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
CREATE INDEX IF NOT EXISTS batches_by_checksum ON batches (checksum);
CREATE TABLE IF NOT EXISTS incidents (
    {", ".join(_column_sql(c) for c in INCIDENT_COLUMNS)}
);
CREATE INDEX IF NOT EXISTS incidents_by_month ON incidents (month, theme);
CREATE INDEX IF NOT EXISTS incidents_by_ward_month ON incidents (ward_code, month);
CREATE INDEX IF NOT EXISTS incidents_by_lsoa_month ON incidents (lsoa_code, month);
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
CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version SELECT '{HEAD_REVISION}'
    WHERE NOT EXISTS (SELECT 1 FROM alembic_version);
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
                revision, _ = sqlite_revision(conn)
                if revision is None:  # a new, empty file: created at the head
                    conn.executescript(
                        f"BEGIN IMMEDIATE; {_SCHEMA}; {PREMISES_SCHEMA}; COMMIT;"
                    )
                    revision, _ = sqlite_revision(conn)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the SQLite store at {self.path}: {exc}"
            ) from exc
        if revision in REVISIONS[:-1]:
            revision = self._upgrade(revision)
        require_head(revision, f"the SQLite store {self.path}")

    def _upgrade(self, revision: str) -> str | None:
        """Upgrade an older store file in place, saying so; the new revision.

        A SQLite store is one user's file, made by this program: opening an
        older one (e.g. from before migrations, taken as the base revision)
        upgrades it in one write-locked transaction rather than refusing it.
        A PostgreSQL database is shared and is never upgraded by opening it.
        """
        from hotspots.store.migrate import upgrade

        status = upgrade(self.url)
        _log.warning(
            "upgraded the SQLite store %s from schema revision %s to %s",
            self.path, revision, status.revision,
        )  # fmt: skip
        return status.revision

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
                if writer.result.stored:
                    _refresh_statistics(conn)
            except BaseException:
                if writer is not None:
                    writer.settle()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def incidents(self, query: IncidentQuery | None = None) -> pd.DataFrame:
        """Incidents matching ``query`` (all when None), oldest first (ties by
        id, as PostGIS: the same order whatever plan the planner picks)."""
        query = query or IncidentQuery()
        columns = list(query.columns or INCIDENT_COLUMNS)
        where, params = _where(query)
        sql = f"SELECT {', '.join(columns)} FROM incidents {where}"
        if query.after_id is not None or query.limit is not None:
            sql += " ORDER BY incident_id"
            if query.limit is not None:
                sql += " LIMIT ?"
                params.append(int(query.limit))
        else:
            sql += " ORDER BY occurred_at, incident_id"
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

    def batch_with_checksum(self, checksum: str) -> dict[str, Any] | None:
        """The oldest batch whose file had this SHA-256, or None."""
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches "
                "WHERE checksum = ? ORDER BY batch_id LIMIT 1",
                (checksum,),
            ).fetchone()
        return None if row is None else dict(zip(BATCH_COLUMNS, row, strict=True))

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
        """Distinct snapped locations with their street text and town, in one
        order on every store (street matching breaks ties by order)."""
        sql = (
            "SELECT DISTINCT location_text, town, easting, northing FROM incidents "
            "WHERE geocode_quality = 'snapped' AND location_text LIKE 'On or near %' "
            "ORDER BY location_text, town, easting, northing"
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

    def count(self, query: IncidentQuery | None = None) -> int:
        """Number of stored incidents (matching ``query``, paging ignored)."""
        if query is None:
            where, params = "", []
        else:
            where, params = _where(replace(query, after_id=None, limit=None))
        with self._connect() as conn:
            sql = f"SELECT COUNT(*) FROM incidents {where}"
            return int(conn.execute(sql, params).fetchone()[0])

    def counts(self, query: IncidentQuery, by: Sequence[str]) -> pd.DataFrame:
        """Incidents matching ``query`` counted per distinct ``by`` columns (``n``).

        Grouped in SQL, so only one row per group leaves the store.
        """
        by = list(by)
        unknown = set(by) - set(INCIDENT_COLUMNS)
        if not by or unknown:
            raise StoreError(f"cannot count incidents by {sorted(unknown) or by}")
        where, params = _where(replace(query, after_id=None, limit=None))
        keys = ", ".join(by)
        sql = f"SELECT {keys}, COUNT(*) FROM incidents {where} GROUP BY {keys}"
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        frame = pd.DataFrame(rows, columns=[*by, "n"])
        frame["n"] = frame["n"].astype("int64")
        for flag in FLAG_COLUMNS:
            if flag in frame:
                frame[flag] = frame[flag].astype(bool)
        return frame

    def months(self) -> list[str]:
        """Months (``YYYY-MM``) that have incidents, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT month FROM incidents WHERE month != '' ORDER BY month"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Nothing to release: connections live only for one call."""


class _SQLite(Dialect):
    """SQLite's SQL: ``?`` marks, flags as 0/1, the box and circle by comparisons."""

    mark = "?"

    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def is_true(self, column: str) -> str:
        return f"{column} = 1"

    def in_box(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[str, list[object]]:
        return "easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?", [x0, x1, y0, y1]

    def within(self, x: float, y: float, radius_m: float) -> tuple[str, list[object]]:
        r = radius_m  # the box first (cheap comparisons), then the circle
        return (
            "easting BETWEEN ? AND ? AND northing BETWEEN ? AND ? AND "
            "(easting - ?) * (easting - ?) + (northing - ?) * (northing - ?) <= ?",
            [x - r, x + r, y - r, y + r, x, x, y, y, r * r],
        )


_SQL = _SQLite()


def _where(query: IncidentQuery) -> tuple[str, list[object]]:
    """``WHERE ...`` and its parameters for ``query`` (the rules of where.py)."""
    return where_clause(query, _SQL)


def _refresh_statistics(conn: sqlite3.Connection) -> None:
    """Give SQLite's planner the incidents table's statistics (``ANALYZE``)
    when there are none or the table's size moved by more than
    :data:`_STATISTICS_DRIFT` since they were taken.

    Without them the planner reads a whole city through the ward index, one
    random row at a time: five years of a city (179,500 rows) 0.83 s against
    0.23 s for the table scan it then chooses; a single ward keeps the index.
    A sampled ``ANALYZE`` (``analysis_limit``) sees one ward at the start of
    the index and misleads it, so the analysis is whole: ~0.05 s per 180k rows.
    Statistics only speed reads up, so a locked store just skips them.
    """
    try:
        row = conn.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'incidents' LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:  # no sqlite_stat1 yet: never analysed
        row = None
    try:
        if row is not None:
            known = int(str(row[0]).split()[0])
            (total,) = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()
            if abs(total - known) <= _STATISTICS_DRIFT * known:
                return
        conn.execute("ANALYZE incidents")
    except sqlite3.OperationalError as exc:
        _log.info("planner statistics not refreshed: %s", exc)
