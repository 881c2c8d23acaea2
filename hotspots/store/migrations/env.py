"""Alembic's environment for the hotspots store: SQLite or PostgreSQL/PostGIS.

Run through :mod:`hotspots.store.migrate` (``hotspots db upgrade``), which
passes the store URL. Each run is one transaction (PostgreSQL and SQLite both
have transactional DDL), so a failed upgrade leaves the schema as it was.
Concurrent upgrades of one PostgreSQL database queue on an advisory lock: the
second finds the work done.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine, event, pool, text

#: pg_advisory_lock key held while migrating ("hotspots" in ASCII, truncated).
MIGRATION_LOCK = 0x686F7473706F7473


def _engine(url: str) -> Engine:
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        # pysqlite would commit before each DDL statement; take the write lock
        # at BEGIN instead, so the whole upgrade is one transaction.
        @event.listens_for(engine, "connect")
        def _no_implicit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def run_migrations_online() -> None:
    """Migrate the database at ``sqlalchemy.url``."""
    engine = _engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            connection.commit()
        try:
            context.configure(connection=connection, transactional_ddl=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:
                connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run_migrations_online()
