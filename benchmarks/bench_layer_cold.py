"""Cold ``hotspots layer gistar``: a fresh process per run, imports included.

Ingests the six Hampshire police.uk sample months with study area ``all``
(~105k rows, Portsmouth ~18k of them) into a temporary SQLite store, then runs
``python -m hotspots.cli layer gistar`` ``--repeat`` times, each in a new
interpreter, and reports wall and CPU time (min and median) and the time to
import ``hotspots.layers`` alone. ``--app-dir`` times another checkout (e.g.
an older commit from ``git archive``) on the same store.

Usage::

    .venv/bin/python benchmarks/bench_layer_cold.py [--repeat 5] [--app-dir DIR]
"""

from __future__ import annotations

import argparse
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


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def line(name: str, runs: list[tuple[float, float]]) -> str:
    """min / median wall and CPU of ``runs``."""
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return (
        f"{name}: wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s;"
        f" CPU min {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Build the store, time the runs, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout to run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_layer_") as tmp:
        env = dict(
            os.environ,
            HOTSPOTS_DATA_DIR=tmp,
            HOTSPOTS_DATABASE_URL=f"sqlite:///{tmp}/all.db",
            HOTSPOTS_STUDY_AREA="all",
        )
        cli = [sys.executable, "-m", "hotspots.cli"]
        subprocess.run(
            [*cli, "ingest", *map(str, MONTHS)], cwd=REPO, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        out = str(Path(tmp) / "gistar.geojson")
        layer = [*cli, "layer", "gistar", "--out", out]
        imports = [sys.executable, "-c", "import hotspots.layers"]
        runs = [timed(layer, args.app_dir, env) for _ in range(args.repeat)]
        loads = [timed(imports, args.app_dir, env) for _ in range(args.repeat)]
    print(f"checkout {args.app_dir}, {len(MONTHS)} months, study area all")
    print(line("hotspots layer gistar (cold)", runs))
    print(line("import hotspots.layers", loads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
