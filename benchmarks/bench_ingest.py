"""Ingest benchmark: time and peak memory to ingest N police.uk-format rows.

Generates a seeded police.uk street-level CSV (default 1,000,000 rows) from the
real snap points in ``sample_data/police_uk``, then runs, each in a fresh
subprocess so peak RSS is that run's alone:

* ``ingest``     full :func:`hotspots.ingest.ingest_paths` into a new SQLite file;
* ``reingest``   the same file again into that store with ``force`` (a
  changed download: every row must be a duplicate, 0 stored; without
  ``force`` the file is skipped by its SHA-256 at once);
* ``stages``     a second full ingest with the internal steps timed;
* ``floor``      read + project only (pyarrow.csv + pyproj), the reference floor.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py [--rows 1000000] [--seed 7]
        [--repeat 3] [--part-rows 200000] [--keep DIR]

``--repeat`` runs the full ingest several times (fresh store each) and reports
the fastest, for a machine shared with other work; the 1-minute load average
is printed before and after.

Exits non-zero if the counts do not add up (stored + rejected + duplicates must
equal rows read, and the re-ingest must store nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

POLICE_UK_DIR = REPO / "sample_data" / "police_uk"
PORTSMOUTH_CSV = POLICE_UK_DIR / "portsmouth-street-2017-02_to_2017-07.csv"
HAMPSHIRE_CSVS = sorted(POLICE_UK_DIR.glob("2017-0?-hampshire-street.csv"))
COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
    "Context",
)  # fmt: skip
_PLACE_COLUMNS = ("Longitude", "Latitude", "Location", "LSOA code", "LSOA name")
FORCE = "Hampshire Constabulary"
ASB = "Anti-social behaviour"
OUTSIDE_SHARE = 0.10
NO_COORDINATES_SHARE = 0.005
FIRST_MONTH, LAST_MONTH = (2014, 1), (2017, 12)
HELPER_STAGE = "store: insert (helper thread)"
PART_ROWS_ENV = "BENCH_INGEST_PART_ROWS"


# --------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------


def _places(path_or_paths: Path | list[Path], *, portsmouth: bool) -> pd.DataFrame:
    """Real located rows' place columns (one per source row, so busy snap points
    keep their real weight), either Portsmouth's or the rest of Hampshire's."""
    paths = path_or_paths if isinstance(path_or_paths, list) else [path_or_paths]
    frame = pd.concat(
        pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths
    ).reset_index(drop=True)
    in_city = frame["LSOA name"].str.startswith("Portsmouth ")
    keep = (frame["Longitude"] != "") & (in_city if portsmouth else ~in_city)
    return frame.loc[keep, list(_PLACE_COLUMNS)].reset_index(drop=True)


def _months(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    first = FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1
    last = LAST_MONTH[0] * 12 + LAST_MONTH[1] - 1
    labels = np.array(
        [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)],
        dtype=object,
    )
    return labels[rng.integers(0, len(labels), n_rows)]


def _crime_ids(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """Unique 64-hex ids (256 random bits each; collisions are impossible)."""
    raw = rng.bytes(32 * n_rows)
    hexes = raw.hex()
    return np.array([hexes[i : i + 64] for i in range(0, 64 * n_rows, 64)], object)


def generate(path: Path, n_rows: int, seed: int) -> dict[str, int]:
    """Write a police.uk-format CSV of ``n_rows`` rows; returns its make-up."""
    rng = np.random.default_rng(seed)
    real = pd.read_csv(PORTSMOUTH_CSV, dtype=str, keep_default_na=False)
    city = _places(PORTSMOUTH_CSV, portsmouth=True)
    elsewhere = _places(HAMPSHIRE_CSVS, portsmouth=False)

    kind = rng.random(n_rows)
    no_coords = kind < NO_COORDINATES_SHARE
    outside = ~no_coords & (kind < NO_COORDINATES_SHARE + OUTSIDE_SHARE)
    inside = ~no_coords & ~outside

    place = {c: np.full(n_rows, "", dtype=object) for c in _PLACE_COLUMNS}
    place["Location"][no_coords] = "No Location"
    for mask, source in ((inside, city), (outside, elsewhere)):
        picks = rng.integers(0, len(source), int(mask.sum()))
        for column in _PLACE_COLUMNS:
            place[column][mask] = source[column].to_numpy(dtype=object)[picks]

    # Crime types and outcomes in the real Portsmouth mix (~28% ASB).
    types = real["Crime type"].to_numpy(dtype=object)
    crime_type = types[rng.integers(0, len(types), n_rows)]
    is_asb = crime_type == ASB
    outcomes = real.loc[real["Crime type"] != ASB, "Last outcome category"]
    outcome = outcomes.to_numpy(dtype=object)[rng.integers(0, len(outcomes), n_rows)]
    outcome[is_asb] = ""
    crime_id = _crime_ids(rng, n_rows)
    crime_id[is_asb] = ""

    frame = pd.DataFrame(
        {
            "Crime ID": crime_id,
            "Month": _months(rng, n_rows),
            "Reported by": FORCE,
            "Falls within": FORCE,
            **place,
            "Crime type": crime_type,
            "Last outcome category": outcome,
            "Context": "",
        },
        columns=list(COLUMNS),
    )
    # Unquoted like the real downloads (pyarrow's writer quotes every string).
    frame.to_csv(path, index=False)
    return {
        "rows": n_rows,
        "inside_city": int(inside.sum()),
        "elsewhere_in_hampshire": int(outside.sum()),
        "no_coordinates": int(no_coords.sum()),
        "asb_without_id": int(is_asb.sum()),
        "bytes": path.stat().st_size,
    }


# --------------------------------------------------------------------------
# Child runs (each in a fresh interpreter)
# --------------------------------------------------------------------------


def _child_ingest(csv: Path, db: Path, *, force: bool = False) -> dict[str, Any]:
    from hotspots.ingest import IngestOptions, ingest_paths
    from hotspots.store import SQLiteStore

    start, cpu = time.perf_counter(), time.process_time()
    store = SQLiteStore(db)
    totals = ingest_paths([csv], store, options=IngestOptions(force=force)).totals()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "totals": totals,
        "count": store.count(),
    }


_NESTING = threading.local()


def _timed(name: str, func: Callable[..., Any], sink: dict[str, list[float]]) -> Any:
    """``func`` adding its wall seconds and its thread's CPU seconds to
    ``sink[name]``, less those of timed calls nested in it."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stack = _NESTING.__dict__.setdefault("stack", [])
        stack.append([0.0, 0.0])  # time spent in nested timed calls
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent = [time.perf_counter() - start, time.thread_time() - cpu]
            nested = stack.pop()
            for i in (0, 1):
                sink[name][i] += spent[i] - nested[i]
                if stack:
                    stack[-1][i] += spent[i]

    return wrapper


#: Stage label -> (module, object, attribute) timed by ``_child_stages``, in
#: pipeline order. Missing ones are skipped, so the script also times older
#: versions of the code (an older store did everything in ``add_batch``).
_STAGES = {
    "read (parse + validate)": ("hotspots.ingest", "", "read_police_uk"),
    "fingerprint": ("hotspots.ingest", "", "record_fingerprints"),
    "load boundaries": ("hotspots.ingest", "", "read_boundaries"),
    "locate (check + project)": ("hotspots.ingest", "", "locate"),
    "assign areas (LSOA + ward)": ("hotspots.ingest", "", "assign_areas"),
    "incident frame": ("hotspots.ingest", "", "_incidents"),
    "reject records (JSON)": ("hotspots.ingest", "", "_records"),
    "store: add_batch (all of it)": (
        "hotspots.store.sqlite",
        "SQLiteStore",
        "add_batch",
    ),
    "store: wait for helper": ("hotspots.store.sqlite_batch", "BatchWriter", "_wait"),
    "store: prepare rows": ("hotspots.store.sqlite_batch", "", "_staged_tables"),
    "store: stage rows (bind)": ("hotspots.store.sqlite_batch", "", "_fill_temp_table"),
    HELPER_STAGE: ("hotspots.store.sqlite_batch", "", "_insert_staged"),
    "store: rejects, counts": ("hotspots.store.sqlite_batch", "BatchWriter", "finish"),
}


def _child_stages(csv: Path, db: Path) -> dict[str, Any]:
    """A full ingest with the pipeline's internal steps wrapped in timers."""
    import importlib

    from hotspots.ingest import ingest_paths
    from hotspots.store import SQLiteStore

    stages: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for label, (module_name, owner_name, attr) in _STAGES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # an older version without this module
            continue
        owner = getattr(module, owner_name, None) if owner_name else module
        if owner is not None and hasattr(owner, attr):
            setattr(owner, attr, _timed(label, getattr(owner, attr), stages))
    store = SQLiteStore(db)
    start, cpu = time.perf_counter(), time.process_time()
    ingest_paths([csv], store)
    total = [time.perf_counter() - start, time.process_time() - cpu]
    main_thread = [v for k, v in stages.items() if k != HELPER_STAGE]
    stages["other (file read, commit, glue)"] = [
        total[0] - sum(v[0] for v in main_thread),
        float("nan"),
    ]
    stages = {label: stages[label] for label in [*_STAGES, *stages] if label in stages}
    return {"seconds": total[0], "cpu_seconds": total[1], "stages": stages}


def _child_floor(csv: Path) -> dict[str, Any]:
    """Read the CSV with pyarrow and project lon/lat to BNG with pyproj."""
    from pyproj import Transformer

    start, cpu = time.perf_counter(), time.process_time()
    table = pacsv.read_csv(csv)
    lon = table.column("Longitude").to_numpy()
    lat = table.column("Latitude").to_numpy()
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    easting, _ = transformer.transform(lon, lat)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": table.num_rows,
        "finite": int(np.isfinite(easting).sum()),
    }


def _child(argv: list[str]) -> None:
    mode, csv = argv[0], Path(argv[1])
    db = Path(argv[2]) if len(argv) > 2 else None
    if PART_ROWS_ENV in os.environ:
        import hotspots.ingest

        hotspots.ingest.PART_ROWS = int(os.environ[PART_ROWS_ENV])
    if mode == "floor":
        result = _child_floor(csv)
    elif mode == "stages":
        result = _child_stages(csv, db)  # type: ignore[arg-type]
    else:
        result = _child_ingest(csv, db, force=mode == "reingest")  # type: ignore[arg-type]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["page_faults"] = usage.ru_minflt
    print(json.dumps(result))


def _run_child(*args: str) -> dict[str, Any]:
    """Run one benchmark step in a fresh interpreter and return its JSON."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"benchmark step {args[0]} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _machine() -> dict[str, str]:
    import geopandas
    import pyproj
    import shapely

    mem_kib = 0
    with Path("/proc/meminfo").open() as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cpus": str(os.cpu_count()),
        "ram_gib": f"{mem_kib / 1024**2:.1f}",
        "python": platform.python_version(),
        "versions": (
            f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow "
            f"{pa.__version__}, pyproj {pyproj.__version__}, shapely "
            f"{shapely.__version__}, geopandas {geopandas.__version__}, sqlite "
            f"{__import__('sqlite3').sqlite_version}"
        ),
    }


def _load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _check(
    make_up: dict[str, int], first: dict[str, Any], again: dict[str, Any]
) -> list[str]:
    """Correctness problems (an empty list when all is well)."""
    problems = []
    t = first["totals"]
    if t["read"] != make_up["rows"]:
        problems.append(f"read {t['read']} rows, generated {make_up['rows']}")
    if t["stored"] + t["rejected"] + t["duplicates"] != t["read"]:
        problems.append(f"stored + rejected + duplicates != read: {t}")
    if first["count"] != t["stored"]:
        problems.append(f"store holds {first['count']}, report says {t['stored']}")
    if t["rejected"] < make_up["no_coordinates"]:
        problems.append("fewer rejects than rows without coordinates")
    a = again["totals"]
    if a["stored"] != 0:
        problems.append(f"re-ingest stored {a['stored']} rows (expected 0)")
    if a["duplicates"] != t["stored"] or again["count"] != first["count"]:
        problems.append(f"re-ingest duplicates {a['duplicates']} != {t['stored']}")
    return problems


def _print_report(
    make_up: dict[str, int],
    runs: dict[str, dict[str, Any]],
    problems: list[str],
) -> None:
    machine = _machine()
    print(
        f"machine: {machine['cpus']} CPUs, {machine['ram_gib']} GiB RAM, "
        f"Python {machine['python']}"
    )
    print(f"packages: {machine['versions']}")
    print(
        f"input: {make_up['rows']:,} rows, {make_up['bytes'] / 1e6:.0f} MB "
        f"({make_up['inside_city']:,} in the city, "
        f"{make_up['elsewhere_in_hampshire']:,} elsewhere in Hampshire, "
        f"{make_up['no_coordinates']:,} without coordinates, "
        f"{make_up['asb_without_id']:,} ASB without Crime ID)"
    )
    t = runs["ingest"]["totals"]
    print(
        f"counts: read {t['read']:,}, stored {t['stored']:,}, rejected "
        f"{t['rejected']:,}, duplicates {t['duplicates']:,}; by reason "
        f"{t['rejected_by_reason']}"
    )
    floor = runs["floor"]["seconds"]
    print()
    print(
        f"{'run':<34}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}"
        f"{'faults k':>10}{'x floor':>9}"
    )
    for label, key in (
        ("full ingest (fresh store)", "ingest"),
        ("re-ingest same file (0 stored)", "reingest"),
        ("full ingest, stage-timed", "stages"),
        ("read + project only (floor)", "floor"),
    ):
        run = runs[key]
        print(
            f"{label:<34}{run['seconds']:>8.2f}{run['cpu_seconds']:>8.2f}"
            f"{run['peak_rss_mb']:>13.0f}{run['page_faults'] / 1000:>10.0f}"
            f"{run['seconds'] / floor:>9.1f}"
        )
    print()
    print(f"{'stage (stage-timed run)':<34}{'wall s':>8}{'CPU s':>8}")
    for stage, (seconds, cpu) in runs["stages"]["stages"].items():
        cpu_text = "-" if cpu != cpu else f"{cpu:.2f}"
        print(f"{stage:<34}{seconds:>8.2f}{cpu_text:>8}")
    print(
        "(CPU s: the stage's own thread. The helper thread's inserts overlap the"
        " main thread's stages, so wall times add up to more than the total.)"
    )
    print()
    print("correctness:", "OK" if not problems else "; ".join(problems))


def main() -> int:
    """Generate the input, run each step in a fresh process, print the table."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows to generate (1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (7)")
    parser.add_argument(
        "--keep", type=Path, help="write the CSV and store here and keep them"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="full ingests to run; the best is shown"
    )
    parser.add_argument(
        "--part-rows", type=int, help="override hotspots.ingest.PART_ROWS"
    )
    args = parser.parse_args()
    load_before = _load_average()
    if args.part_rows:
        os.environ[PART_ROWS_ENV] = str(args.part_rows)
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv = folder / f"bench-{args.rows}-street.csv"
        start = time.perf_counter()
        make_up = generate(csv, args.rows, args.seed)
        print(f"generated {csv.name} in {time.perf_counter() - start:.1f} s")
        ingests = []
        for _ in range(args.repeat):
            for old in folder.glob("bench*.db*"):
                old.unlink()
            ingests.append(_run_child("ingest", str(csv), str(folder / "bench.db")))
        if args.repeat > 1:
            walls = ", ".join(f"{run['seconds']:.2f}" for run in ingests)
            print(f"full ingest wall s over {args.repeat} runs: {walls}")
        runs = {
            "ingest": min(ingests, key=lambda run: run["seconds"]),
            "reingest": _run_child("reingest", str(csv), str(folder / "bench.db")),
            "stages": _run_child("stages", str(csv), str(folder / "bench-stages.db")),
            "floor": _run_child("floor", str(csv)),
        }
    problems = _check(make_up, runs["ingest"], runs["reingest"])
    _print_report(make_up, runs, problems)
    print(f"load average (1 min): {load_before} before, {_load_average()} after")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
