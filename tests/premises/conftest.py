"""Stores for the premises tests: the real sample data, and small planted ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.settings import Settings
from hotspots.store import SQLiteStore, open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV, REPO

NDR_CSV = REPO / "sample_data/premises/portsmouth-ndr-properties-january-2022.csv"
NDR_TOML = NDR_CSV.with_suffix(".toml")
WHITE_SWAN = "portsmouth-ndr-2022-01:177503398210"


@pytest.fixture(scope="session")
def pack():  # type: ignore[no-untyped-def]
    return Settings().area_pack()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, pack) -> Path:  # type: ignore[no-untyped-def]
    """Six months of police.uk plus the local logs, and the sample register."""
    path = tmp_path_factory.mktemp("premises") / "sample.db"
    store = open_store(f"sqlite:///{path}")
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)
    import_premises(
        NDR_CSV, read_mapping(NDR_TOML), register_of(store), pack_postcodes(pack)
    )
    return path


@pytest.fixture
def sample_store(sample_db: Path) -> SQLiteStore:
    return SQLiteStore(sample_db)
