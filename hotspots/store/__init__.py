"""Incident stores behind one interface, chosen by a URL (``HOTSPOTS_DATABASE_URL``)."""

from __future__ import annotations

from pathlib import Path

from hotspots.errors import StoreError
from hotspots.store.base import BatchRecord, BatchResult, IncidentQuery, IncidentStore
from hotspots.store.sqlite import SQLiteStore

__all__ = [
    "POSTGRES_SCHEMES",
    "BatchRecord",
    "BatchResult",
    "IncidentQuery",
    "IncidentStore",
    "SQLiteStore",
    "open_store",
]

#: URL schemes of the PostgreSQL/PostGIS store.
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgis://", "postgresql+")


def open_store(url: str) -> IncidentStore:
    """Open the store a URL names.

    ``sqlite:///relative.db`` is relative to the working directory and
    ``sqlite:////abs/path.db`` is absolute, as in SQLAlchemy;
    ``postgresql://user:password@host:5432/db`` (or ``postgis://``) is a
    PostgreSQL database with PostGIS whose schema ``hotspots db upgrade`` made.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            raise StoreError(f"{url!r}: give a file path; the store must persist")
        return SQLiteStore(Path(path))
    if url.startswith(POSTGRES_SCHEMES):
        from hotspots.store.postgis import PostGISStore  # psycopg only when used

        return PostGISStore(url)
    raise StoreError(
        f"unsupported store URL {url!r}: expected sqlite:///path/to/file.db or "
        "postgresql://user:password@host/db"
    )
