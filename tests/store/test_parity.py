"""The sample data stored in SQLite and in PostGIS reads back the same, and
concurrent ingests into one PostGIS database lose and duplicate nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from hotspots.ingest import ingest_paths
from hotspots.priorities import load_priorities
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery, IncidentStore, open_store
from tests.conftest import LOCAL_DIR, MONTHLY_FILES, PORTSMOUTH_CSV
from tests.store.postgres import PostgresServer

FILES = [PORTSMOUTH_CSV, LOCAL_DIR]


def _contents(store: IncidentStore) -> dict[str, pd.DataFrame]:
    query = IncidentQuery(themes=["violence"], month_from="2017-04")
    book = load_priorities()
    priorities = {
        name: store.count(IncidentQuery(priority=book.get(name).match))
        for name in book.ids
    }
    flags = {flag: store.count(IncidentQuery(flags=[flag])) for flag in FLAG_COLUMNS}
    return {
        "priorities and flags": pd.DataFrame([{**priorities, **flags}]),
        "incidents": store.incidents().sort_values("incident_id", ignore_index=True),
        "rejects": store.rejects(),
        "batches": store.batches().drop(columns="ingested_at"),
        "street points": store.street_points(),
        "counts": store.counts(query, ["ward_code", "month"])
        .sort_values(["ward_code", "month"], ignore_index=True),
        "months": pd.DataFrame({"month": store.months()}),
    }  # fmt: skip


@pytest.mark.slow
def test_sample_data_reads_back_the_same_from_both_stores(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    sqlite = open_store(f"sqlite:///{tmp_path / 'sample.db'}")
    postgis = open_store(pg_server.new_database())
    try:
        totals = [ingest_paths(FILES, s).totals() for s in (sqlite, postgis)]
        assert totals[0] == totals[1]
        assert totals[0]["stored"] > 20_000
        both = [_contents(s) for s in (sqlite, postgis)]
        for name in both[0]:
            pd.testing.assert_frame_equal(both[0][name], both[1][name], obj=name)
        assert sqlite.data_version() == postgis.data_version()
    finally:
        postgis.close()


@pytest.mark.slow
def test_concurrent_ingests_into_one_database_lose_and_duplicate_nothing(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    # The whole-force month and the city file share thousands of crimes.
    files = [MONTHLY_FILES[0], PORTSMOUTH_CSV]
    reference = open_store(f"sqlite:///{tmp_path / 'ref.db'}")
    ingest_paths(files, reference)
    url = pg_server.new_database()
    stores = [open_store(url), open_store(url)]
    start = threading.Barrier(2)
    stored: list[int] = []
    errors: list[BaseException] = []

    def ingest(store: IncidentStore, path: Path) -> None:
        try:
            start.wait()
            stored.append(int(ingest_paths([path], store).totals()["stored"]))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(s, f))
               for s, f in zip(stores, files, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    try:
        assert stores[0].count() == reference.count() == sum(stored)
        ids = stores[0].incidents(IncidentQuery(columns=["incident_id"]))
        assert ids["incident_id"].is_unique
        # One bump per ingest that stored anything: whichever file commits second
        # may find all its crimes stored already (then it bumps nothing).
        assert stores[1].data_version() == sum(1 for n in stored if n > 0) >= 1
        batches = stores[0].batches()
        assert batches["rows_stored"].sum() == reference.count()
    finally:
        for store in stores:
            store.close()
