"""OGC API paging: time per page of incident records, first page to last.

Generates a seeded police.uk-format CSV (``bench_ingest.generate``: real
Portsmouth snap points) of 115,000 rows (about 103,000 stored), ingests it into
a temporary SQLite store, then pages through ``/ogc/collections/incidents/items``
in pages of ``--page`` records (keyset paging, the ``next`` link) through the
app in process, timing every page (median of three walks after a warm-up
walk). Flat means the last pages cost what the first do.
For comparison it also times the same pages read with SQL ``OFFSET`` (what a
page-number design would run). Prints per-decile medians and peak memory.

    .venv/bin/python benchmarks/bench_ogc.py [--rows 115000] [--page 1000]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.main import create_app
from benchmarks.bench_ingest import generate
from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store


def _page_times(client: TestClient, page: int) -> tuple[list[float], int]:
    url = f"/ogc/collections/incidents/items?limit={page}"
    times, seen = [], 0
    while url:
        start = time.perf_counter()
        body = client.get(url).json()
        times.append(time.perf_counter() - start)
        seen += body["numberReturned"]
        url = next((x["href"] for x in body["links"] if x["rel"] == "next"), "")
    assert seen == body["numberMatched"], (seen, body["numberMatched"])
    return times, seen


def _offset_times(db: Path, total: int, page: int) -> list[float]:
    times = []
    with sqlite3.connect(db) as conn:
        for offset in range(0, total, page):
            start = time.perf_counter()
            conn.execute(
                "SELECT * FROM incidents ORDER BY incident_id LIMIT ? OFFSET ?",
                (page, offset),
            ).fetchall()
            times.append(time.perf_counter() - start)
    return times


def _deciles(times: list[float]) -> list[float]:
    size = max(1, len(times) // 10)
    return [
        statistics.median(times[i : i + size]) * 1000
        for i in range(0, len(times), size)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=115_000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv, db = Path(folder) / "bench-street.csv", Path(folder) / "bench.db"
        generate(csv, args.rows, seed=2017)
        ingest_paths([csv], open_store(f"sqlite:///{db}"))
        settings = Settings(
            database_url=f"sqlite:///{db}", api_keys="k=analyst", compute_processes=0
        )
        client = TestClient(create_app(settings), headers={"X-API-Key": "k"})
        _page_times(client, args.page)  # warm: imports, caches, SQLite pages
        passes = [_page_times(client, args.page) for _ in range(3)]
        total = passes[0][1]
        times = [
            statistics.median(p) for p in zip(*(t for t, _ in passes), strict=True)
        ]
        offsets = _offset_times(db, total, args.page)
    keyset, offset = _deciles(times), _deciles(offsets)
    print(f"{total:,} incidents in {len(times)} pages of {args.page:,}")
    print(
        "decile of pages        " + " ".join(f"{i + 1:>6}" for i in range(len(keyset)))
    )
    print("keyset page, ms (API)  " + " ".join(f"{v:6.1f}" for v in keyset))
    print("OFFSET query, ms (SQL) " + " ".join(f"{v:6.1f}" for v in offset))
    print(
        f"last/first decile: keyset {keyset[-1] / keyset[0]:.2f}, "
        f"OFFSET {offset[-1] / offset[0]:.2f}; whole walk {sum(times):.1f} s"
    )
    print(
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
