"""Issue 14's table, rerun side by side with each row's peer or floor in one run.

Rows (each job in a fresh process; ours and the peer alternate in that process,
so both meet the same load; best and median wall time; peak memory as the rise
of the kernel's VmHWM above the resident set before the call, which counts
GEOS's allocations too, unlike tracemalloc):

* CLI start: ``hotspots --help`` against ``import typer, rich``.
* Public ``gistar()`` / ``kde()`` on 1M cells (1M points, 50 m cells over a
  50 km square) against their cores (``gistar_grid`` / ``kde_surface`` on the
  same grid), then the result's ``features`` read once (cell ids and polygons
  are built on first access); Gi* z checked against esda's ``G_Local``
  (queen, star) on the 100 x 100 grid of the same points.
* Exact quartic KDE against KDEpy's ``FFTKDE`` (biweight of support r) at r =
  2-50 cells on 200 x 200 and 1000 x 1000 grids, 1M points; both checked
  against a direct sum on sampled cells (relative to the peak).
* DBSCAN on 1M distinct points (public ``dbscan()`` with its defaults, and the
  grid labels alone) against scikit-learn, which cannot hold 1M points'
  neighbourhoods: it runs on a 100k sample where the grid method's labels are
  checked equal to its labels, element for element. HDBSCAN on the same 1M
  points: its answer (a result or the refusal) is reported.

Not here: ingest (another engineer's row; ``bench_ingest.py``), area summary
under load (``bench_api.py --scenarios summary``) and the cold layer
(``bench_layer_cold.py``): each needs a store and minutes.

Usage::

    nice -n 5 .venv/bin/python benchmarks/bench_issue14.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_analytics import (  # noqa: E402
    EXTENT_M,
    ORIGIN,
    Meter,
    cell_centres,
    count_grid,
    direct_density,
    make_points,
    sample_cells,
    side,
)

RADII_CELLS = (2, 5, 10, 21, 40, 50)
KDE_CELLS = {40_000: 250.0, 1_000_000: 50.0}
DBSCAN_SAMPLE = 100_000


def _alternate(
    fns: dict[str, Callable[[], Any]], repeat: int
) -> tuple[dict[str, list[float]], dict[str, float], dict[str, Any]]:
    """Run each function in turn ``repeat`` times: wall times, peak MB, results."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    peaks: dict[str, float] = dict.fromkeys(fns, 0.0)
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in fns.items():
            results.pop(name, None)
            meter = Meter()
            meter.start()
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
            meter.stop(name)
            peaks[name] = max(peaks[name], meter.peaks[f"{name}_extra_mb"])
    return times, peaks, results


def _stats(times: list[float]) -> dict[str, float]:
    """Best and median of wall times."""
    return {"best": min(times), "median": statistics.median(times)}


def _frame(x: np.ndarray, y: np.ndarray) -> Any:
    """Points as a GeoDataFrame in EPSG:27700."""
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:27700")


def _grid(c: float) -> Any:
    """Our grid of exactly the benchmark square at cell size ``c``."""
    from hotspots.analysis.grid import make_grid

    top = EXTENT_M - 1e-6
    return make_grid((ORIGIN[0], ORIGIN[1], ORIGIN[0] + top, ORIGIN[1] + top), c)


# --- jobs (each runs in a child process) -------------------------------------


def job_public(task: dict) -> dict:
    """Public gistar()/kde() on 1M cells against their cores; Gi* vs esda."""
    from hotspots.analysis.gistar import gistar, gistar_grid, neighbour_offsets
    from hotspots.analysis.grid import bin_points
    from hotspots.analysis.kde import kde, kde_surface

    x, y = make_points(task["points"])
    pts = _frame(x, y)
    grid, c, r = _grid(50.0), 50.0, 500.0
    offsets = neighbour_offsets(c, c * math.sqrt(2))

    def core_gistar() -> Any:
        n, _ = bin_points(grid, x, y)
        return gistar_grid(n.astype(float), grid.mask, offsets)

    fns = {
        "gistar public": lambda: gistar(pts, cell_size_m=c, max_cells=2_000_000),
        "gistar core": core_gistar,
        "kde public": lambda: kde(
            pts, cell_size_m=c, bandwidth_m=r, max_cells=2_000_000
        ),
        "kde core": lambda: kde_surface(x, y, grid, r),
    }
    from hotspots.analysis import grid as grid_module

    first_t, first_p = {}, {}
    for name in ("gistar public", "kde public"):  # each with no cells kept yet
        grid_module._cell_cache.clear()
        t, p, _ = _alternate({name: fns[name]}, 1)
        first_t[name + " first"], first_p[name + " first"] = t[name], p[name]
    for name in ("gistar public", "kde public"):  # the frame, built on first access
        result = fns[name]()
        grid_module._cell_cache.clear()
        t, p, _ = _alternate({name: lambda result=result: result.features}, 1)
        first_t[name + " features"], first_p[name + " features"] = t[name], p[name]
    times, peaks, results = _alternate(fns, task["repeat"])
    cells = len(results["gistar public"].cells)
    out = {"cells": cells, "times": times | first_t, "peaks": peaks | first_p}
    out["esda_max_abs_diff_z"] = _esda_check(x, y)
    return out


def _esda_check(x: np.ndarray, y: np.ndarray) -> float:
    """Largest |z ours - z esda| on the 100 x 100 grid of 500 m cells."""
    import warnings

    from esda.getisord import G_Local
    from libpysal.weights import lat2W

    from hotspots.analysis.gistar import gistar

    c = 500.0
    ours = gistar(_frame(x, y), cell_size_m=c, area=_square())
    z_ours = ours.features["gistar_z"].to_numpy()
    s = side(c)
    counts = count_grid(x, y, c).ravel()
    w = lat2W(s, s, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z_esda = G_Local(counts, w, transform="B", star=True, permutations=0).Zs
    # Our area grid has one masked row and column beyond the square's far edges.
    return float(np.max(np.abs(z_ours.reshape(s, s) - z_esda.reshape(s, s))))


def _square() -> Any:
    """The benchmark square as a study area."""
    import shapely

    return shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + EXTENT_M, ORIGIN[1] + EXTENT_M)


def job_kde(task: dict) -> dict:
    """Ours and KDEpy alternately at each radius on one grid; direct-sum checks."""
    from KDEpy import FFTKDE

    from hotspots.analysis.kde import kde_surface

    c = task["c"]
    x, y = make_points(task["points"])
    grid = _grid(c)
    cx, cy = cell_centres(c)
    grid_points = np.column_stack([cx.T.ravel(), cy.T.ravel()])
    data = np.column_stack([x, y])
    rows = []
    for k in task["radii"]:
        r = k * c

        def kdepy(r: float = r) -> np.ndarray:
            dens = FFTKDE(kernel="biweight", bw=r / math.sqrt(7)).fit(data)
            values = dens.evaluate(grid_points)
            return values.reshape(side(c), side(c)).T

        fns = {
            "ours": lambda r=r: kde_surface(x, y, grid, r),
            "KDEpy": kdepy,
        }
        times, peaks, results = _alternate(fns, task["repeat"])
        ours = results["ours"]
        theirs = (results["KDEpy"] - np.finfo(float).eps) * x.size * 1e6
        cells = sample_cells(ours, 120, 20)
        ref = direct_density(x, y, cx.ravel()[cells], cy.ravel()[cells], r, "quartic")
        peak = ref.max()
        rows.append(
            {
                "r_cells": k,
                "times": times,
                "peaks": peaks,
                "ours_rel_err": float(np.max(np.abs(ours.ravel()[cells] - ref)) / peak),
                "kdepy_rel_err": float(
                    np.max(np.abs(theirs.ravel()[cells] - ref)) / peak
                ),
            }
        )
    return {"cells": side(c) ** 2, "rows": rows}


def job_dbscan(task: dict) -> dict:
    """Public dbscan() and grid labels on 1M distinct points; sklearn on a sample."""
    from sklearn.cluster import DBSCAN

    from hotspots.analysis.cluster_labels import Locations
    from hotspots.analysis.clusters import (
        dbscan,
        default_eps_m,
        default_min_samples,
        hdbscan,
    )
    from hotspots.analysis.dbscan_grid import GridDBSCAN, grid_dbscan
    from hotspots.errors import InvalidParameterError

    x, y = make_points(task["points"])
    xy = np.column_stack([x, y])
    pts = _frame(x, y)
    loc = Locations.from_xy(xy)
    eps = default_eps_m(loc.xy)
    ms = default_min_samples(loc, eps)
    fns = {
        "dbscan public": lambda: dbscan(pts),
        "grid labels": lambda: grid_dbscan(loc.xy, loc.weight, eps, ms),
    }
    times, peaks, results = _alternate(fns, task["repeat"])
    public = results["dbscan public"]
    checks = GridDBSCAN(loc.xy, loc.weight, eps).checks(ms)
    rng = np.random.default_rng(1)
    sample = np.sort(rng.choice(len(loc), task["sample"], replace=False))
    sub = loc.xy[sample]
    ms_sub = max(5, round(ms * task["sample"] / len(loc)))
    fns = {
        "sklearn sample": lambda: DBSCAN(eps=eps, min_samples=ms_sub).fit(sub).labels_,
        "grid sample": lambda: grid_dbscan(sub, None, eps, ms_sub),
    }
    s_times, s_peaks, s_results = _alternate(fns, task["repeat"])
    same = np.array_equal(s_results["sklearn sample"], s_results["grid sample"])
    try:
        t0 = time.perf_counter()
        h = hdbscan(pts)
        took = time.perf_counter() - t0
        hdb = f"result in {took:.1f} s, snap_m={h.parameters['snap_m']}"
    except InvalidParameterError as exc:
        hdb = f"refused in {time.perf_counter() - t0:.1f} s: {exc}"
    return {
        "locations": len(loc),
        "eps": eps,
        "min_samples": ms,
        "clusters": len(public.features),
        "cost": public.parameters["cost_formula"],
        "checks": checks,
        "times": times | s_times,
        "peaks": peaks | s_peaks,
        "sample": task["sample"],
        "min_samples_sample": ms_sub,
        "sample_clusters": int(s_results["grid sample"].max() + 1),
        "sample_labels_equal": bool(same),
        "hdbscan": hdb,
    }


def job_cli(task: dict) -> dict:
    """``hotspots --help`` against ``import typer, rich``, alternately."""
    exe = str(Path(sys.executable).with_name("hotspots"))
    commands = {
        "hotspots --help": [exe, "--help"],
        "import typer, rich": [sys.executable, "-c", "import typer, rich"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(task["repeat"] + 2):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    return {"times": times}


JOBS = {"public": job_public, "kde": job_kde, "dbscan": job_dbscan, "cli": job_cli}


def run_child(name: str, task: dict) -> dict:
    """Run one job in a fresh interpreter and return its JSON."""
    cmd = [sys.executable, __file__, "--child", name, json.dumps(task)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------


def _fmt(t: list[float]) -> str:
    """``best / median`` seconds."""
    s = _stats(t)
    return f"{s['best']:.3f} / {s['median']:.3f}"


def report(res: dict, args: argparse.Namespace, started: str, loads: list) -> str:
    """The markdown section for RESULTS.md."""
    npts = "100k" if args.quick else "1M"
    lines = [
        f"## Issue 14: each row beside its peer ({started})",
        "",
        f"`benchmarks/bench_issue14.py --repeat {args.repeat}`, run under "
        f"`nice -n {os.nice(0)}` while other workers shared the 2-core machine "
        f"(1-min load average {loads[0]:.2f} before, {loads[1]:.2f} after): "
        "absolute times are inflated and noisy; ratios come from runs alternated "
        "in one process, so both sides met the same load. Times: best / median "
        "wall seconds; memory: peak rise of the resident set (VmHWM) during the "
        "call, GEOS included.",
        "",
        "| row | ours | peer or floor | ours s (best / median) | peer s | "
        "ratio peer/ours (best) | ours peak MB | exactness | aim | met? |",
        "|---|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    cli = res.get("cli")
    if cli:
        t = cli["times"]
        ours, peer = t["hotspots --help"], t["import typer, rich"]
        lines.append(
            f"| CLI start | `hotspots --help` | `import typer, rich` | {_fmt(ours)} | "
            f"{_fmt(peer)} | {min(peer) / min(ours):.2f} |  |  | < 0.3 s | "
            f"{'yes' if min(ours) < 0.3 else 'no'} |"
        )
    pub = res.get("public")
    if pub:
        t, p = pub["times"], pub["peaks"]
        for m in ("gistar", "kde"):
            first = t[f"{m} public first"]
            ok = min(first) < 0.2 and p[f"{m} public first"] < 200
            core = t[f"{m} core"]
            lines.append(
                f"| public `{m}()`, {pub['cells']:,} cells, {npts} points, first "
                "call (no cells kept, features not read) | public | core | "
                f"{_fmt(first)} | {_fmt(core)} "
                f"| {min(core) / min(first):.2f} | {p[f'{m} public first']:.0f} "
                f"(core {p[f'{m} core']:.0f}) |  | < 0.2 s, < 200 MB | "
                f"{'yes' if ok else 'no'} |"
            )
            ours = t[f"{m} public"]
            ok = min(ours) < 0.2 and p[f"{m} public"] < 200
            exact = (
                f"z vs esda max abs diff {pub['esda_max_abs_diff_z']:.1e}"
                if m == "gistar"
                else "values = core (same call)"
            )
            if f"{m} public features" in t:
                built = t[f"{m} public features"]
                lines.append(
                    f"| then `result.features` on first access (ids and polygons "
                    f"built, no cells kept) | frame |  | {_fmt(built)} |  |  | "
                    f"{p[f'{m} public features']:.0f} |  |  |  |"
                )
            lines.append(
                "| same, repeat call "
                "| public | core "
                f"| {_fmt(ours)} | {_fmt(core)} | {min(core) / min(ours):.2f} | "
                f"{p[f'{m} public']:.0f} (core {p[f'{m} core']:.0f}) | {exact} | "
                f"< 0.2 s, < 200 MB | {'yes' if ok else 'no'} |"
            )
    for key in ("kde_40000", "kde_1000000"):
        kd = res.get(key)
        if not kd:
            continue
        for row in kd["rows"]:
            ours, peer = row["times"]["ours"], row["times"]["KDEpy"]
            ratio = min(peer) / min(ours)
            errors = (
                f"ours {row['ours_rel_err']:.1e}, KDEpy {row['kdepy_rel_err']:.1e} "
                "of peak vs direct sum"
            )
            lines.append(
                f"| exact KDE, {npts} points, {kd['cells']:,} cells, r = "
                f"{row['r_cells']} cells | `kde_surface` | KDEpy FFTKDE | "
                f"{_fmt(ours)} | {_fmt(peer)} | {ratio:.2f} | "
                f"{row['peaks']['ours']:.0f} | {errors} | ratio >= 1 "
                f"| {'yes' if ratio >= 1 else 'no'} |"
            )
    db = res.get("dbscan")
    if db:
        t, p = db["times"], db["peaks"]
        ours = t["dbscan public"]
        ok = min(ours) < 10 and p["dbscan public"] < 1024
        lines.append(
            f"| DBSCAN, {db['locations']:,} distinct points (eps {db['eps']:g} m, "
            f"min_samples {db['min_samples']}, {db['clusters']} clusters) | public "
            f"`dbscan()` | scikit-learn: cannot run (neighbour lists out of memory) | "
            f"{_fmt(ours)} | — | — | {p['dbscan public']:.0f} | see sample row | "
            f"< 10 s, < 1 GB | {'yes' if ok else 'no'} |"
        )
        g = t["grid labels"]
        lines.append(
            f"| the grid labels alone, same points | `grid_dbscan` |  | {_fmt(g)} |  |"
            f"  | {p['grid labels']:.0f} | {db['cost']} |  |  |"
        )
        sk, gs = t["sklearn sample"], t["grid sample"]
        lines.append(
            f"| DBSCAN on a {db['sample']:,}-point sample (min_samples "
            f"{db['min_samples_sample']}, {db['sample_clusters']} clusters) | "
            f"`grid_dbscan` | scikit-learn DBSCAN | {_fmt(gs)} | {_fmt(sk)} | "
            f"{min(sk) / min(gs):.1f} | {p['grid sample']:.0f} (sklearn "
            f"{p['sklearn sample']:.0f}) | labels identical: "
            f"{'yes' if db['sample_labels_equal'] else 'NO'} |  |  |"
        )
        lines.append(
            f"| HDBSCAN, same 1M points | public `hdbscan()` |  |  |  |  |  | "
            f"{db['hdbscan']} | a result, or a documented bound | bound |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every job, print the markdown table (and the raw JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100k points")
    parser.add_argument("--only", nargs="*", default=None, help="jobs to run")
    parser.add_argument("--json", type=Path, default=None, help="save raw results")
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, task = args.child
        print(json.dumps(JOBS[name](json.loads(task))))
        return 0
    n = 100_000 if args.quick else 1_000_000
    plan = {
        "cli": ("cli", {"repeat": args.repeat}),
        "public": ("public", {"points": n, "repeat": args.repeat}),
        "kde_40000": (
            "kde",
            {"points": n, "c": 250.0, "radii": RADII_CELLS, "repeat": args.repeat},
        ),
        "kde_1000000": (
            "kde",
            {"points": n, "c": 50.0, "radii": RADII_CELLS, "repeat": args.repeat},
        ),
        "dbscan": (
            "dbscan",
            {"points": n, "sample": min(DBSCAN_SAMPLE, n // 10), "repeat": args.repeat},
        ),
    }
    started = time.strftime("%Y-%m-%d %H:%M")
    loads = [os.getloadavg()[0]]
    res = {}
    for key, (job, task) in plan.items():
        if args.only and key not in args.only:
            continue
        t0 = time.perf_counter()
        res[key] = run_child(job, task)
        print(f"{key}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    loads.append(os.getloadavg()[0])
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    print(report(res, args, started, loads))
    bad = res.get("dbscan", {}).get("sample_labels_equal") is False
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
