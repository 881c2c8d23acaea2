"""Schema migrations of a store, by its URL (``hotspots db ...``).

Alembic runs the scripts in ``hotspots/store/migrations`` on SQLite and
PostgreSQL alike; this module is the one place that imports it (and
SQLAlchemy), so opening a store stays light.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hotspots.errors import StoreError
from hotspots.store.revisions import BASE_REVISION, HEAD_REVISION

__all__ = [
    "SchemaStatus",
    "schema_status",
    "sqlalchemy_url",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against this code."""

    where: str  # the URL without its password
    revision: str | None  # None: no hotspots schema at all
    pre_migrations: bool = False  # a SQLite file from before migrations

    @property
    def current(self) -> bool:
        """True when the schema is the head revision."""
        return self.revision == HEAD_REVISION


def sqlalchemy_url(url: str) -> str:
    """``url`` with the driver SQLAlchemy should use (psycopg 3 for PostgreSQL)."""
    from hotspots.store.postgis import libpq_url

    if url.startswith("sqlite:///"):
        return url
    return libpq_url(url).replace("postgresql://", "postgresql+psycopg://", 1)


def _sqlite_path(url: str) -> Path | None:
    return (
        Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    )


def schema_status(url: str) -> SchemaStatus:
    """The revision recorded in the database at ``url``, read without Alembic."""
    from hotspots.store.postgis import display_url

    path = _sqlite_path(url)
    if path is None:
        import psycopg

        from hotspots.store.postgis import libpq_url

        try:
            with psycopg.connect(libpq_url(url), connect_timeout=30) as conn:
                row = conn.execute(
                    "SELECT to_regclass('alembic_version') IS NOT NULL"
                ).fetchone()
                revision = None
                if row and row[0]:
                    found = conn.execute(
                        "SELECT version_num FROM alembic_version"
                    ).fetchone()
                    revision = None if found is None else str(found[0])
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {display_url(url)}: {exc}") from exc
        return SchemaStatus(display_url(url), revision)
    if not path.exists():
        return SchemaStatus(str(path), None)
    with sqlite3.connect(path) as conn:
        revision, pre = sqlite_revision(conn)
    return SchemaStatus(str(path), revision, pre)


def sqlite_revision(conn: sqlite3.Connection) -> tuple[str | None, bool]:
    """A SQLite file's revision, and whether it predates migrations (no
    ``alembic_version`` table but the base tables: taken as the base revision)."""
    tables = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return (None if row is None else str(row[0])), False
    if "incidents" in tables:
        return BASE_REVISION, True
    return None, False


def upgrade(url: str, revision: str = "head") -> SchemaStatus:
    """Upgrade the database at ``url`` to ``revision`` (default: the newest).

    A SQLite file made before migrations is first stamped as the base
    revision (its tables are exactly that revision's). Returns the status after.
    """
    from alembic import command

    config = _config(url)
    status = schema_status(url)
    if status.pre_migrations:
        command.stamp(config, BASE_REVISION)
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        command.upgrade(config, revision)
    except Exception as exc:  # Alembic and the drivers raise many kinds
        raise StoreError(
            f"upgrading {status.where} to {revision} failed: {exc}"
        ) from exc
    return schema_status(url)


def _config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser would read "%" as interpolation (URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config
