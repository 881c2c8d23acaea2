"""From a force-wide year of police.uk files to the first Gi* layer, cold.

Issue 14's row "ingest -> Gi* layer, a force-wide year (200k rows, 12 monthly
files)". The six real Hampshire months (2017-02..07, ~105k rows) are written
again as the six months before them (2016-08..2017-01; Crime IDs re-hashed so
they are new crimes, rows without one differ by their month), giving 12 monthly
files of ~209k rows. Then, each in a fresh process as a user would type them:

* ``hotspots ingest <12 files>`` into a new SQLite store;
* ``hotspots layer gistar --out F`` (the city, all themes, every month).

The floor is reading the 12 files and projecting their coordinates (pyarrow.csv
+ pyproj) in one process. Runs ``--repeat`` times with a fresh store each, for
the study area given (``city``, the default: rows outside the city are
counted and rejected; or ``all``: every row stored).

Usage::

    .venv/bin/python benchmarks/bench_ingest_to_layer.py [--repeat 3]
        [--study-area city|all] [--app-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MONTHS = sorted(
    (REPO / "sample_data" / "police_uk").glob("2017-0*-hampshire-street.csv")
)
EARLIER = ["2016-08", "2016-09", "2016-10", "2016-11", "2016-12", "2017-01"]

FLOOR = """
import sys, pyarrow.csv as pc
from pyproj import Transformer
t = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
n = 0
for path in sys.argv[1:]:
    table = pc.read_csv(path)
    lon = table["Longitude"].to_numpy(zero_copy_only=False)
    lat = table["Latitude"].to_numpy(zero_copy_only=False)
    t.transform(lon, lat)
    n += table.num_rows
print(n)
"""


def write_year(folder: Path) -> list[Path]:
    """The 12 monthly files: the six earlier months, then the six real ones."""
    paths = []
    for source, month in zip(MONTHS, EARLIER, strict=True):
        target = folder / f"{month}-hampshire-street.csv"
        with (
            source.open(newline="", encoding="utf-8") as src,
            target.open("w", newline="", encoding="utf-8") as out,
        ):
            reader, writer = csv.reader(src), csv.writer(out, lineterminator="\n")
            writer.writerow(next(reader))
            for row in reader:
                row[1] = month
                if row[0]:
                    row[0] = hashlib.sha256((row[0] + month).encode()).hexdigest()
                writer.writerow(row)
        paths.append(target)
    return paths + list(MONTHS)


def timed(
    command: list[str], cwd: Path, env: dict[str, str]
) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:4])}... failed:\n{done.stderr[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def line(name: str, runs: list[tuple[float, ...]]) -> str:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return (
        f"| {name} | {min(walls):.2f} | {statistics.median(walls):.2f} "
        f"| {statistics.median(cpus):.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Write the year, time ingest + layer per run, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--study-area", default="city", choices=("city", "all"))
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout to run")
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "hotspots.cli"]
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench_year_") as tmp:
        files = [str(p) for p in write_year(Path(tmp))]
        rows = sum(len(Path(f).read_bytes().splitlines()) - 1 for f in files)
        ingests, layers, totals, floors = [], [], [], []
        for i in range(args.repeat):
            Path(f"{tmp}/run{i}").mkdir()
            env = dict(
                os.environ,
                HOTSPOTS_DATA_DIR=f"{tmp}/run{i}",
                HOTSPOTS_DATABASE_URL=f"sqlite:///{tmp}/run{i}.db",
                HOTSPOTS_STUDY_AREA=args.study_area,
            )
            floors.append(timed([sys.executable, "-c", FLOOR, *files], REPO, env))
            ingests.append(timed([*cli, "ingest", *files], args.app_dir, env))
            out = f"{tmp}/gistar{i}.geojson"
            layers.append(
                timed([*cli, "layer", "gistar", "--out", out], args.app_dir, env)
            )
            totals.append(
                tuple(a + b for a, b in zip(ingests[-1], layers[-1], strict=True))
            )
        loads.append(os.getloadavg()[0])
    print(f"checkout {args.app_dir}; {len(files)} monthly files, {rows:,} rows; "
          f"study area {args.study_area}; 1-min load {loads[0]:.1f} before, "
          f"{loads[1]:.1f} after")  # fmt: skip
    print("| step | wall min s | wall median s | CPU median s |")
    print("|---|---:|---:|---:|")
    print(line("`hotspots ingest` (12 files)", ingests))
    print(line("`hotspots layer gistar`", layers))
    print(line("**ingest + layer**", totals))
    print(line("floor: read + project the 12 files", floors))
    peak = max(r[2] for r in ingests)
    print(f"peak RSS of an ingest: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
