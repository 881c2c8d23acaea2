from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import PORTSMOUTH_CSV


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    ingest_paths([PORTSMOUTH_CSV], open_store(url))
    keys = "analyst-key=analyst,partner-key=partner"
    return TestClient(create_app(Settings(database_url=url, api_keys=keys)))


def test_health_reports_store_contents(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body == {"status": "ok", "incidents": 17950, "data_version": 1}


def test_batches_lists_ingested_files_by_name_only(client: TestClient) -> None:
    response = client.get("/api/v1/batches", headers={"X-API-Key": "analyst-key"})
    assert response.status_code == 200
    batches = response.json()
    assert len(batches) == 1
    assert batches[0]["rows_stored"] == 17950
    assert batches[0]["file_name"] == PORTSMOUTH_CSV.name
    assert str(PORTSMOUTH_CSV.parent) not in response.text  # no server paths


def test_batches_are_refused_to_roles_without_ingest_history(
    client: TestClient,
) -> None:
    for headers in ({}, {"X-API-Key": "partner-key"}):
        response = client.get("/api/v1/batches", headers=headers)
        assert response.status_code == 403
        assert "/api/v1/batches (analyst or above)" in response.json()["detail"]
        assert str(PORTSMOUTH_CSV.parent) not in response.text


def test_map_page_shows_wards(client: TestClient) -> None:
    page = client.get("/")  # the map itself is tested in test_mapview.py
    assert page.status_code == 200
    assert "Ward outlines and names" in page.text
    assert "Charles Dickens" in page.text  # a Portsmouth ward name in the GeoJSON


def test_start_up_freezes_what_it_built_for_the_collector(tmp_path: Path) -> None:
    """Imports and the app are frozen at start-up, so full collections skip them."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(settings)) as running:
        assert running.get("/api/v1/health").status_code == 200
        assert gc.get_freeze_count() > 50_000  # pandas, scipy, FastAPI, ...
    assert gc.get_freeze_count() == 0
