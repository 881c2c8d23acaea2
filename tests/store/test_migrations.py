"""Schema revisions: checked on open, upgraded by ``hotspots db upgrade``, data kept."""

from __future__ import annotations

import importlib
import logging
import sqlite3
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.store import open_store
from hotspots.store.migrate import _config, schema_status, upgrade
from hotspots.store.postgis_batch import PostGISBatchWriter, insert_batch
from hotspots.store.revisions import (
    BASE_REVISION,
    HEAD_REVISION,
    REVISIONS,
    SchemaVersionError,
)
from tests.store.postgres import PostgresServer
from tests.store.test_store import batch, incidents

runner = CliRunner()


def _db(url: str, *args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["db", *args], env={"HOTSPOTS_DATABASE_URL": url})
    return done.exit_code, done.output


def test_the_revision_constants_are_the_migration_history() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config("sqlite:///unused.db"))
    history = [r.revision for r in script.walk_revisions("base", "heads")]
    assert history[::-1] == list(REVISIONS)
    assert script.get_current_head() == HEAD_REVISION


def _sqlite_schema(path: Path) -> dict[str, object]:
    """Columns and indexes of every table but alembic's, as SQLite reports them."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT IN ('alembic_version', 'sqlite_sequence') ORDER BY name"
        )]  # fmt: skip
        schema: dict[str, object] = {}
        for table in tables:
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
            indexes = sorted(
                (name, unique, tuple(c[2] for c in conn.execute(
                    f"PRAGMA index_info({name})")))
                for _, name, unique, *_ in conn.execute(f"PRAGMA index_list({table})")
            )  # fmt: skip
            schema[table] = (columns, indexes)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    return {"tables": schema, "meta": meta}


def test_a_new_sqlite_store_is_what_the_migrations_make(tmp_path: Path) -> None:
    open_store(f"sqlite:///{tmp_path / 'new.db'}")
    migrated = upgrade(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert migrated.revision == HEAD_REVISION
    assert _sqlite_schema(tmp_path / "new.db") == _sqlite_schema(
        tmp_path / "migrated.db"
    )
    assert schema_status(f"sqlite:///{tmp_path / 'new.db'}").current


def test_a_sqlite_store_from_before_migrations_is_upgraded_with_its_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = importlib.import_module("hotspots.store.migrations.versions.0001_base")
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # as the code before migrations made it
        conn.executescript(base.SQLITE)
        incidents(30).assign(batch_id=1).to_sql(
            "incidents", conn, if_exists="append", index=False
        )
    status = schema_status(f"sqlite:///{path}")
    assert (status.revision, status.pre_migrations) == (BASE_REVISION, True)
    with caplog.at_level(logging.WARNING, logger="hotspots"):
        store = open_store(f"sqlite:///{path}")
    assert f"from schema revision {BASE_REVISION} to {HEAD_REVISION}" in caplog.text
    assert store.count() == 30
    assert store.incidents()["ward_code"].notna().all()
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"incidents_by_ward_month", "incidents_by_lsoa_month"} <= names
    assert "incidents_by_ward" not in names
    assert schema_status(f"sqlite:///{path}").revision == HEAD_REVISION


def test_a_sqlite_store_from_newer_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    open_store(url)
    with sqlite3.connect(tmp_path / "newer.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaVersionError, match="'9999', unknown to this code"):
        open_store(url)


def test_an_empty_postgres_database_is_refused_naming_the_command(
    pg_server: PostgresServer,
) -> None:
    url = pg_server.new_database(schema=False)
    with pytest.raises(SchemaVersionError, match=r"no hotspots schema.*db upgrade"):
        open_store(url)
    assert _db(url, "check")[0] == 1
    code, output = _db(url, "upgrade")
    assert code == 0, output
    assert f"upgraded from empty to {HEAD_REVISION}" in output
    open_store(url).close()


def test_a_postgres_database_at_the_previous_revision_is_upgraded_with_data_kept(
    pg_server: PostgresServer,
) -> None:
    url = pg_server.new_database(schema=False)
    upgrade(url, BASE_REVISION)
    given = incidents(50)
    with psycopg.connect(url) as conn:  # data written at the old revision
        writer = PostGISBatchWriter(conn, insert_batch(conn, batch()))
        writer.add(given, pd.DataFrame(columns=["row", "field", "reason", "record"]))
        writer.finish()
    with pytest.raises(SchemaVersionError, match=f"revision {BASE_REVISION}.*db upgr"):
        open_store(url)  # never upgraded by opening it
    code, output = _db(url, "check")
    assert code == 1 and "hotspots db upgrade" in output
    code, output = _db(url, "upgrade")
    assert code == 0, output
    assert f"from {BASE_REVISION} to {HEAD_REVISION}" in output
    assert _db(url, "check")[0] == 0
    assert f"revision {HEAD_REVISION}" in _db(url, "current")[1]
    store = open_store(url)
    try:
        back = store.incidents().sort_values("incident_id", ignore_index=True)
        assert back["incident_id"].tolist() == given["incident_id"].tolist()
        assert store.data_version() == 1
        assert store.batches()["rows_stored"].tolist() == [50]
    finally:
        store.close()
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'"
        )
        indexes = {r[0] for r in found}
    assert {"incidents_by_ward_month", "incidents_geom"} <= indexes
    assert "already at revision" in _db(url, "upgrade")[1]  # idempotent


def test_every_command_refuses_a_database_behind_naming_the_fix(
    pg_server: PostgresServer,
) -> None:
    url = pg_server.new_database(schema=False)
    upgrade(url, BASE_REVISION)
    done = runner.invoke(app, ["batches"], env={"HOTSPOTS_DATABASE_URL": url})
    assert done.exit_code == 2
    assert f"schema revision {BASE_REVISION}" in done.output
    assert "run `hotspots db upgrade`" in done.output


def test_store_urls_shown_never_carry_the_password() -> None:
    from hotspots.store.postgis import display_url

    assert display_url("postgresql://ann:s3cr%40t@db:5432/hotspots") == (
        "postgresql://ann:***@db:5432/hotspots"
    )
    assert display_url("postgresql://db/h?user=ann&password=s3cret&sslmode=require") \
        == "postgresql://db/h?user=ann&password=***&sslmode=require"  # fmt: skip


def test_a_server_that_cannot_be_reached_is_named_at_once() -> None:
    from hotspots.errors import StoreError
    from tests.live_server import free_port

    url = f"postgresql://nobody:pw@127.0.0.1:{free_port()}/nothing"
    with pytest.raises(
        StoreError, match=r"cannot connect to postgresql://nobody:\*\*\*@"
    ):
        open_store(url)
