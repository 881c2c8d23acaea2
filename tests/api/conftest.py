"""A service on the real sample data, in a real SQLite file, through TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV

ANALYST = {"X-API-Key": "analyst-key"}
PARTNER = {"X-API-Key": "partner-key"}


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'sample.db'}"
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], open_store(url))
    return url


@pytest.fixture(scope="module")
def sample_client(sample_url: str) -> TestClient:
    settings = Settings(
        database_url=sample_url,
        api_keys="analyst-key=analyst,partner-key=partner",
    )
    return TestClient(create_app(settings))
