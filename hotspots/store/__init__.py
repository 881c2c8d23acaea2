"""Incident stores behind one interface, chosen by a URL (``HOTSPOTS_DATABASE_URL``)."""

from __future__ import annotations

from pathlib import Path

from hotspots.errors import StoreError
from hotspots.store.base import BatchRecord, BatchResult, IncidentQuery, IncidentStore
from hotspots.store.sqlite import SQLiteStore

__all__ = [
    "BatchRecord",
    "BatchResult",
    "IncidentQuery",
    "IncidentStore",
    "SQLiteStore",
    "open_store",
]


def open_store(url: str) -> IncidentStore:
    """Open the store a URL names, e.g. ``sqlite:///path/to/hotspots.db``.

    ``sqlite:///relative.db`` is relative to the working directory and
    ``sqlite:////abs/path.db`` is absolute, as in SQLAlchemy.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            raise StoreError(f"{url!r}: give a file path; the store must persist")
        return SQLiteStore(Path(path))
    if url.startswith(("postgresql://", "postgres://", "postgis://")):
        raise StoreError(
            f"{url.split('@')[-1]!r}: the PostgreSQL/PostGIS store is not built yet; "
            "use sqlite:///path/to/file.db"
        )
    raise StoreError(
        f"unsupported store URL {url!r}: expected sqlite:///path/to/file.db"
    )
