"""Small files are stored on a helper thread while the next one is read: the
store must hold what ingesting them one by one holds, in the same order, and an
error must stop the run where it would have stopped without the helper."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from hotspots.errors import IngestError
from hotspots.ingest import ingest_paths
from hotspots.store import SQLiteStore
from tests.conftest import LOCAL_DIR, MONTHLY_FILES, PORTSMOUTH_CSV
from tests.ingest.test_ingest import ASB_AT_GUILDHALL, _write
from tests.ingest.test_ingest_parts import _contents

DRUGS_AT_GUILDHALL = ASB_AT_GUILDHALL.replace("Anti-social behaviour", "Drugs")


def _fail_on_drugs(store: SQLiteStore) -> None:
    """A real failure inside SQLite when a drugs incident is inserted."""
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_on_drugs BEFORE INSERT ON incidents "
            "WHEN NEW.category = 'Drugs' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )


@pytest.mark.slow
def test_one_run_stores_what_runs_one_file_at_a_time_store(tmp_path: Path) -> None:
    # The street-located log is placed from the streets of the police.uk
    # extract before it, so it must wait for that file to be stored.
    files = [
        MONTHLY_FILES[0],
        PORTSMOUTH_CSV,
        LOCAL_DIR / "alcohol_incidents.csv",
        MONTHLY_FILES[1],
    ]
    together = SQLiteStore(tmp_path / "together.db")
    report = ingest_paths(files, together)
    apart = SQLiteStore(tmp_path / "apart.db")
    reports = [ingest_paths([path], apart) for path in files]
    assert [f.name for f in report.files] == [str(p) for p in files]
    assert [vars(f) for f in report.files] == [vars(r.files[0]) for r in reports]
    for one_run, one_by_one in zip(_contents(together), _contents(apart), strict=True):
        pd.testing.assert_frame_equal(one_run, one_by_one)
    street_located = together.incidents()["geocode_quality"].eq("street").sum()
    assert street_located > 0


def test_a_store_error_stops_the_run_before_the_files_after_it(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    _fail_on_drugs(store)
    first = _write(tmp_path / "a.csv", ASB_AT_GUILDHALL)
    failing = _write(tmp_path / "b.csv", ASB_AT_GUILDHALL * 2 + DRUGS_AT_GUILDHALL)
    after = _write(tmp_path / "c.csv", ASB_AT_GUILDHALL * 3)
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_paths([first, failing, after], store)
    assert list(store.batches()["file_name"]) == [str(first)]
    assert store.count() == 1


def test_a_store_error_comes_before_the_next_files_read_error(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    _fail_on_drugs(store)
    failing = _write(tmp_path / "a.csv", DRUGS_AT_GUILDHALL)
    unreadable = tmp_path / "b.csv"
    unreadable.write_text("not,a,police,file\n1,2,3,4\n")
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_paths([failing, unreadable], store)
    assert store.batches().empty
    with pytest.raises(IngestError, match=r"b\.csv"):  # alone, its own error
        ingest_paths([unreadable], store)
