"""The service on a real localhost port (OWSLib and GDAL talk HTTP), sample data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotspots.areas.registry import default_pack
from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.sample import SAMPLE_DIR
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.live_server import serve

ANALYST_KEY = "ogc-analyst-key"


@pytest.fixture(scope="session")
def ogc_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('ogc') / 'ogc.db'}"
    store = open_store(url)
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)
    register = SAMPLE_DIR / "premises" / "portsmouth-ndr-properties-january-2022.csv"
    import_premises(
        register, read_mapping(register.with_suffix(".toml")), register_of(store),
        pack_postcodes(default_pack()),
    )  # fmt: skip
    return url


@pytest.fixture(scope="session")
def ogc_url(ogc_store_url: str) -> Iterator[str]:
    """Base URL of the OGC API (``.../ogc``) of a service on the sample data."""
    settings = Settings(
        database_url=ogc_store_url,
        api_keys=f"{ANALYST_KEY}=analyst",
        compute_processes=0,
    )
    for base in serve(settings):
        yield f"{base}/ogc"
