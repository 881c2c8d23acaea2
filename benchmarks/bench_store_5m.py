"""Millions of generated incidents on PostGIS and on SQLite, side by side.

Generates ``--n`` incidents (default 5,000,000) over 60 months (2013-01 to
2017-12) on 100,000 places inside the bundled Portsmouth wards (a few places
far busier than others, as real hot spots are), stores them as one batch in
parts of 100,000 rows (ingest's part size) in each store, and then times,
through the web service (TestClient, layers computed in the service's own
thread):

* the ward's Gi* and KDE layers for 2017, the statistic computed inside the
  ward (``area=W&study_area=W``), first request (computed) and repeat (cached);
* the ward's area summary, first and repeat;
* the store's own read of the ward's year (``store.incidents``).

The store time counts only the store's calls (``writer.add`` and the commit),
not generating the rows. PostgreSQL is ``--postgres-url`` (a database whose
schema ``hotspots db upgrade`` made, or an empty one it upgrades), else a
temporary cluster from Debian's binaries (as the tests make, but with fsync
on), removed afterwards. Not part of the test suite.

Run it from a clean export of a commit (``git archive HEAD | tar -x -C DIR``)
when others edit the working tree: a half-edited module fails it after the
long ingest. Usage::

    .venv/bin/python benchmarks/bench_store_5m.py [--n 5000000] \\
        [--backends sqlite,postgis] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely
from pyproj import Transformer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS  # noqa: E402
from hotspots.settings import Settings  # noqa: E402
from hotspots.store import IncidentQuery, open_store  # noqa: E402
from hotspots.store.base import REJECT_COLUMNS, BatchRecord  # noqa: E402

PART_ROWS = 100_000
PLACES = 100_000
MONTHS = [f"{y}-{m:02d}" for y in range(2013, 2018) for m in range(1, 13)]
YEAR = ("2017-01", "2017-12")
#: police.uk crime types and their themes, roughly in the real mix.
CATEGORIES = [
    ("Anti-social behaviour", "asb", 0.30),
    ("Violence and sexual offences", "violence", 0.28),
    ("Public order", "other", 0.09),
    ("Criminal damage and arson", "other", 0.09),
    ("Shoplifting", "other", 0.07),
    ("Other theft", "other", 0.06),
    ("Vehicle crime", "other", 0.04),
    ("Burglary", "other", 0.03),
    ("Drugs", "drugs", 0.02),
    ("Other crime", "other", 0.02),
]


def places(seed: int) -> pd.DataFrame:
    """Places inside the city's wards with their ward, LSOA, lon/lat and weight."""
    pack = Settings().area_pack()
    wards = pack.boundaries("ward")[["code", "geometry"]]
    lsoas = pack.boundaries("lsoa")[["code", "geometry"]]
    city = shapely.union_all(wards.geometry.values)
    shapely.prepare(city)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    xs, ys = [], []
    while sum(map(len, xs)) < PLACES:
        x = rng.uniform(x0, x1, PLACES)
        y = rng.uniform(y0, y1, PLACES)
        inside = shapely.contains_xy(city, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
    x = np.concatenate(xs)[:PLACES]
    y = np.concatenate(ys)[:PLACES]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=wards.crs)
    ward = gpd.sjoin(points, wards, predicate="within", how="left")
    lsoa = gpd.sjoin(points, lsoas, predicate="within", how="left")
    ward = ward[~ward.index.duplicated()]["code"]
    lsoa = lsoa[~lsoa.index.duplicated()]["code"]
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    return pd.DataFrame({
        "easting": x.round(2), "northing": y.round(2), "lon": lon, "lat": lat,
        "ward_code": ward.to_numpy(), "lsoa_code": lsoa.to_numpy(),
        "weight": rng.lognormal(0, 1.5, len(x)),
    })  # fmt: skip


def parts(n: int, where: pd.DataFrame, seed: int) -> Iterator[pd.DataFrame]:
    """``n`` incidents in the incident schema, :data:`PART_ROWS` at a time."""
    rng = np.random.default_rng(seed)
    p = where["weight"].to_numpy() / where["weight"].sum()
    names = np.array([c[0] for c in CATEGORIES])
    themes = np.array([c[1] for c in CATEGORIES])
    share = np.array([c[2] for c in CATEGORIES])
    share = share / share.sum()
    for start in range(0, n, PART_ROWS):
        size = min(PART_ROWS, n - start)
        at = where.iloc[rng.choice(len(where), size, p=p)].reset_index(drop=True)
        kind = rng.choice(len(names), size, p=share)
        months = np.array(MONTHS)[rng.integers(0, len(MONTHS), size)]
        frame = pd.DataFrame({
            "incident_id": np.arange(start + 1, start + size + 1, dtype=np.int64),
            "source": "police.uk", "source_id": None,
            "category": names[kind], "theme": themes[kind],
            **{flag: rng.random(size) < 0.02 for flag in FLAG_COLUMNS},
            "occurred_at": pd.Series(months).str.cat(["-01T00:00:00"] * size),
            "occurred_precision": "month", "month": months,
            "easting": at["easting"], "northing": at["northing"],
            "lon": at["lon"], "lat": at["lat"],
            "geocode_quality": "snapped", "geocode_precision_m": 100.0,
            "geocode_note": None, "location_text": "On or near Somewhere",
            "town": "Portsmouth", "lsoa_code": at["lsoa_code"],
            "ward_code": at["ward_code"], "batch_id": 0,
        })  # fmt: skip
        yield frame.loc[:, list(INCIDENT_COLUMNS)]


def ingest(url: str, n: int, where: pd.DataFrame, seed: int) -> dict[str, float]:
    """Store ``n`` generated incidents as one batch; store-side seconds."""
    store = open_store(url)
    no_rejects = pd.DataFrame(columns=list(REJECT_COLUMNS))
    batch = BatchRecord("generated.csv", f"generated-{n}-{seed}", "police.uk", n,
                        "2026-12-01T00:00:00+00:00")  # fmt: skip
    in_store = 0.0
    started = time.perf_counter()
    with store.batch_writer(batch) as writer:  # type: ignore[attr-defined]
        for frame in parts(n, where, seed):
            t = time.perf_counter()
            writer.add(frame, no_rejects)
            in_store += time.perf_counter() - t
        t = time.perf_counter()
    in_store += time.perf_counter() - t  # finish + commit
    wall = time.perf_counter() - started
    figures = {"store_s": in_store, "wall_s": wall, "count": store.count()}
    if url.startswith("postgresql"):
        import psycopg

        t = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE incidents")
            size = conn.execute("SELECT pg_total_relation_size('incidents')").fetchone()
        figures["analyze_s"] = time.perf_counter() - t
        figures["size_mb"] = int(size[0]) / 2**20 if size else 0
    else:
        figures["size_mb"] = Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20
    store.close()
    return figures


def timed_get(client: TestClient, path: str) -> tuple[float, int]:
    """Seconds for one GET and its status."""
    t = time.perf_counter()
    response = client.get(path, headers={"X-API-Key": "bench"})
    return time.perf_counter() - t, response.status_code


def serve_times(url: str, ward: str) -> dict[str, float]:
    """The ward's layers and summary through the service, first and repeat."""
    settings = Settings(database_url=url, compute_processes=0,
                        api_keys="bench=analyst")  # fmt: skip
    client = TestClient(create_app(settings))
    period = f"from={YEAR[0]}&to={YEAR[1]}"
    figures: dict[str, float] = {}
    for name, path in (
        ("gistar", f"/api/v1/layers/gistar?area={ward}&study_area={ward}&{period}"),
        ("kde", f"/api/v1/layers/kde?area={ward}&study_area={ward}&{period}"),
        ("summary", f"/api/v1/areas/{ward}/summary?{period}"),
    ):
        first, status = timed_get(client, path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        figures[f"{name}_first_s"] = first
        figures[f"{name}_repeat_s"] = timed_get(client, path)[0]
    store = open_store(url)
    t = time.perf_counter()
    read = store.incidents(
        IncidentQuery(ward_codes=[ward], month_from=YEAR[0], month_to=YEAR[1])
    )
    figures["read_ward_year_s"] = time.perf_counter() - t
    figures["ward_year_rows"] = len(read)
    store.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Generate, store and time on each backend; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgis")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"))
    args = parser.parse_args(argv)
    t = time.perf_counter()
    where = places(args.seed)
    print(f"{len(where):,} places in {time.perf_counter() - t:.1f} s", flush=True)
    ward = str(where.groupby("ward_code")["weight"].sum().idxmax())
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench5m_") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            elif args.postgres_url:
                url = args.postgres_url
                from hotspots.store.migrate import upgrade

                upgrade(url)
            else:
                from tests.store.postgres import postgres_server

                url = stack.enter_context(postgres_server(durable=True)).new_database()
            print(f"{backend}: storing {args.n:,} incidents ...", flush=True)
            figures = ingest(url, args.n, where, args.seed)
            figures["rate_per_s"] = args.n / figures["store_s"]
            print(f"{backend}: {figures}", flush=True)
            try:
                figures.update(serve_times(url, ward))
            except Exception as exc:  # keep the ingest figures of a long run
                print(f"{backend}: serving failed: {exc!r}", flush=True)
            print(f"{backend}: {figures}", flush=True)
            results[backend] = figures
    print(f"\nN = {args.n:,}; ward {ward}; {platform.platform()}; "
          f"{os.cpu_count()} CPUs\n")  # fmt: skip
    names = list(results)
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for key in results[names[0]]:
        values = [results[n].get(key, float("nan")) for n in names]
        print(f"| {key} | " + " | ".join(f"{v:,.3f}" for v in values) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
