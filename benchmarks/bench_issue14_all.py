"""Every row of issue 14's table in one run, each beside its peer or floor.

Runs, one after the other (each job in fresh processes, as its own script does):

* ``bench_issue14.py``: CLI start, public ``gistar()``/``kde()`` on 1M cells,
  exact KDE against KDEpy, DBSCAN/HDBSCAN on 1M points (with the exactness
  checks: Gi* against esda, KDE against a direct sum, DBSCAN labels against
  scikit-learn);
* ``bench_layer_cold.py``: a cold ``hotspots layer gistar`` (and its import);
* ``bench_ingest_to_layer.py``: a force-wide year ingested, then its first layer,
  against reading + projecting the files;
* ``bench_ingest.py``: 1M police.uk rows, against reading + projecting them;
* ``bench_api.py --scenarios summary``: area summaries under 32 clients.

Prints each script's own table, then one summary table of the rows with their
aims, and writes the whole report to ``--out`` when given. About 15 minutes on
2 cores; ``--quick`` runs smaller sizes (a smoke test, not figures to quote).

Usage::

    nice -n 5 .venv/bin/python benchmarks/bench_issue14_all.py [--repeat 3] [--out F]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *arguments: str) -> str:
    """Run a benchmark script; its standard output (it must succeed)."""
    command = [sys.executable, str(HERE / script), *arguments]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    print(done.stdout, end="", flush=True)
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{script} failed ({done.returncode})")
    return done.stdout


def number(pattern: str, text: str) -> float:
    """The first number captured by ``pattern`` in ``text`` (NaN if absent)."""
    found = re.search(pattern, text)
    return float(found.group(1).replace(",", "")) if found else float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the summary table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--out", type=Path, help="write the report here too")
    args = parser.parse_args(argv)
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    repeat = str(args.repeat)
    rows = "100000" if args.quick else "1000000"
    with tempfile.TemporaryDirectory(prefix="bench14_") as tmp:
        api_json = Path(tmp) / "api.json"
        quick = ["--quick"] if args.quick else []
        analysis = run("bench_issue14.py", "--repeat", repeat, *quick)
        cold = run("bench_layer_cold.py", "--repeat", repeat)
        year = run("bench_ingest_to_layer.py", "--repeat", repeat)
        ingest = run("bench_ingest.py", "--rows", rows, "--repeat", repeat)
        summary_seconds = "5" if args.quick else "15"
        run("bench_api.py", "--scenarios", "summary", "--clients", "32",
            "--seconds", summary_seconds, "--json", str(api_json))  # fmt: skip
        api = json.loads(api_json.read_text())["results"][0]
    layer_s = number(r"layer gistar \(cold\): wall min ([\d.]+)", cold)
    year_s = number(r"\*\*ingest \+ layer\*\* \| ([\d.]+)", year)
    year_floor = number(r"floor: read \+ project the 12 files \| ([\d.]+)", year)
    ingest_s = number(r"full ingest \(fresh store\)\s+([\d.]+)", ingest)
    ingest_mb = number(
        r"full ingest \(fresh store\)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", ingest
    )
    ingest_floor = number(r"read \+ project only \(floor\)\s+([\d.]+)", ingest)

    def met(ok: bool) -> str:
        return "yes" if ok else "no"

    ingest_ok = ingest_s < 5 * ingest_floor and ingest_mb < 1024
    table = [
        "| row | ours | peer or floor | aim | met? |",
        "|---|---:|---:|---|---|",
        f"| cold `hotspots layer gistar` (six Hampshire months, city) "
        f"| {layer_s:.2f} s | (the statistic: see above) | < 0.8 s "
        f"| {met(layer_s < 0.8)} |",
        f"| ingest + first Gi* layer, force-wide year (12 files) | {year_s:.2f} s "
        f"| read + project {year_floor:.2f} s | < 5 s | {met(year_s < 5)} |",
        f"| ingest of {int(rows):,} police.uk rows | {ingest_s:.2f} s, "
        f"{ingest_mb:,.0f} MB | read + project {ingest_floor:.2f} s "
        f"({ingest_s / ingest_floor:.1f}x) | < 5x floor, < 1 GB | {met(ingest_ok)} |",
        f"| area summary, 32 clients | p50 {api['p50_ms']} ms, p99 {api['p99_ms']} ms "
        f"| | p50 < 20 ms | {met(float(api['p50_ms']) < 20)} |",
    ]
    report = "\n".join([
        f"\n## Issue 14, every row ({started}, `bench_issue14_all.py --repeat {repeat}`"
        f"{' --quick' if args.quick else ''}); 1-min load {load:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after",
        "",
        "Analysis rows (`bench_issue14.py`, its own table above) and:",
        "",
        *table,
    ])  # fmt: skip
    print(report)
    if args.out:
        args.out.write_text(analysis + cold + year + ingest + report + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
