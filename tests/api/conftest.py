"""A service on the real sample data, in a real store, through TestClient.

The store is a SQLite file, and for the modules in :data:`BOTH_BACKENDS` also
a PostGIS database: their tests run once per backend (ids ``sqlite`` and
``postgis``; see tests/store/postgres.py for where the server comes from).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.store.postgres import PostgresServer, shared_postgres_server

ANALYST = {"X-API-Key": "analyst-key"}
PARTNER = {"X-API-Key": "partner-key"}


#: Test modules run on both stores: layers, incidents and downloads, area
#: summaries, the summary cache, layers in worker processes. (test_area_rule
#: counts with sqlite3 on the store file, so it stays SQLite-only.)
BOTH_BACKENDS = {
    "tests.api.test_routes_data",
    "tests.api.test_routes_layers",
    "tests.api.test_summary_cache",
    "tests.api.test_compute",
}
BACKENDS = ["sqlite", "postgis"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the :data:`BOTH_BACKENDS` modules' sample-data tests on each store."""
    if (
        metafunc.module.__name__ in BOTH_BACKENDS
        and "store_backend" in metafunc.fixturenames
    ):
        metafunc.parametrize(
            "store_backend", BACKENDS, ids=BACKENDS, indirect=True, scope="module"
        )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skips, or fails in CI, without one)."""
    with shared_postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def store_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or the backend this module is parametrised with."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="module")
def sample_url(
    store_backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A store of ``store_backend`` holding the sample data; its URL."""
    if store_backend == "postgis":
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.new_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'sample.db'}"
    store = open_store(url)
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)
    store.close()
    return url


@pytest.fixture(scope="module")
def sample_client(sample_url: str) -> TestClient:
    settings = Settings(
        database_url=sample_url,
        api_keys="analyst-key=analyst,partner-key=partner",
    )
    return TestClient(create_app(settings))
