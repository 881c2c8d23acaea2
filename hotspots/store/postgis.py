"""The shared-server store: PostgreSQL with PostGIS.

Chosen by ``HOTSPOTS_DATABASE_URL=postgresql://user:password@host/db``. The
schema is created and upgraded only by ``hotspots db upgrade`` (Alembic,
``hotspots/store/migrations``); opening a store checks its revision and
refuses one that is behind.

Plain SQL through psycopg 3, not SQLAlchemy Core: the queries are the SQLite
store's, a few lines each, and the two things that make PostgreSQL fast here,
``COPY`` for ingest and server-side PostGIS predicates, are SQL that Core
would only wrap. SQLAlchemy is used by the migrations alone (Alembic needs
it) and never imported by the service's request path.

Every incident has ``geom`` (``geometry(Point, 27700)``, generated from its
easting and northing, GiST-indexed), so the bbox filter is an index search.
Text columns use the "C" collation: months and ISO dates compare and sort
byte by byte, as they do in SQLite, whatever the server's locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store.base import (
    BATCH_COLUMNS,
    REJECT_COLUMNS,
    BatchRecord,
    BatchResult,
    IncidentQuery,
)
from hotspots.store.postgis_batch import PostGISBatchWriter, insert_batch
from hotspots.store.revisions import require_head
from hotspots.store.where import Dialect, where_clause

__all__ = ["BNG_SRID", "PostGISStore", "display_url", "libpq_url"]

#: EPSG code of every stored geometry (British National Grid, metres).
BNG_SRID = 27700
#: Connections one store (one process) keeps open at most: the service's
#: worker threads share them; a request beyond waits for one to be free.
_POOL_MAX = 8


def libpq_url(url: str) -> str:
    """``url`` as libpq takes it: ``postgis://`` and ``postgresql+psycopg://``
    become ``postgresql://``."""
    return re.sub(r"^(postgis|postgres|postgresql(\+\w+)?)://", "postgresql://", url)


def display_url(url: str) -> str:
    """The URL without its password, for messages and ``store.url``."""
    url = re.sub(r"^([a-z+]+://[^:/@]*):[^@]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


class PostGISStore:
    """Incidents, batches and rejects in a PostgreSQL/PostGIS database.

    One pool of connections per store object (per process); each call borrows
    one. Reads run in autocommit mode, so each sees the latest committed
    ingest; an ingest is one transaction.
    """

    def __init__(self, url: str, *, pool_max: int = _POOL_MAX) -> None:
        conninfo = libpq_url(url)
        #: The URL without its password: printed by the CLI, never a secret.
        self.url = display_url(conninfo)
        self._shown = self.url
        try:  # one plain connection first: a bad URL fails now, saying why
            with psycopg.connect(conninfo, connect_timeout=15) as probe:
                revision = _revision(probe)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self._shown}: {exc}") from exc
        require_head(revision, self._shown)
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_max,
            kwargs={"autocommit": True},
            open=True,
            name="hotspots",
        )

    def __repr__(self) -> str:
        return f"PostGISStore({self._shown!r})"

    def revision(self) -> str | None:
        """The schema revision recorded in the database (None: no schema)."""
        with self._pool.connection() as conn:
            return _revision(conn)

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise StoreError(f"{self._shown}: {exc}") from exc

    def add_batch(
        self, batch: BatchRecord, incidents: pd.DataFrame, rejects: pd.DataFrame
    ) -> BatchResult:
        """Store one file's rows in one transaction (see the protocol)."""
        with self.batch_writer(batch) as writer:
            writer.add(incidents, rejects)
        return writer.result

    @contextmanager
    def batch_writer(self, batch: BatchRecord) -> Iterator[PostGISBatchWriter]:
        """Store one file's rows given in parts, in one transaction.

        Each ``writer.add(incidents, rejects)`` copies a part in with ``COPY``;
        the batch commits when the block ends (rolled back if it raises), and
        the data version is bumped in that same transaction, so no reader can
        see the new rows under the old version.
        """
        try:
            with self._pool.connection() as conn, conn.transaction():
                writer = PostGISBatchWriter(conn, insert_batch(conn, batch))
                yield writer
                writer.finish()
        except psycopg.Error as exc:
            raise StoreError(f"{self._shown}: {batch.file_name}: {exc}") from exc

    def incidents(self, query: IncidentQuery | None = None) -> pd.DataFrame:
        """Incidents matching ``query`` (all when None), oldest first."""
        query = query or IncidentQuery()
        columns = list(query.columns or INCIDENT_COLUMNS)
        unknown = set(columns) - set(INCIDENT_COLUMNS)
        if unknown:
            raise StoreError(f"no incident column(s) {sorted(unknown)}")
        where, params = _where(query)
        sql = f"SELECT {', '.join(columns)} FROM incidents {where}"
        if query.after_id is not None or query.limit is not None:
            sql += " ORDER BY incident_id"
            if query.limit is not None:
                sql += " LIMIT %s"
                params.append(int(query.limit))
        else:
            sql += " ORDER BY occurred_at, incident_id"
        frame = pd.DataFrame(self._rows(sql, params), columns=columns)
        return _flags_as_bool(frame)

    def batches(self) -> pd.DataFrame:
        """Every batch, oldest first."""
        rows = self._rows(
            f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches ORDER BY batch_id"
        )
        return pd.DataFrame(rows, columns=list(BATCH_COLUMNS))

    def batch_with_checksum(self, checksum: str) -> dict[str, Any] | None:
        """The oldest batch whose file had this SHA-256, or None."""
        rows = self._rows(
            f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches "
            "WHERE checksum = %s ORDER BY batch_id LIMIT 1",
            (checksum,),
        )
        return dict(zip(BATCH_COLUMNS, rows[0], strict=True)) if rows else None

    def rejects(self, batch_id: int | None = None) -> pd.DataFrame:
        """Rejected rows with their file name, by batch then row."""
        sql = (
            "SELECT r.batch_id, b.file_name, r.row, r.field, r.reason, r.record "
            "FROM rejects r JOIN batches b USING (batch_id)"
        )
        params: tuple[int, ...] = ()
        if batch_id is not None:
            sql += " WHERE r.batch_id = %s"
            params = (int(batch_id),)
        rows = self._rows(sql + " ORDER BY r.batch_id, r.row", params)
        return pd.DataFrame(rows, columns=["batch_id", "file_name", *REJECT_COLUMNS])

    def street_points(self) -> pd.DataFrame:
        """Distinct snapped locations with their street text and town, in one
        order on every store (street matching breaks ties by order)."""
        rows = self._rows(
            "SELECT DISTINCT location_text, town, easting, northing FROM incidents "
            "WHERE geocode_quality = 'snapped' AND location_text ILIKE 'On or near %%' "
            "ORDER BY location_text, town NULLS FIRST, easting, northing"
        )
        return pd.DataFrame(
            rows, columns=["location_text", "town", "easting", "northing"]
        )

    def data_version(self) -> int:
        """Bumped in the transaction of every batch that stores an incident.

        Read from the database on every call (one indexed row), so every API
        process and machine sharing the database sees an ingest as soon as it
        commits, and keys its layer cache by it.
        """
        rows = self._rows("SELECT value FROM meta WHERE key = 'data_version'")
        return int(rows[0][0])

    def count(self, query: IncidentQuery | None = None) -> int:
        """Number of stored incidents (matching ``query``, paging ignored)."""
        if query is None:
            where, params = "", []
        else:
            where, params = _where(replace(query, after_id=None, limit=None))
        return int(self._rows(f"SELECT COUNT(*) FROM incidents {where}", params)[0][0])

    def counts(self, query: IncidentQuery, by: Sequence[str]) -> pd.DataFrame:
        """Incidents matching ``query`` counted per distinct ``by`` columns (``n``)."""
        by = list(by)
        unknown = set(by) - set(INCIDENT_COLUMNS)
        if not by or unknown:
            raise StoreError(f"cannot count incidents by {sorted(unknown) or by}")
        where, params = _where(replace(query, after_id=None, limit=None))
        keys = ", ".join(by)
        rows = self._rows(
            f"SELECT {keys}, COUNT(*) FROM incidents {where} GROUP BY {keys}", params
        )
        frame = pd.DataFrame(rows, columns=[*by, "n"])
        frame["n"] = frame["n"].astype("int64")
        return _flags_as_bool(frame)

    def months(self) -> list[str]:
        """Months (``YYYY-MM``) that have incidents, oldest first."""
        rows = self._rows(
            "SELECT DISTINCT month FROM incidents WHERE month <> '' ORDER BY month"
        )
        return [str(r[0]) for r in rows]

    def premises_register(self) -> Any:
        """The premises register kept in this database."""
        from hotspots.store.premises_postgis import PostGISPremisesRegister

        return PostGISPremisesRegister(self._pool, self._shown)

    def close(self) -> None:
        """Close the pool's connections."""
        self._pool.close()


def _revision(conn: psycopg.Connection) -> str | None:
    """The revision in ``alembic_version``, or None when there is no schema."""
    exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
    found = exists.fetchone()
    if not found or not found[0]:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _flags_as_bool(frame: pd.DataFrame) -> pd.DataFrame:
    for flag in FLAG_COLUMNS:
        if flag in frame:
            frame[flag] = frame[flag].fillna(False).astype(bool)
    return frame


class _PostGIS(Dialect):
    """PostgreSQL's SQL: ``%s`` marks, lists as arrays, boolean flags, and the
    box and radius by PostGIS on the GiST index of ``geom``."""

    mark = "%s"

    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} = ANY(%s)", [list(values)]

    def is_true(self, column: str) -> str:
        return f"{column} IS TRUE"

    def in_box(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[str, list[object]]:
        return (
            f"ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, {BNG_SRID}))",
            [x0, y0, x1, y1],
        )

    def within(self, x: float, y: float, radius_m: float) -> tuple[str, list[object]]:
        return (
            f"ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%s, %s), {BNG_SRID}), %s)",
            [x, y, radius_m],
        )


_SQL = _PostGIS()


def _where(query: IncidentQuery) -> tuple[str, list[object]]:
    """``WHERE ...`` and its parameters for ``query`` (the rules of where.py)."""
    return where_clause(query, _SQL)
