"""The sample data in a real SQLite store, once for the priorities tests."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import SQLiteStore, open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV, REPO

ANALYST = {"X-API-Key": "analyst-key"}
PARTNER = {"X-API-Key": "partner-key"}
KEYS = "analyst-key=analyst,partner-key=partner"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample police.uk file and both synthetic local logs, ingested."""
    path = tmp_path_factory.mktemp("priorities") / "sample.db"
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], open_store(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def sample_store(sample_db: Path) -> SQLiteStore:
    return SQLiteStore(sample_db)


@pytest.fixture
def sql(sample_db: Path):
    """Plain SQL on the store file: ``sql(query, *params)`` -> first column."""
    conn = sqlite3.connect(sample_db)

    def run(query: str, *params: object) -> object:
        return conn.execute(query, params).fetchone()[0]

    yield run
    conn.close()


@pytest.fixture(scope="session")
def client(sample_db: Path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{sample_db}", api_keys=KEYS, compute_processes=0
    )
    return TestClient(create_app(settings))


NEW_PRIORITY = """
[[priority]]
id = "shop_theft"
name = "Shop theft"
description = "Added in a test: a priority defined only in data."
categories = ["Shoplifting"]
"""


@pytest.fixture(scope="session")
def own_pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose pack 'ownpack' is the bundled one plus its own
    priorities.toml (the bundled entries and one new) and ward populations
    (made-up round numbers: only to test the rate arithmetic)."""
    data = tmp_path_factory.mktemp("data")
    folder = data / "areas" / "ownpack"
    shutil.copytree(REPO / "boundaries" / "data", folder)
    manifest = (folder / "area.toml").read_text(encoding="utf-8")
    (folder / "area.toml").write_text(
        manifest.replace('name = "portsmouth"', 'name = "ownpack"'), encoding="utf-8"
    )
    bundled = (REPO / "hotspots" / "data" / "priorities.toml").read_text("utf-8")
    (folder / "priorities.toml").write_text(
        bundled + NEW_PRIORITY + '\n[population]\nfile = "wards.csv"\n'
        'source = "TEST ONLY: made-up round numbers"\nyear = "test"\n',
        encoding="utf-8",
    )
    from hotspots.areas.pack import load_pack

    wards = load_pack(folder).boundaries("ward")
    lines = ["code,population"] + [f"{c},10000" for c in wards["code"]]
    (folder / "wards.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


@pytest.fixture(scope="session")
def own_client(sample_db: Path, own_pack_dir: Path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{sample_db}",
        api_keys=KEYS,
        data_dir=own_pack_dir,
        area="ownpack",
        compute_processes=0,
    )
    return TestClient(create_app(settings))
