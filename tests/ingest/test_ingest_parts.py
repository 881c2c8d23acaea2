"""A big file is stored in parts (overlapping SQLite with the next part's work):
the result must not depend on the part size, and the file must still land whole
or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import hotspots.ingest
from hotspots.ingest import ingest_paths
from hotspots.store import SQLiteStore
from tests.conftest import MONTHLY_FILES, PORTSMOUTH_CSV

FILES = [PORTSMOUTH_CSV, MONTHLY_FILES[0]]  # the second adds rejects and duplicates


def _contents(store: SQLiteStore) -> tuple[pd.DataFrame, ...]:
    incidents = store.incidents().sort_values("incident_id", ignore_index=True)
    rejects = store.rejects().sort_values(["batch_id", "row"], ignore_index=True)
    batches = store.batches().drop(columns="ingested_at")
    return incidents, rejects, batches


def test_storing_in_parts_gives_what_one_part_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = SQLiteStore(tmp_path / "whole.db")
    whole_totals = ingest_paths(FILES, whole).totals()
    monkeypatch.setattr(hotspots.ingest, "PART_ROWS", 1_000)
    parts = SQLiteStore(tmp_path / "parts.db")
    parts_totals = ingest_paths(FILES, parts).totals()
    assert parts_totals == whole_totals
    assert parts_totals["duplicates"] > 0 and parts_totals["rejected"] > 0
    for in_parts, in_one in zip(_contents(parts), _contents(whole), strict=True):
        pd.testing.assert_frame_equal(in_parts, in_one)
    again = ingest_paths(FILES, parts).totals()
    assert again["stored"] == 0
    assert parts.count() == whole.count()


def test_a_store_error_in_a_later_part_rolls_the_whole_file_back(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotspots.ingest, "PART_ROWS", 1_000)
    # Parts are ascending id ranges: the first ones (negative ids) go in first.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_late BEFORE INSERT ON incidents "
            "WHEN NEW.incident_id > 0 BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_paths([PORTSMOUTH_CSV], store)
    assert store.count() == 0
    assert store.batches().empty
    assert store.rejects().empty
    assert store.data_version() == 0


def test_an_error_preparing_a_later_part_rolls_the_whole_file_back(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotspots.ingest, "PART_ROWS", 1_000)
    assign_areas = hotspots.ingest.assign_areas
    calls = []

    def failing_on_the_third_part(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) > 4:  # two calls (LSOA, ward) per part
            raise RuntimeError("boundary file vanished")
        return assign_areas(*args, **kwargs)

    monkeypatch.setattr(hotspots.ingest, "assign_areas", failing_on_the_third_part)
    with pytest.raises(RuntimeError, match="vanished"):
        ingest_paths([PORTSMOUTH_CSV], store)
    assert store.count() == 0
    assert store.batches().empty
    assert store.data_version() == 0


class _StoreWithoutBatchWriter:
    """A store that only has the protocol's ``add_batch`` (as a PostGIS one might)."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> object:
        if name == "batch_writer":
            raise AttributeError(name)
        return getattr(self._store, name)


def test_a_store_without_a_batch_writer_gets_all_parts_in_one_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = SQLiteStore(tmp_path / "whole.db")
    expected = ingest_paths(FILES, whole).totals()
    monkeypatch.setattr(hotspots.ingest, "PART_ROWS", 1_000)
    plain = SQLiteStore(tmp_path / "plain.db")
    totals = ingest_paths(FILES, _StoreWithoutBatchWriter(plain)).totals()  # type: ignore[arg-type]
    assert totals == expected
    for got, want in zip(_contents(plain), _contents(whole), strict=True):
        pd.testing.assert_frame_equal(got, want)
