"""Speed of the issue-11 jobs: a full rolling backtest of every method over six
months of a city, and Emerging Hot Spot Analysis on 1M cells x 24 slices.

    .venv/bin/python benchmarks/bench_evaluation.py [--repeat 3] [--cells 1000]

1. Backtest: the six sample police.uk months of Portsmouth ingested into a
   temporary SQLite store; ``backtest_store`` with every default recipe (13)
   for asb, violence, drugs and all incidents (rolling origin, 3 origins,
   5 coverages, 100 m grid), as ``hotspots evaluate`` runs it; then the trust
   figures of the five map layers (each its own rolling backtest).
   Aim: < 30 s.
2. Emerging hot spots: a seeded Poisson cube of ``cells x cells`` cells and 24
   slices with planted rising, new and steady cells; ``emerging_hotspots``
   (space-time Gi*, FDR, Mann-Kendall on every cell, classes), checked to
   find the planted cells. Aim: < 10 s.

Times are wall clock, best and median of ``--repeat`` runs in this process
(the first includes imports' warm-up), with the peak resident set.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotspots.evaluation import default_forecasters  # noqa: E402
from hotspots.evaluation.run import backtest_store  # noqa: E402
from hotspots.ingest import ingest_paths  # noqa: E402
from hotspots.layers import LayerRequest, compute_layer  # noqa: E402
from hotspots.store import open_store  # noqa: E402
from hotspots.temporal import emerging_hotspots  # noqa: E402

CSV = ROOT / "sample_data" / "police_uk" / "portsmouth-street-2017-02_to_2017-07.csv"
THEMES = ("asb", "violence", "drugs", "all")


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_backtest(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 's.db'}")
        ingest_paths([CSV], store)
        forecasters = default_forecasters()

        def run() -> dict[str, object]:
            return {t: backtest_store(store, forecasters, theme=t) for t in THEMES}

        times, out = _timed(run, repeat)
        maps = sum(len(bt.folds) for bt in out.values()) // 5  # type: ignore[union-attr]
        print(
            f"backtest: {len(THEMES)} themes x {len(forecasters)} recipes, "
            f"{maps} maps scored at 5 coverages: best {min(times):.2f} s, "
            f"median {statistics.median(times):.2f} s, first {times[0]:.2f} s"
        )

        def layers() -> None:
            for method in ("grid", "kde", "gistar", "dbscan", "hdbscan"):
                compute_layer(
                    store,
                    LayerRequest(
                        method=method,
                        theme="asb",
                        month_from="2017-05",
                        month_to="2017-07",
                    ),
                )

        times, _ = _timed(layers, repeat)
        print(
            f"five map layers with their trust figures (asb, 3 months, 3 "
            f"origins each): best {min(times):.2f} s, median "
            f"{statistics.median(times):.2f} s"
        )


def bench_emerging(repeat: int, side: int) -> None:
    rng = np.random.default_rng(2026)
    t_n = 24
    cube = rng.poisson(0.2, size=(t_n, side, side)).astype("float64")
    cube[:, 100, 100] += np.linspace(5, 40, t_n)  # rising
    cube[-1, 300, 300] += 40  # new
    cube[:, 500, 500] += 20  # steady
    mask = np.ones((side, side), dtype=bool)
    times, res = _timed(lambda: emerging_hotspots(cube, mask, 100.0), repeat)
    labels = res.labels.reshape(side, side)  # type: ignore[union-attr]
    print(
        f"emerging hot spots: {side * side:,} cells x {t_n} slices: best "
        f"{min(times):.2f} s, median {statistics.median(times):.2f} s, first "
        f"{times[0]:.2f} s; planted: {labels[100, 100]}, {labels[300, 300]}, "
        f"{labels[500, 500]}; peak RSS {_peak_mb():,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cells", type=int, default=1000, help="side of the cube")
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}; nproc {os.cpu_count()}; "
        f"Python {platform.python_version()}; numpy {np.__version__}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    bench_backtest(args.repeat)
    bench_emerging(args.repeat, args.cells)
    print(f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
