"""The premises register on both stores: same import, same register, same check."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.premises.conftest import NDR_CSV, NDR_TOML, WHITE_SWAN


def test_an_import_is_atomic_and_idempotent(store_url: str) -> None:
    store = open_store(store_url)
    register = register_of(store)
    premises = pd.DataFrame(
        [{"premises_id": f"t:{i}", "source": "t", "name": f"Pub {i}",
          "easting": 464000.0 + i, "northing": 100000.0} for i in range(3)]
    ).reindex(columns=register.premises().columns)  # fmt: skip
    none = pd.DataFrame(columns=["row", "field", "reason", "record"])
    first = register.replace_source(
        source="t", file_name="t.csv", checksum="x", imported_at="2026-12-01",
        rows_read=3, rows_skipped=0, premises=premises, rejects=none,
    )  # fmt: skip
    again = register.replace_source(
        source="t", file_name="t.csv", checksum="x", imported_at="2026-12-01",
        rows_read=3, rows_skipped=0, premises=premises, rejects=none,
    )  # fmt: skip
    assert (first.stored, again.stored, again.replaced) == (3, 3, 3)
    assert register.count() == 3
    with pytest.raises(Exception, match=r"premises_id|UNIQUE|duplicate"):
        register.replace_source(
            source="t", file_name="bad.csv", checksum="y", imported_at="2026-12-02",
            rows_read=2, rows_skipped=0, premises=pd.concat([premises] * 2),
            rejects=none,
        )  # fmt: skip
    assert register.count() == 3  # the failed import changed nothing
    assert register.get("t:1")["name"] == "Pub 1"
    assert register.get("t:9") is None
    assert register.import_with_checksum("x")["import_id"] == again.import_id
    store.close()


@pytest.mark.slow
def test_the_sample_register_and_a_check_are_the_same_on_both_stores(
    store_url: str,
) -> None:
    store = open_store(store_url)
    pack = Settings().area_pack()
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)
    import_premises(
        NDR_CSV, read_mapping(NDR_TOML), register_of(store), pack_postcodes(pack)
    )
    assert register_of(store).count() == 434
    settings = Settings(
        database_url=store_url, api_keys="p=partner", compute_processes=0
    )
    client = TestClient(create_app(settings))
    url = f"/api/v1/premises/{WHITE_SWAN}/check"
    partner = client.get(url, headers={"X-API-Key": "p"}, params={"change": "2017-05"})
    assert partner.status_code == 200, partner.text
    assert partner.json()["total"] == 512  # as tests/premises/test_api.py on SQLite
    assert partner.json()["gistar"]["bin"] == 3
    found = client.get("/api/v1/premises", params={"q": "whte swan"}).json()
    assert found["data"][0]["premises_id"] == WHITE_SWAN
    store.close()
