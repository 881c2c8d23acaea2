"""Incidents in one table or partitioned by month: ingest and a ward's year.

Evidence for docs/scaling.md. Loads ``--n`` generated incidents (60 months,
bench_store_5m's generator) in 100k-row parts, each by ``COPY`` into a staging
table and ``INSERT ... ON CONFLICT DO NOTHING``, into (a) the store's own
``incidents`` table (schema head) and (b) the same columns and indexes
partitioned by month (60 partitions; the primary key then has to include
``month``). Then times a ward's year (count and the layer's columns) on each,
best of 5. A temporary cluster (Debian's binaries, fsync on) unless
``--postgres-url``.

Usage::

    .venv/bin/python benchmarks/bench_partitions.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_store_5m import MONTHS, parts, places  # noqa: E402
from hotspots.schema import INCIDENT_COLUMNS  # noqa: E402
from hotspots.store.migrate import upgrade  # noqa: E402
from hotspots.store.postgis_batch import _arrow, _copy  # noqa: E402

COLUMNS = ", ".join(INCIDENT_COLUMNS)
PARTITIONED = [
    "CREATE TABLE incidents_by_month_p (LIKE incidents INCLUDING DEFAULTS "
    "INCLUDING GENERATED) PARTITION BY RANGE (month)",
    "ALTER TABLE incidents_by_month_p ADD PRIMARY KEY (incident_id, month)",
    "CREATE INDEX ON incidents_by_month_p (month, theme)",
    "CREATE INDEX ON incidents_by_month_p (ward_code, month)",
    "CREATE INDEX ON incidents_by_month_p (lsoa_code, month)",
    "CREATE INDEX ON incidents_by_month_p USING gist (geom)",
]


def _next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year + m // 12}-{m % 12 + 1:02d}"


def load(conn: psycopg.Connection, table: str, n: int) -> float:
    """Seconds to load ``n`` generated incidents into ``table`` (store side)."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS staging (LIKE incidents INCLUDING DEFAULTS)"
    )
    conn.execute("ALTER TABLE staging DROP COLUMN IF EXISTS geom")
    spent = 0.0
    for frame in parts(n, places(7), 7):
        data = _arrow(frame.assign(batch_id=1))
        start = time.perf_counter()
        conn.execute("TRUNCATE staging")
        _copy(conn, "staging", INCIDENT_COLUMNS, data)
        conn.execute(
            f"INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} FROM staging "
            "ORDER BY incident_id ON CONFLICT DO NOTHING"
        )
        conn.commit()
        spent += time.perf_counter() - start
    start = time.perf_counter()
    conn.execute(f"ANALYZE {table}")
    conn.commit()
    return spent + time.perf_counter() - start


def ward_year(conn: psycopg.Connection, table: str, ward: str) -> tuple[float, int]:
    """Best of 5 seconds to read a ward's 2017 (the layer's columns), rows."""
    best, rows = float("inf"), 0
    for _ in range(5):
        start = time.perf_counter()
        rows = len(
            conn.execute(
                f"SELECT incident_id, easting, northing, theme, month FROM {table} "
                "WHERE ward_code = %s AND month BETWEEN '2017-01' AND '2017-12'",
                (ward,),
            ).fetchall()
        )
        best = min(best, time.perf_counter() - start)
    return best, rows


def main(argv: list[str] | None = None) -> int:
    """Load both tables, time the reads, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--postgres-url")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        if args.postgres_url:
            url = args.postgres_url
            upgrade(url)
        else:
            from tests.store.postgres import postgres_server

            url = stack.enter_context(postgres_server(durable=True)).new_database()
        ward = str(places(7).groupby("ward_code")["weight"].sum().idxmax())
        with psycopg.connect(url) as conn:
            for statement in PARTITIONED:
                conn.execute(statement)
            for month in MONTHS:
                conn.execute(
                    f"CREATE TABLE incidents_{month.replace('-', '_')} PARTITION OF "
                    f"incidents_by_month_p FOR VALUES FROM ('{month}') "
                    f"TO ('{_next_month(month)}')"
                )
            conn.commit()
            print(f"N = {args.n:,}; ward {ward}; 60 monthly partitions")
            for table in ("incidents", "incidents_by_month_p"):
                seconds = load(conn, table, args.n)
                read, rows = ward_year(conn, table, ward)
                size = conn.execute(
                    "SELECT coalesce(sum(pg_total_relation_size(relid)), "
                    "pg_total_relation_size(%s)) FROM pg_partition_tree(%s) "
                    "WHERE relid::regclass::text <> %s",
                    (table, table, table),
                ).fetchone()
                mb = int(size[0] or 0) / 2**20 if size else 0.0
                print(
                    f"{table}: load {seconds:.1f} s ({args.n / seconds:,.0f} rows/s); "
                    f"ward year {read * 1000:.1f} ms ({rows:,} rows); {mb:,.0f} MB"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
