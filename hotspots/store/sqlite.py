"""The embedded default store: one SQLite file.

Each call opens its own short-lived connection, so one store object can serve
the CLI and the web service's worker threads alike. Writes take SQLite's
write lock for the whole file being ingested, so an ingest lands whole or not
at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS, Theme
from hotspots.store.base import (
    BATCH_COLUMNS,
    REJECT_COLUMNS,
    BatchRecord,
    BatchResult,
    IncidentQuery,
)

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = 1

_REAL = {"easting", "northing", "lon", "lat", "geocode_precision_m"}
_INTEGER = {"incident_id", "batch_id", *FLAG_COLUMNS}
_NOT_NULL = {"incident_id", "source", "category", "theme", "easting", "northing"}


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the SQLite store at {self.path}: {exc}"
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
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
        with self._connect() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                batch_id = _insert_batch(conn, batch)
                rows = incidents.assign(batch_id=batch_id).sort_values("incident_id")
                before = conn.total_changes
                placeholders = ", ".join("?" * len(INCIDENT_COLUMNS))
                conn.executemany(
                    f"INSERT INTO incidents VALUES ({placeholders}) "
                    "ON CONFLICT (incident_id) DO NOTHING",
                    _rows(rows, INCIDENT_COLUMNS),
                )
                stored = conn.total_changes - before
                conn.executemany(
                    "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
                    _rows(
                        rejects.assign(batch_id=batch_id), ("batch_id", *REJECT_COLUMNS)
                    ),
                )
                duplicates = len(incidents) - stored
                conn.execute(
                    "UPDATE batches SET rows_stored=?, rows_rejected=?, "
                    "rows_duplicate=? WHERE batch_id=?",
                    (stored, len(rejects), duplicates, batch_id),
                )
                if stored:
                    conn.execute(
                        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                        "WHERE key = 'data_version'"
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return BatchResult(batch_id, stored, duplicates, len(rejects))

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
        """Bumped by every batch that stores at least one incident."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE key='data_version'"
            ).fetchone()
        return int(row[0])

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


def _rows(
    frame: pd.DataFrame, columns: tuple[str, ...]
) -> Iterator[tuple[object, ...]]:
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
    if query.bbox_bng:
        clauses.append("easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?")
        x0, y0, x1, y1 = query.bbox_bng
        params.extend([x0, x1, y0, y1])
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params
