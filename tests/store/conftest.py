"""Stores of both kinds: every store test runs on SQLite and on PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspots.store import IncidentStore, open_store
from tests.store.postgres import PostgresServer, shared_postgres_server

BACKENDS = ["sqlite", "postgis"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skips, or fails in CI, without one)."""
    with shared_postgres_server() as server:
        yield server


def new_store_url(backend: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """The URL of a new, empty store of ``backend`` (a SQLite file in ``folder``)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'hotspots.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store's URL, once per backend."""
    return new_store_url(request.param, request, tmp_path)


@pytest.fixture
def any_store(store_url: str) -> Iterator[IncidentStore]:
    """A new, empty store, once per backend."""
    store = open_store(store_url)
    yield store
    store.close()
