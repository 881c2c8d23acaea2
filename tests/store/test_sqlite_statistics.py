"""The SQLite store keeps its planner statistics, so a city is read by a table
scan and a ward through its index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hotspots.ingest import ingest_paths
from hotspots.store import open_store
from tests.conftest import portsmouth_months


def _plan(db: Path, wards: list[str]) -> str:
    marks = ",".join("?" * len(wards))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "EXPLAIN QUERY PLAN SELECT easting FROM incidents "
            f"WHERE ward_code IN ({marks}) ORDER BY occurred_at",
            wards,
        ).fetchall()
    return " ".join(str(r[3]) for r in rows)


def _analysed_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (stat,) = conn.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'incidents' LIMIT 1"
        ).fetchone()
    return int(stat.split()[0])


def test_statistics_follow_the_table(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    store = open_store(f"sqlite:///{db}")
    first = portsmouth_months(
        tmp_path / "a.csv", {"2017-02", "2017-03", "2017-04", "2017-05"}
    )
    ingest_paths([first], store)
    stored = len(store.incidents())
    assert _analysed_rows(db) == stored  # a new table is analysed
    wards = sorted(store.incidents()["ward_code"].dropna().unique())
    assert len(wards) == 14
    assert _plan(db, wards).startswith("SCAN incidents")  # the whole city
    assert "USING INDEX incidents_by_ward_month" in _plan(db, wards[:1])
    ingest_paths([portsmouth_months(tmp_path / "b.csv", {"2017-06"})], store)  # +27 %
    grown = len(store.incidents())
    assert _analysed_rows(db) == grown > 1.25 * stored  # analysed again
    ingest_paths([portsmouth_months(tmp_path / "c.csv", {"2017-07"})], store)  # +21 %
    assert len(store.incidents()) < 1.25 * grown
    assert _analysed_rows(db) == grown  # the statistics still hold
    store.close()
