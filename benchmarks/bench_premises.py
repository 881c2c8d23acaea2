"""Premises benchmark: check every premises of the sample register against a year
of incidents, rank the pubs and clubs, and make one evidence report.

The year is the six real Portsmouth police.uk months (2017-02 to 2017-07) plus the
same records moved six months on (2017-08 to 2018-01, Crime IDs suffixed), and the
two synthetic local logs: a year-sized store, clearly not a real year. Each timing
is best and median of 3 runs in one process.

Usage::

    .venv/bin/python benchmarks/bench_premises.py
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.access import Role, policy_for
from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.check import check_premises
from hotspots.premises.context import CheckRequest
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.premises.service import context_for, make_report, rank
from hotspots.settings import Settings
from hotspots.store import SQLiteStore

REPO = Path(__file__).resolve().parent.parent
PORTSMOUTH_CSV = REPO / "sample_data/police_uk/portsmouth-street-2017-02_to_2017-07.csv"
LOCAL_DIR = REPO / "sample_data/local"
NDR_CSV = REPO / "sample_data/premises/portsmouth-ndr-properties-january-2022.csv"
WHITE_SWAN = "portsmouth-ndr-2022-01:177503398210"
RUNS = 3


def _shifted(folder: Path) -> Path:
    frame = pd.read_csv(PORTSMOUTH_CSV, dtype=str, keep_default_na=False)
    months = pd.PeriodIndex(frame["Month"], freq="M") + 6
    frame["Month"] = months.strftime("%Y-%m")
    has_id = frame["Crime ID"] != ""
    frame.loc[has_id, "Crime ID"] = frame.loc[has_id, "Crime ID"] + "-shifted"
    out = folder / "portsmouth-street-2017-08_to_2018-01-shifted.csv"
    frame.to_csv(out, index=False)
    return out


def _time(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> None:
    pack = Settings().area_pack()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = SQLiteStore(folder / "bench.db")
        ingest_paths([PORTSMOUTH_CSV, _shifted(folder), LOCAL_DIR], store)
        register = register_of(store)
        mapping = read_mapping(NDR_CSV.with_suffix(".toml"))
        postcodes = pack_postcodes(pack)
        imp = _time(
            lambda: import_premises(NDR_CSV, mapping, register, postcodes, force=True)
        )
        premises = register.premises()
        request = CheckRequest(month_from="2017-02", month_to="2018-01")
        policy = policy_for(Role.PARTNER)
        ctx = _time(lambda: context_for(store, pack, register, request, policy))
        context = ctx[2]
        rows = premises.to_dict(orient="records")
        checks = _time(lambda: [check_premises(row, context) for row in rows])
        ranked = _time(lambda: rank(context, ("pub", "club")))
        swan = register.get(WHITE_SWAN)
        one = _time(lambda: make_report(swan, context, pack, generated_by="bench"))
        pdf = _time(lambda: one[2].pdf())
        n_incidents = len(context.incidents)
        total = sum(r["total"] for r in checks[2])
    load = os.getloadavg()[0]
    print(
        f"## Premises checks\n\n`benchmarks/bench_premises.py`, "
        f"{datetime.now():%Y-%m-%d %H:%M}; 1-min load average {load:.2f} at the end."
    )
    print(
        f"\n- CPU: {platform.processor() or platform.machine()}; `nproc` "
        f"{os.cpu_count()}; Python {platform.python_version()}"
    )
    print(
        f"- Store: {n_incidents:,} incidents in the city over 12 months (2017-02 to "
        "2018-01: six real police.uk months, the same moved six months on, and the "
        f"synthetic local logs); register {len(rows)} premises "
        "(pubs, clubs, restaurants, hotels)."
    )
    print("\n| step | best s | median s | per premises ms |\n|---|---:|---:|---:|")
    table = [
        ("import the register (5,588 rows, 434 kept)", imp, None),
        ("read the city's incidents + Gi* city layer (once)", ctx, None),
        (f"check all {len(rows)} premises (100 m, 250 m outlets)", checks, len(rows)),
        ("rank pubs and clubs (191, overlap clusters)", ranked, None),
        ("one report: check + HTML (White Swan)", one, None),
        ("that report's PDF (WeasyPrint)", pdf, None),
    ]
    for label, (best, median, _), per in table:
        per_ms = f"{1000 * best / per:.1f}" if per else ""
        print(f"| {label} | {best:.3f} | {median:.3f} | {per_ms} |")
    print(f"\nIncidents counted over all checks: {total:,} (circles overlap).")


if __name__ == "__main__":
    main()
