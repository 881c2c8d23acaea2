"""The six real police.uk sample months of Portsmouth in a real SQLite file."""

from __future__ import annotations

import pytest

from hotspots.ingest import ingest_paths
from hotspots.store import SQLiteStore, open_store
from tests.conftest import PORTSMOUTH_CSV


@pytest.fixture(scope="package")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    url = f"sqlite:///{tmp_path_factory.mktemp('temporal') / 'sample.db'}"
    ingest_paths([PORTSMOUTH_CSV], open_store(url))
    return open_store(url)
