"""Analytics benchmark: our Gi* and KDE against esda, KDEpy and scikit-learn.

Everything runs on the same seeded data in one run: clustered points (Gaussian
hotspots plus a uniform background) in British National Grid metres, in a
50 km x 50 km square with its south-west corner at (455000, 95000), Portsmouth.
Grids of 100 x 100, 320 x 320 and 1000 x 1000 cells (500 m, 156.25 m, 50 m).

Gi* (queen ring, binary weights, the cell itself included), on the counts of
the largest point set per cell:

* ``ours core``   :func:`neighbour_offsets` + :func:`gistar_grid` on the count grid;
* ``ours public`` :func:`hotspots.analysis.gistar` from a GeoDataFrame of points
  (binning, FDR bins and the output GeoDataFrame of cell polygons included);
* ``esda``        ``esda.G_Local(y, w, transform="B", star=True, permutations=0)``
  with the weights built three ways (weights and statistic timed separately):
  ``lat2W`` (libpysal ``W`` of a queen lattice), ``Graph`` (``libpysal.graph``
  from ``lat2SW``, the fastest found) and ``DistanceBand`` (``W`` from the cell
  centres, threshold ``c * sqrt(2)``).

KDE (quartic kernel of radius r, density per km^2 at the cell centres):

* ``ours core``   :func:`kde_surface` on x/y arrays (exact);
* ``ours public`` :func:`hotspots.analysis.kde` from a GeoDataFrame of points;
* ``KDEpy``       ``FFTKDE(kernel="biweight", bw=r / sqrt(7))`` on the cell centres
  (the same kernel and normalisation; binned, so approximate);
* ``sklearn``     ``KernelDensity(kernel="epanechnikov", bandwidth=r)`` (it has no
  quartic kernel: timing only; rtol=0, i.e. exact). Runs longer than the budget
  are timed on every 10th grid row and extrapolated (marked ``~``).

KDE cases: every point count onto every grid with r = 500 m; at 1M points onto
1M cells also r = 250 m, 1000 m and the Silverman default, and the points snapped
to 3,000 and 30,000 places (repeated locations, as police.uk data). The
KDEpy/ours ratio comes from one more process that alternates the two, so both
meet the same load on a shared machine.

Values: ours and KDEpy are compared with a direct sum over the points (KD-tree,
exact quartic) at 250 cells (the 25 densest and 225 random ones), and Gi* z with
esda's on every cell. Every run is a fresh subprocess; its peak memory is the
rise of the peak resident set (VmHWM, reset before the run) above the resident
set once the libraries are imported and the inputs built.

Usage::

    .venv/bin/python benchmarks/bench_analytics.py [--quick] [--write]

``--quick`` runs small sizes only (under a minute); ``--write`` replaces the
``## Analytics`` section of ``benchmarks/RESULTS.md``. Exits 1 if Gi* z differs
from esda's by more than 1e-9 anywhere, or our KDE from the direct sum by more
than 1e-9 of the peak density.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
SECTION = "## Analytics"
NOTES = "### Profile notes"

ORIGIN = (455_000.0, 95_000.0)
EXTENT_M = 50_000.0
#: Points stay this far inside the square: KDEpy needs every point strictly
#: inside the hull of its grid points (the outermost cell centres).
MARGIN_M = 300.0
CELL_SIZES = {10_000: 500.0, 102_400: 156.25, 1_000_000: 50.0}
SEED = 20_240_601
HOTSPOTS = 30
HOTSPOT_SHARE = 0.7
#: Distinct locations for the snapped-points cases (police.uk-like repeats).
SNAP_LOCATIONS = [3_000, 30_000]
SAMPLE_RANDOM, SAMPLE_TOP = 225, 25
REPEATS_CORE, REPEATS_PUBLIC, REPEATS_PAIR = 7, 3, 7
GISTAR_TOL = 1e-9
KDE_TOL = 1e-9
BLAS_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def make_points(
    n: int, snap: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Seeded clustered points: Gaussian hotspots plus a uniform background.

    ``HOTSPOT_SHARE`` of the points come from ``HOTSPOTS`` Gaussians (centres
    uniform in the inner 40 km, standard deviations log-uniform 100-1500 m,
    Dirichlet shares; the same at every n), the rest are uniform. All lie at
    least ``MARGIN_M`` inside the square (Gaussian draws outside are redrawn).
    With ``snap > 0`` every point is moved to the nearest of ``snap`` locations
    drawn the same way, as police.uk snaps incidents to map points.
    """
    if snap:
        from scipy.spatial import cKDTree

        x, y = make_points(n)
        sx, sy = make_points(snap)
        nearest = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([x, y]))
        return sx[nearest[1]], sy[nearest[1]]
    layout = np.random.default_rng(SEED)  # the same hotspots at every size
    lo, hi = MARGIN_M, EXTENT_M - MARGIN_M
    centres = layout.uniform(5_000, EXTENT_M - 5_000, size=(HOTSPOTS, 2))
    sds = np.exp(layout.uniform(math.log(100), math.log(1_500), size=HOTSPOTS))
    shares = layout.dirichlet(np.ones(HOTSPOTS))
    rng = np.random.default_rng([SEED, n])
    n_hot = round(n * HOTSPOT_SHARE)
    which = rng.choice(HOTSPOTS, size=n_hot, p=shares)
    xy = centres[which] + rng.standard_normal((n_hot, 2)) * sds[which, None]
    bad = ((xy < lo) | (xy > hi)).any(axis=1)
    while bad.any():
        xy[bad] = (
            centres[which[bad]]
            + rng.standard_normal((bad.sum(), 2)) * sds[which[bad], None]
        )
        bad = ((xy < lo) | (xy > hi)).any(axis=1)
    background = rng.uniform(lo, hi, size=(n - n_hot, 2))
    xy = np.concatenate([xy, background])[rng.permutation(n)]
    return xy[:, 0] + ORIGIN[0], xy[:, 1] + ORIGIN[1]


def side(c: float) -> int:
    """Cells per side of the square grid of cell size ``c``."""
    return round(EXTENT_M / c)


def cell_centres(c: float) -> tuple[NDArray, NDArray]:
    """Cell centre coordinates, ``(side, side)`` arrays, row-major from the south."""
    k = np.arange(side(c)) + 0.5
    return np.meshgrid(ORIGIN[0] + k * c, ORIGIN[1] + k * c)


def count_grid(x: NDArray, y: NDArray, c: float) -> NDArray[np.float64]:
    """Points per cell, ``(side, side)``, binned independently of our code."""
    s = side(c)
    col = np.floor(x / c).astype(np.int64) - round(ORIGIN[0] / c)
    row = np.floor(y / c).astype(np.int64) - round(ORIGIN[1] / c)
    return np.bincount(row * s + col, minlength=s * s).reshape(s, s).astype(float)


def sample_cells(density: NDArray, n_random: int, n_top: int) -> NDArray[np.int64]:
    """Flat indices of the ``n_top`` densest cells and ``n_random`` random ones."""
    rng = np.random.default_rng(SEED)
    top = np.argsort(density, axis=None)[-n_top:]
    rand = rng.choice(density.size, size=n_random, replace=False)
    return np.unique(np.concatenate([top, rand]))


def direct_density(
    x: NDArray, y: NDArray, qx: NDArray, qy: NDArray, r: float, kernel: str
) -> NDArray[np.float64]:
    """Exact density per km^2 at query points by summing over points within r."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([x, y]))
    hits = tree.query_ball_point(np.column_stack([qx, qy]), r)
    out = np.empty(len(hits))
    for i, idx in enumerate(hits):
        q = ((x[idx] - qx[i]) ** 2 + (y[idx] - qy[i]) ** 2) / (r * r)
        q = q[q < 1]
        if kernel == "quartic":
            out[i] = np.sum((1 - q) ** 2) * 3 / (math.pi * r * r)
        else:  # epanechnikov, scikit-learn's normalisation in 2-D
            out[i] = np.sum(1 - q) * 2 / (math.pi * r * r)
    return out * 1e6


# --------------------------------------------------------------------------
# Measuring (inside a child process)
# --------------------------------------------------------------------------


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Meter:
    """Peak resident memory of a stretch of work, from the kernel's VmHWM.

    ``start`` returns freed heap memory to the system (``malloc_trim``: else
    memory freed by the set-up and still resident would be reused unseen), then
    resets the high-water mark to the current resident set; ``stop`` reads the
    rise of the peak above that, in MB.
    """

    base_kb: int = 0
    peaks: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
        self.base_kb = _status_kb("VmRSS")

    def stop(self, name: str) -> None:
        hwm = _status_kb("VmHWM")
        self.peaks[f"{name}_extra_mb"] = (hwm - self.base_kb) / 1024
        self.peaks[f"{name}_process_mb"] = hwm / 1024


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, list[float], list[float]]:
    """Run ``fn`` ``repeats`` times: its last result, wall and CPU times (s).

    CPU time is the whole process's (user + system, every thread): less
    sensitive than wall time to other processes on the machine.
    """
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        out = None  # free the previous result before the next run
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return out, walls, cpus


def _points_frame(x: NDArray, y: NDArray) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:27700")


def _study_area() -> Any:
    import shapely

    return shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + EXTENT_M, ORIGIN[1] + EXTENT_M)


def _exact_grid(c: float) -> Any:
    """Our Grid of exactly ``side x side`` cells over the square (mask all True)."""
    from hotspots.analysis.grid import make_grid

    top = EXTENT_M - 1e-6
    grid = make_grid((ORIGIN[0], ORIGIN[1], ORIGIN[0] + top, ORIGIN[1] + top), c)
    assert grid.nrows == grid.ncols == side(c), (grid.nrows, grid.ncols)
    return grid


def _public_values(features: Any, column: str, c: float) -> NDArray:
    """A per-cell column of a public result as a ``(side, side)`` array.

    With the study area given, the public grid has one extra (masked-out) row and
    column on the north and east edges; the cells in the area come row-major.
    """
    return features[column].to_numpy(dtype=float).reshape(side(c), side(c))


def child_gistar_ours(task: dict, out: Path) -> dict:
    """Our Gi*: core on the count grid, then the public entry point."""
    from hotspots.analysis.gistar import gistar, gistar_grid, neighbour_offsets
    from hotspots.analysis.grid import bin_points

    c = task["c"]
    x, y = make_points(task["points"], task.get("snap", 0))
    pts, area = _points_frame(x, y), _study_area()
    grid = _exact_grid(c)
    counts = bin_points(grid, x, y)[0].astype(float)
    meter = Meter()

    def core() -> NDArray:
        offsets = neighbour_offsets(c, c * math.sqrt(2))
        return gistar_grid(counts, grid.mask, offsets)[0]

    meter.start()
    z, core_t, core_cpu = timed(core, REPEATS_CORE)
    meter.stop("core")
    np.save(out / "core.npy", z)
    del z
    meter.start()
    res, pub_t, pub_cpu = timed(
        lambda: gistar(pts, cell_size_m=c, area=area), REPEATS_PUBLIC
    )
    meter.stop("public")
    np.save(out / "public.npy", _public_values(res.features, "gistar_z", c))
    return {
        "core_s": core_t,
        "core_cpu_s": core_cpu,
        "public_s": pub_t,
        "public_cpu_s": pub_cpu,
        **meter.peaks,
    }


def _esda_weights(variant: str, c: float) -> Any:
    from libpysal import weights
    from libpysal.graph import Graph

    s = side(c)
    if variant == "lat2W":
        return weights.lat2W(s, s, rook=False)
    if variant == "Graph":
        return Graph.from_sparse(weights.util.lat2SW(s, s, criterion="queen"))
    cx, cy = cell_centres(c)
    return weights.DistanceBand(
        np.column_stack([cx.ravel(), cy.ravel()]),
        threshold=c * math.sqrt(2) * (1 + 1e-9),
        binary=True,
        silence_warnings=True,
    )


def child_gistar_esda(task: dict, out: Path) -> dict:
    """esda's G_Local (Gi*, binary) with weights built one of three ways."""
    import warnings

    import esda

    warnings.simplefilter("ignore")
    c = task["c"]
    x, y = make_points(task["points"], task.get("snap", 0))
    counts = count_grid(x, y, c).ravel()
    del x, y
    meter = Meter()
    meter.start()
    t0, c0 = time.perf_counter(), time.process_time()
    w = _esda_weights(task["variant"], c)
    t1 = time.perf_counter()
    g = esda.G_Local(counts, w, transform="B", star=True, permutations=0)
    t2, c2 = time.perf_counter(), time.process_time()
    meter.stop("run")
    np.save(out / "z.npy", np.asarray(g.Zs).reshape(side(c), side(c)))
    return {
        "weights_s": t1 - t0,
        "stat_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": c2 - c0,
        **meter.peaks,
    }


def _bandwidth(task: dict, x: NDArray, y: NDArray) -> float:
    from hotspots.analysis.kde import silverman_bandwidth

    r = task["r"]
    return silverman_bandwidth(x, y) if r == "silverman" else float(r)


def child_kde_ours(task: dict, out: Path) -> dict:
    """Our KDE: core on x/y arrays, then the public entry point."""
    from hotspots.analysis.kde import kde, kde_surface

    c = task["c"]
    x, y = make_points(task["points"], task.get("snap", 0))
    r = _bandwidth(task, x, y)
    pts, area = _points_frame(x, y), _study_area()
    grid = _exact_grid(c)
    meter = Meter()
    meter.start()
    dens, core_t, core_cpu = timed(lambda: kde_surface(x, y, grid, r), REPEATS_CORE)
    meter.stop("core")
    np.save(out / "core.npy", dens)
    del dens
    bw = None if task["r"] == "silverman" else r

    def public() -> Any:
        return kde(pts, bandwidth_m=bw, cell_size_m=c, area=area)

    meter.start()
    res, pub_t, pub_cpu = timed(public, REPEATS_PUBLIC)
    meter.stop("public")
    np.save(out / "public.npy", _public_values(res.features, "density_km2", c))
    return {
        "r": r,
        "public_r": res.parameters["bandwidth_m"],
        "core_s": core_t,
        "core_cpu_s": core_cpu,
        "public_s": pub_t,
        "public_cpu_s": pub_cpu,
        **meter.peaks,
    }


def _kdepy_runner(task: dict) -> tuple[Callable[[], NDArray], int]:
    """KDEpy's FFTKDE, biweight (= quartic) of support r, on our cell centres."""
    from KDEpy import FFTKDE

    x, y = make_points(task["points"], task.get("snap", 0))
    r = _bandwidth(task, x, y)
    cx, cy = cell_centres(task["c"])
    # KDEpy wants the grid sorted lexicographically (x, then y): column-major.
    grid_points = np.column_stack([cx.T.ravel(), cy.T.ravel()])
    data = np.column_stack([x, y])

    def run() -> NDArray:
        return (
            FFTKDE(kernel="biweight", bw=r / math.sqrt(7))
            .fit(data)
            .evaluate(grid_points)
        )

    return run, x.size


def child_kde_kdepy(task: dict, out: Path) -> dict:
    """KDEpy's FFTKDE: times, memory and values."""
    c = task["c"]
    run, n = _kdepy_runner(task)
    meter = Meter()
    meter.start()
    dens, times, cpus = timed(run, REPEATS_CORE)
    meter.stop("core")
    # KDEpy adds machine epsilon to every value and normalises to integrate to 1.
    dens = (dens - np.finfo(float).eps) * n * 1e6
    np.save(out / "core.npy", dens.reshape(side(c), side(c)).T)
    return {"core_s": times, "core_cpu_s": cpus, **meter.peaks}


def child_kde_pair(task: dict, out: Path) -> dict:
    """Ours and KDEpy alternately in one process, so both meet the same load."""
    from hotspots.analysis.kde import kde_surface

    x, y = make_points(task["points"], task.get("snap", 0))
    r = _bandwidth(task, x, y)
    grid = _exact_grid(task["c"])
    kdepy, _ = _kdepy_runner(task)
    ours_s, kdepy_s = [], []
    for _ in range(REPEATS_PAIR):
        ours_s.append(timed(lambda: kde_surface(x, y, grid, r), 1)[1][0])
        kdepy_s.append(timed(kdepy, 1)[1][0])
    return {"ours_s": ours_s, "kdepy_s": kdepy_s}


def child_kde_sklearn(task: dict, out: Path) -> dict:
    """scikit-learn's KernelDensity (Epanechnikov), whole grid or every 10th row."""
    from sklearn.neighbors import KernelDensity

    c, s = task["c"], side(task["c"])
    x, y = make_points(task["points"], task.get("snap", 0))
    r = _bandwidth(task, x, y)
    cx, cy = cell_centres(c)
    cells = np.column_stack([cx.ravel(), cy.ravel()]).reshape(s, s, 2)
    data = np.column_stack([x, y])
    meter = Meter()
    meter.start()
    t0, c0 = time.perf_counter(), time.process_time()
    est = KernelDensity(kernel="epanechnikov", bandwidth=r).fit(data)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    probe_rows = max(1, s // 100)
    step = s // probe_rows
    t0 = time.perf_counter()
    est.score_samples(cells[::step].reshape(-1, 2))
    probe_s = time.perf_counter() - t0
    guess_s = fit_s + probe_s * s / cells[::step].shape[0]
    step = 1 if guess_s <= task["budget_s"] else 10
    t0, c0 = time.perf_counter(), time.process_time()
    est.score_samples(cells[::step].reshape(-1, 2))
    eval_s, eval_cpu = time.perf_counter() - t0, time.process_time() - c0
    meter.stop("core")
    rows = cells[::step].shape[0]
    total = fit_s + eval_s * s / rows
    total_cpu = fit_cpu + eval_cpu * s / rows
    rng = np.random.default_rng(SEED)
    check = rng.choice(s * s, size=SAMPLE_RANDOM, replace=False)
    values = np.exp(est.score_samples(cells.reshape(-1, 2)[check])) * x.size * 1e6
    np.save(out / "check_idx.npy", check)
    np.save(out / "check_val.npy", values)
    return {
        "r": r,
        "core_s": [total],
        "core_cpu_s": [total_cpu],
        "extrapolated": step > 1,
        "rows_timed": rows,
        **meter.peaks,
    }


CHILDREN: dict[str, Callable[[dict, Path], dict]] = {
    "gistar_ours": child_gistar_ours,
    "gistar_esda": child_gistar_esda,
    "kde_ours": child_kde_ours,
    "kde_kdepy": child_kde_kdepy,
    "kde_pair": child_kde_pair,
    "kde_sklearn": child_kde_sklearn,
}


def child_main(spec: str) -> None:
    """Entry point of a child process: run one task, print its JSON result."""
    task = json.loads(spec)
    out = Path(task["out"])
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    result = CHILDREN[task["kind"]](task, out)
    result["load"] = max(load, os.getloadavg()[0])
    print("RESULT " + json.dumps(result))


# --------------------------------------------------------------------------
# Orchestration (parent)
# --------------------------------------------------------------------------


@dataclass
class Run:
    """One child run: its task, result (None on failure) and output folder."""

    task: dict
    result: dict | None
    out: Path
    error: str = ""


def run_child(task: dict, workdir: Path, timeout_s: float) -> Run:
    """Run ``task`` in a fresh interpreter; parse its ``RESULT`` line."""
    name = "_".join(str(v) for k, v in task.items() if k not in ("budget_s",))
    out = workdir / name.replace("/", "-")
    task = {**task, "out": str(out)}
    cmd = [sys.executable, __file__, "--child", json.dumps(task)]
    label = f"{task['kind']:12s} " + " ".join(
        f"{k}={v}" for k, v in task.items() if k not in ("kind", "out", "budget_s")
    )
    print(f"  {label} ...", end="", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        print(f" timeout after {timeout_s:.0f} s", flush=True)
        return Run(task, None, out, f"timeout (> {timeout_s:.0f} s)")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        print(f" FAILED (exit {proc.returncode})", flush=True)
        print(proc.stderr[-3000:], file=sys.stderr)
        return Run(task, None, out, f"failed (exit {proc.returncode})")
    print(f" {time.perf_counter() - t0:.1f} s", flush=True)
    return Run(task, json.loads(lines[-1][len("RESULT ") :]), out)


@dataclass
class Plan:
    """Sizes for a run."""

    gistar_cells: list[int]
    gistar_points: int
    esda_variants: list[str]
    kde_points: list[int]
    kde_cells: list[int]
    kde_r: float
    extra_r: list[float | str]
    snap: list[int]
    timeout_s: float
    sklearn_budget_s: float


def make_plan(quick: bool) -> Plan:
    """Full or quick sizes."""
    if quick:
        return Plan(
            gistar_cells=[102_400],
            gistar_points=100_000,
            esda_variants=["lat2W", "Graph", "DistanceBand"],
            kde_points=[100_000],
            kde_cells=[102_400],
            kde_r=500.0,
            extra_r=[],
            snap=[],
            timeout_s=120.0,
            sklearn_budget_s=10.0,
        )
    return Plan(
        gistar_cells=list(CELL_SIZES),
        gistar_points=1_000_000,
        esda_variants=["lat2W", "Graph", "DistanceBand"],
        kde_points=[10_000, 100_000, 1_000_000],
        kde_cells=list(CELL_SIZES),
        kde_r=500.0,
        extra_r=[250.0, 1_000.0, "silverman"],
        snap=SNAP_LOCATIONS,
        timeout_s=600.0,
        sklearn_budget_s=120.0,
    )


def run_gistar(plan: Plan, workdir: Path) -> list[dict]:
    """Run and compare every Gi* implementation; one row per implementation."""
    rows = []
    for cells in plan.gistar_cells:
        c = CELL_SIZES[cells]
        base = {"c": c, "points": plan.gistar_points}
        ours = run_child({"kind": "gistar_ours", **base}, workdir, plan.timeout_s)
        ref = np.load(ours.out / "core.npy") if ours.result else None
        rows += _gistar_ours_rows(cells, plan.gistar_points, ours, ref)
        core_s = min(ours.result["core_s"]) if ours.result else math.nan
        for variant in plan.esda_variants:
            task = {"kind": "gistar_esda", "variant": variant, **base}
            run = run_child(task, workdir, plan.timeout_s)
            row = {"cells": cells, "points": plan.gistar_points}
            row["impl"] = f"esda G_Local + {variant}"
            if run.result is None:
                rows.append({**row, "error": run.error})
                continue
            res = run.result
            row |= {"time_s": res["total_s"], "weights_s": res["weights_s"]}
            row |= {"cpu_s": res["cpu_s"], "load": res["load"]}
            row |= {"stat_s": res["stat_s"], "ratio": res["cpu_s"] / core_s}
            row |= _mem(res, "run")
            if ref is not None:
                row["max_diff"] = _max_abs_diff(np.load(run.out / "z.npy"), ref)
                row["checked"] = True
            rows.append(row)
    return rows


def _gistar_ours_rows(cells: int, points: int, run: Run, ref: NDArray | None) -> list:
    base = {"cells": cells, "points": points}
    if run.result is None or ref is None:
        return [{**base, "impl": "ours core gistar_grid", "error": run.error}]
    res = run.result
    public = np.load(run.out / "public.npy")
    return [
        {
            **base,
            "impl": "ours core gistar_grid",
            **_times(res, "core"),
            **_mem(res, "core"),
            "nan_cells": int(np.isnan(ref).sum()),
        },
        {
            **base,
            "impl": "ours public gistar()",
            **_times(res, "public"),
            **_mem(res, "public"),
            "max_diff": _max_abs_diff(public, ref),
            "checked": True,
        },
    ]


def _times(res: dict, name: str) -> dict:
    """Best and median wall time, first run, CPU time of the best run, load."""
    walls, cpus = res[f"{name}_s"], res[f"{name}_cpu_s"]
    best = int(np.argmin(walls))
    return {
        "time_s": walls[best],
        "median_s": statistics.median(walls),
        "first_s": walls[0],
        "cpu_s": cpus[best],
        "load": res["load"],
    }


def _mem(res: dict, name: str) -> dict:
    return {
        "extra_mb": res[f"{name}_extra_mb"],
        "process_mb": res[f"{name}_process_mb"],
    }


def _max_abs_diff(a: NDArray, b: NDArray) -> float:
    """Max |a - b|, NaN where only one side is NaN counting as infinite."""
    both = np.isnan(a) & np.isnan(b)
    diff = np.abs(np.where(both, 0.0, a - b))
    return float(np.nanmax(np.where(np.isnan(diff), np.inf, diff)))


def kde_cases(plan: Plan) -> list[tuple[int, int, float | str, int]]:
    """(points, cells, r, snap) cases: the main matrix, then at the largest size
    more bandwidths and the points snapped to each of ``plan.snap`` locations."""
    cases: list[tuple[int, int, float | str, int]] = [
        (n, cells, plan.kde_r, 0) for n in plan.kde_points for cells in plan.kde_cells
    ]
    big = (max(plan.kde_points), max(plan.kde_cells))
    cases += [(*big, r, 0) for r in plan.extra_r]
    cases += [(*big, plan.kde_r, snap) for snap in plan.snap]
    return cases


def run_kde(plan: Plan, workdir: Path) -> list[dict]:
    """Run and compare every KDE implementation; one row per implementation."""
    rows: list[dict] = []
    for n, cells, r, snap in kde_cases(plan):
        c = CELL_SIZES[cells]
        base = {"c": c, "points": n, "r": r} | ({"snap": snap} if snap else {})
        first = len(rows)
        _run_kde_case(rows, plan, workdir, base)
        for row in rows[first:]:
            row["snap"] = snap
    return rows


def _run_kde_case(rows: list[dict], plan: Plan, workdir: Path, base: dict) -> None:
    """Run ours, KDEpy (alone and paired with ours) and sklearn on one case."""
    n, c, r = base["points"], base["c"], base["r"]
    cells = side(c) ** 2
    ours = run_child({"kind": "kde_ours", **base}, workdir, plan.timeout_s)
    if ours.result is None:
        rows.append(_kde_row(n, cells, r, "ours core kde_surface", error=ours.error))
        return
    r_m = ours.result["r"]
    core = np.load(ours.out / "core.npy")
    check = _KdeCheck.build(n, c, r_m, core, base.get("snap", 0))
    core_s = min(ours.result["core_s"])
    rows.extend(_kde_ours_rows(n, cells, r_m, ours, core, check))
    py = run_child({"kind": "kde_kdepy", **base}, workdir, plan.timeout_s)
    pair = run_child({"kind": "kde_pair", **base}, workdir, plan.timeout_s)
    rows.append(_kde_kdepy_row(n, cells, r_m, py, pair, core, check))
    task = {"kind": "kde_sklearn", **base, "budget_s": plan.sklearn_budget_s}
    sk = run_child(task, workdir, plan.timeout_s)
    rows.append(_kde_sklearn_row(n, cells, r_m, sk, core_s, check))


@dataclass
class _KdeCheck:
    """Direct-sum reference values at sample cells for one (points, grid, r)."""

    x: NDArray
    y: NDArray
    c: float
    r: float
    idx: NDArray
    direct: NDArray
    peak: float

    @classmethod
    def build(cls, n: int, c: float, r: float, core: NDArray, snap: int) -> _KdeCheck:
        x, y = make_points(n, snap)
        idx = sample_cells(core, SAMPLE_RANDOM, SAMPLE_TOP)
        cx, cy = cell_centres(c)
        direct = direct_density(x, y, cx.ravel()[idx], cy.ravel()[idx], r, "quartic")
        return cls(x, y, c, r, idx, direct, float(direct.max()))

    def rel_diff(self, values: NDArray) -> float:
        """Max |values - direct| over the sample cells, relative to the peak."""
        return float(np.abs(values.ravel()[self.idx] - self.direct).max() / self.peak)


def _kde_row(n: int, cells: int, r: float | str, impl: str, **more: Any) -> dict:
    return {"points": n, "cells": cells, "r": r, "impl": impl, **more}


def _kde_ours_rows(
    n: int, cells: int, r: float, run: Run, core: NDArray, check: _KdeCheck
) -> list[dict]:
    res = run.result or {}
    public = np.load(run.out / "public.npy")
    peak = float(core.max())
    return [
        _kde_row(
            n,
            cells,
            r,
            "ours core kde_surface",
            **_times(res, "core"),
            **_mem(res, "core"),
            vs_direct=check.rel_diff(core),
            checked=True,
        ),
        _kde_row(
            n,
            cells,
            res["public_r"],
            "ours public kde()",
            **_times(res, "public"),
            **_mem(res, "public"),
            vs_direct=check.rel_diff(public),
            vs_ours=float(np.abs(public - core).max() / peak),
            checked=True,
        ),
    ]


def _kde_kdepy_row(
    n: int,
    cells: int,
    r: float,
    run: Run,
    pair: Run,
    core: NDArray,
    check: _KdeCheck,
) -> dict:
    """KDEpy's row; its ratio to ours comes from the alternating (paired) runs."""
    impl = "KDEpy FFTKDE"
    if run.result is None or pair.result is None:
        return _kde_row(n, cells, r, impl, error=run.error or pair.error)
    res, paired = run.result, pair.result
    dens = np.load(run.out / "core.npy")
    return _kde_row(
        n,
        cells,
        r,
        impl,
        **_times(res, "core"),
        ratio=min(paired["kdepy_s"]) / min(paired["ours_s"]),
        pair_ours_s=min(paired["ours_s"]),
        pair_kdepy_s=min(paired["kdepy_s"]),
        pair_median_ratio=statistics.median(paired["kdepy_s"])
        / statistics.median(paired["ours_s"]),
        **_mem(res, "core"),
        vs_direct=check.rel_diff(dens),
        vs_ours=float(np.abs(dens - core).max() / core.max()),
    )


def _kde_sklearn_row(
    n: int, cells: int, r: float, run: Run, core_s: float, check: _KdeCheck
) -> dict:
    impl = "sklearn KernelDensity (epanechnikov)"
    if run.result is None:
        return _kde_row(n, cells, r, impl, error=run.error)
    res = run.result
    idx = np.load(run.out / "check_idx.npy")
    cx, cy = cell_centres(check.c)
    ref = direct_density(
        check.x, check.y, cx.ravel()[idx], cy.ravel()[idx], r, "epanechnikov"
    )
    got = np.load(run.out / "check_val.npy")
    t = res["core_s"][0]
    return _kde_row(
        n,
        cells,
        r,
        impl,
        time_s=t,
        cpu_s=res["core_cpu_s"][0],
        load=res["load"],
        ratio=res["core_cpu_s"][0] / core_s,
        extrapolated=res["extrapolated"],
        **_mem(res, "core"),
        sanity=float(np.abs(got - ref).max() / max(ref.max(), 1e-300)),
    )


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def machine_facts() -> list[str]:
    """Machine, library versions and BLAS environment, as markdown bullets."""
    import esda
    import KDEpy
    import libpysal
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    blas = ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in BLAS_ENV)
    pools = "; ".join(
        f"{p['internal_api']} {p.get('version') or ''} {p.get('architecture') or ''} "
        f"x{p['num_threads']}".replace("  ", " ")
        for p in threadpool_info()
    )
    return [
        f"- CPU: {cpu}; `nproc` {os.cpu_count()}; RAM {mem_kb / 1024**2:.1f} GiB; "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; numpy {np.__version__}, scipy "
        f"{scipy.__version__}, esda {esda.__version__}, libpysal "
        f"{libpysal.__version__}, KDEpy {KDEpy.__version__}, scikit-learn "
        f"{sklearn.__version__}",
        f"- BLAS/OpenMP env: {blas}",
        f"- Thread pools (threadpoolctl): {pools}",
    ]


def _fmt_s(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{v:.3g}" if v < 10 else f"{v:.1f}"


def _fmt_g(v: float | None) -> str:
    return "" if v is None else f"{v:.1e}"


def _fmt_ratio(v: float | None, approx: bool = False) -> str:
    if v is None:
        return ""
    text = f"{v:,.0f}x" if v >= 10 else f"{v:.2f}x"
    return ("~" + text) if approx else text


def gistar_table(rows: list[dict]) -> list[str]:
    """Markdown table of the Gi* rows."""
    out = [
        "| cells | implementation | best s | median s | first s | CPU s | weights s | "
        "statistic s | esda / ours core | peak extra MB | process peak MB | "
        "max abs diff z vs ours core | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['cells']:,} | {r['impl']} | {r['error']} |||||||||| ")
            continue
        out.append(
            f"| {r['cells']:,} | {r['impl']} | {_fmt_s(r['time_s'])} | "
            f"{_fmt_s(r.get('median_s'))} | "
            f"{_fmt_s(r.get('first_s'))} | {_fmt_s(r['cpu_s'])} | "
            f"{_fmt_s(r.get('weights_s'))} | "
            f"{_fmt_s(r.get('stat_s'))} | {_fmt_ratio(r.get('ratio'))} | "
            f"{r['extra_mb']:,.0f} | {r['process_mb']:,.0f} | "
            f"{_fmt_g(r.get('max_diff'))} | {r['load']:.1f} |"
        )
    return out


def kde_table(rows: list[dict]) -> list[str]:
    """Markdown table of the KDE rows."""
    out = [
        "| points | cells | r m | implementation | best s | median s | first s | "
        "CPU s | other / ours core | peak extra MB | process peak MB | "
        "max abs diff vs direct / peak | vs ours core / peak | load |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        pts = f"{r['points']:,}" + (f" at {r['snap']:,} places" if r["snap"] else "")
        head = f"| {pts} | {r['cells']:,} | {_fmt_r(r['r'])} | {r['impl']} |"
        if "error" in r:
            out.append(f"{head} {r['error']} ||||||||")
            continue
        approx = bool(r.get("extrapolated"))
        time_text = ("~" if approx else "") + _fmt_s(r["time_s"])
        diff = _fmt_g(r.get("vs_direct"))
        if "sanity" in r:
            diff = f"(own kernel: {_fmt_g(r['sanity'])})"
        out.append(
            f"{head} {time_text} | {_fmt_s(r.get('median_s'))} | "
            f"{_fmt_s(r.get('first_s'))} | "
            f"{('~' if approx else '') + _fmt_s(r['cpu_s'])} | "
            f"{_fmt_ratio(r.get('ratio'), approx)} | {r['extra_mb']:,.0f} | "
            f"{r['process_mb']:,.0f} | {diff} | {_fmt_g(r.get('vs_ours'))} | "
            f"{r['load']:.1f} |"
        )
    return out


def _fmt_r(r: float | str) -> str:
    return r if isinstance(r, str) else f"{r:,.0f}"


def _find(rows: list[dict], **match: Any) -> dict | None:
    for r in rows:
        if all(r.get(k) == v for k, v in match.items()) and "error" not in r:
            return r
    return None


def aims(g_rows: list[dict], k_rows: list[dict]) -> list[str]:
    """The issue's aims at the largest size, each as met / not met with its ratio."""
    out = []
    cells = max((r["cells"] for r in g_rows), default=0)
    ours = _find(g_rows, cells=cells, impl="ours core gistar_grid")
    esdas = [
        r
        for r in g_rows
        if r["cells"] == cells and r["impl"].startswith("esda") and "error" not in r
    ]
    if ours and esdas:
        esdas.sort(key=lambda r: r["ratio"])
        ok = esdas[0]["ratio"] >= 300 and ours["extra_mb"] < 500
        each = ", ".join(
            f"{r['ratio']:,.0f}x {r['impl'].removeprefix('esda G_Local + ')} "
            f"({_fmt_s(r['cpu_s'])} s)"
            for r in esdas
        )
        out.append(
            f"- Gi* on {cells:,} cells, >= 300x faster than esda and < 500 MB: "
            f"**{'met' if ok else 'NOT met'}** (against every esda weights "
            f"construction) for the core: esda/ours {each}; ours "
            f"{ours['time_s'] * 1e3:.0f} ms best, {ours['median_s'] * 1e3:.0f} ms "
            f"median, {ours['first_s'] * 1e3:.0f} ms first run "
            f"({esdas[0]['cpu_s'] / ours['first_s']:,.0f}x the fastest esda), "
            f"{ours['extra_mb']:,.0f} MB above its inputs."
        )
        pub = _find(g_rows, cells=cells, impl="ours public gistar()")
        if pub:
            out.append(
                f"  The public `gistar()` (points in, GeoDataFrame of {cells:,} cell "
                f"polygons out) takes {_fmt_s(pub['time_s'])} s: "
                f"{esdas[0]['cpu_s'] / pub['time_s']:,.0f}x the fastest esda, "
                f"{pub['extra_mb']:,.0f} MB."
            )
    for r_row in [r for r in k_rows if r["impl"] == "ours core kde_surface"]:
        n, cells, r, snap = r_row["points"], r_row["cells"], r_row["r"], r_row["snap"]
        if (n, cells) != (
            max(x["points"] for x in k_rows),
            max(x["cells"] for x in k_rows),
        ):
            continue
        case = {"points": n, "cells": cells, "r": r, "snap": snap}
        py = _find(k_rows, **case, impl="KDEpy FFTKDE")
        sk = _find(k_rows, **case, impl="sklearn KernelDensity (epanechnikov)")
        if not (py and sk):
            continue
        ok = py["ratio"] >= 1 and sk["ratio"] >= 100 and r_row["vs_direct"] <= KDE_TOL
        out.append(
            f"- KDE {n:,} points"
            f"{f' snapped to {snap:,} places' if snap else ''} onto {cells:,} "
            f"cells, r = {r:,.0f} m "
            f"({r / CELL_SIZES[cells]:.1f} cells): **{'met' if ok else 'NOT met'}**: "
            f"ours {_fmt_s(r_row['time_s'])} s best "
            f"({_fmt_s(r_row['median_s'])} s median), "
            f"KDEpy/ours {py['ratio']:.2f}x when run alternately in one process "
            f"({_fmt_s(py['pair_kdepy_s'])} s / {_fmt_s(py['pair_ours_s'])} s best "
            f"of {REPEATS_PAIR}; medians {py['pair_median_ratio']:.2f}x), "
            f"sklearn/ours {_fmt_ratio(sk['ratio'], sk.get('extrapolated', False))}, "
            f"max diff vs direct sum {r_row['vs_direct']:.1e} of the peak."
        )
    return out


def failures(g_rows: list[dict], k_rows: list[dict]) -> list[str]:
    """Disagreements beyond tolerance (the exit status)."""
    bad = [
        f"Gi* {r['impl']} at {r['cells']:,} cells: max |dz| {r['max_diff']:.2e}"
        for r in g_rows
        if r.get("checked") and not r["max_diff"] <= GISTAR_TOL
    ]
    bad += [
        f"KDE {r['impl']} {r['points']:,} pts {r['cells']:,} cells r={_fmt_r(r['r'])}: "
        f"{r['vs_direct']:.2e} of peak vs direct sum"
        for r in k_rows
        if r.get("checked") and not r["vs_direct"] <= KDE_TOL
    ]
    bad += [
        f"{r['impl']} at {r['cells']:,} cells: {r['error']}"
        for r in g_rows + k_rows
        if "error" in r and "ours" in r["impl"]
    ]
    return bad


def report(
    plan: Plan, g_rows: list[dict], k_rows: list[dict], quick: bool, load: list
) -> str:
    """The markdown section."""
    lines = [SECTION, ""]
    lines.append(
        f"`benchmarks/bench_analytics.py{' --quick' if quick else ''}`, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; load average "
        f"{load[0]:.2f} before, {load[1]:.2f} after."
    )
    lines += ["", *machine_facts(), ""]
    lines += [
        "Data: seeded clustered points (70 % in 30 Gaussian hotspots, sd 100-1500 m; "
        "30 % uniform) in a 50 km square at (455000, 95000) BNG, at least "
        f"{MARGIN_M:.0f} m inside it; 'at N places' rows snap every point to the "
        "nearest of N locations drawn the same way (repeated locations, as "
        "police.uk data). Grids 100², 320², 1000² cells "
        "(500, 156.25, 50 m). Each row is a fresh process; times are wall clock, "
        f"best and median of {REPEATS_CORE} (core, KDEpy) or {REPEATS_PUBLIC} "
        "(public) runs, 'first' the first run in the process; esda and sklearn run "
        "once. 'CPU s' is the process's CPU time (all threads) for the best run; "
        "'load' the 1-min load average when the run started or ended, whichever is "
        "higher (other jobs shared this 2-core machine). Ratios divide the other "
        "tool's time by our best wall time: for KDEpy both come from a separate "
        f"process alternating ours and KDEpy {REPEATS_PAIR} times, so that both "
        "meet the same load; for esda and "
        "sklearn, which run once and on one thread, their CPU time (their wall time "
        "on an idle machine, not inflated when another job takes a core). "
        "'peak extra' is the rise of the peak resident set above the resident set "
        "after imports and input building; 'process peak' the whole process's.",
        "",
        "### Aims",
        "",
        *aims(g_rows, k_rows),
        "",
        f"### Gi* (queen ring, {plan.gistar_points:,} points binned)",
        "",
        *gistar_table(g_rows),
        "",
        "### KDE (quartic kernel of radius r; density per km²)",
        "",
        *kde_table(k_rows),
        "",
        "Notes: 'max abs diff vs direct' is over "
        f"{SAMPLE_TOP} densest + {SAMPLE_RANDOM} random cells, against an exact "
        "KD-tree sum of the quartic kernel, divided by the peak density. KDEpy's "
        "FFTKDE uses the same kernel (biweight, bw = r / sqrt 7) but linear "
        "binning, so it is approximate: its difference shrinks as r/c grows. "
        "scikit-learn has no quartic kernel: it runs Epanechnikov with the same "
        "support r (timing comparison only; its values are checked against a "
        "direct Epanechnikov sum, shown in brackets). '~' marks sklearn times "
        "extrapolated from every 10th grid row (fit + 10 x evaluation time). "
        "Ours uses both cores (threads); KDEpy, sklearn and esda one.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS_MD) -> None:
    """Replace (or append) our section in RESULTS.md, re-reading it first.

    Other sections are left as they are; a hand-written ``### Profile notes``
    subsection at the end of ours is kept.
    """
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    lines = current.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == SECTION), None)
    if start is None:
        new = current.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
            len(lines),
        )
        notes = next(
            (i for i in range(start, end) if lines[i].strip() == NOTES),
            end,
        )
        kept = "".join(lines[notes:end]).rstrip("\n")
        tail = "".join(lines[end:])
        text += ("\n" + kept + "\n") if kept else ""
        new = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new)
    tmp.replace(path)


def main() -> int:
    """Run the benchmark; print the markdown; exit 1 on disagreement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--write", action="store_true", help="update RESULTS.md")
    parser.add_argument("--part", choices=("all", "gistar", "kde"), default="all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return 0
    if args.write and args.part != "all":
        parser.error("--write replaces the whole section: use it with --part all")
    plan = make_plan(args.quick)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_analytics_") as tmp:
        workdir = Path(tmp)
        print("Gi*:")
        g_rows = run_gistar(plan, workdir) if args.part in ("all", "gistar") else []
        print("KDE:")
        k_rows = run_kde(plan, workdir) if args.part in ("all", "kde") else []
    text = report(plan, g_rows, k_rows, args.quick, [load0, os.getloadavg()[0]])
    print()
    print(text)
    if args.write:
        write_section(text)
        print(f"wrote {RESULTS_MD}")
    bad = failures(g_rows, k_rows)
    for line in bad:
        print("DISAGREEMENT:", line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
