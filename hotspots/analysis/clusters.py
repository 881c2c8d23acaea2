"""Density-cluster hotspots: DBSCAN and HDBSCAN* on incident points.

Each cluster of incidents becomes one polygon (a hull of its locations, buffered)
with its incident count ``n``, ``area_km2``, ``density_km2`` and ``rank``;
incidents outside clusters are noise and appear only in the summary.

How it scales
-------------
Police.uk incidents sit on far fewer distinct snap points than there are
incidents, so both methods cluster the *distinct locations* weighted by their
incident counts (see :mod:`hotspots.analysis.cluster_labels`):

* ``dbscan`` gives exactly scikit-learn's DBSCAN labels on the distinct
  locations weighted by their incidents (border points included, assigned as
  scikit-learn assigns them), by the grid method of
  :mod:`hotspots.analysis.dbscan_grid`: O(locations) memory, no neighbour
  lists (1M distinct locations in ~5 s, where scikit-learn runs out of memory).
  Its work is counted from the cell counts before any is done and refused over
  the budget. Every limit lives in :mod:`hotspots.analysis.cost`.
* ``hdbscan`` runs a weighted HDBSCAN* (:mod:`hotspots.analysis.weighted_hdbscan`)
  that equals HDBSCAN* on all incidents up to the order of merges at tied
  distances, where scikit-learn itself depends on row order.  It is O(m²) in
  time and O(m) in memory for ``m`` distinct locations (measured: 2 s for a
  million incidents on 22,000 locations, 7-11 s on 50,000 locations, against
  43 s and 1.7 GB for scikit-learn on 100,000 incidents).  Above 50,000
  locations they are merged onto the finest of a 10/20/25/50/100 m grid that
  fits, reported as ``snap_m`` (clusters then group cells; polygons still use
  the original locations); beyond that the run is refused.

Per-incident labels (rank-ordered, ``-1`` = noise) come from
:func:`~hotspots.analysis.cluster_labels.dbscan_labels` and
:func:`~hotspots.analysis.cluster_labels.hdbscan_labels`, which map each
incident to the label of its location.

Defaults (reported in ``parameters``, named in ``auto`` when chosen from data)
------------------------------------------------------------------------------
``eps_m``
    Median distance from each distinct location to its 4th nearest other
    location, rounded up to a metre and clamped to 100-500 m.  A disc of that
    radius typically holds a location and its street neighbours.  Police.uk snap
    points are 60-150 m apart in Portsmouth (median nearest-neighbour 65 m,
    4th-neighbour 134 m), so below 100 m ``eps`` would only measure the snapping;
    above 500 m a "hotspot" would be a district.
``min_samples`` (DBSCAN)
    ``max(10, ceil(3 * pi * W / C))`` for total incidents (or weight) ``W`` on
    ``C`` occupied ``eps`` x ``eps`` grid cells: a core point's disc (pi cells)
    must hold three times the incidents it would if they were spread evenly over
    the places that have any, and at least 10.  Measuring the average over
    occupied cells rather than a bounding area keeps the rule the same for a
    compact city and a county with empty countryside (Portsmouth, 6 months:
    167; all Hampshire: 90, for about 30 % and 40 % of incidents in hotspots).
``min_cluster_size`` (HDBSCAN)
    ``max(10, ceil(W / 200))``: at most about 200 hotspots, none under 10
    incidents.  ``min_samples`` defaults to it, as in scikit-learn.
``resolution_m`` (HDBSCAN)
    100 m: core distances are floored at the snap spacing, so a busy snap point
    (core distance 0) is not infinitely dense; 0 gives plain HDBSCAN*.
``buffer_m``
    ``eps_m / 2`` for DBSCAN, 50 m (half the snap spacing) for HDBSCAN, so that a
    cluster on one or two locations is still a polygon.
``hull``
    ``"concave"``: :func:`shapely.concave_hull` with ratio
    :data:`CONCAVE_RATIO` = 0.3 (0 is most concave, 1 the convex hull), which
    follows L-shaped clusters along streets without spanning empty blocks.

Ranking: ``rank`` 1 is the cluster with the most incidents (the largest summed
weight when ``weight`` is given; ``rank_by`` says which), ties to the one
whose first location is furthest west (then south); ``cluster_id`` is
``"<method>_<rank>"``, so it is the same for the same incidents in any row order.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.analysis.cluster_labels import (
    MAX_HDBSCAN_LOCATIONS,
    SNAP_CELLS_M,
    Locations,
    hdbscan_location_labels,
    rank_labels,
)
from hotspots.analysis.cost import (
    check_cost,
    check_within_extent,
    dbscan_grid_cost,
    hdbscan_cost,
)
from hotspots.analysis.dbscan_grid import CELL_SHARE, GridDBSCAN
from hotspots.analysis.result import HotspotResult
from hotspots.analysis.validate import (
    AreaLike,
    PreparedPoints,
    check_choice,
    check_positive,
    prepare_points,
)
from hotspots.crs import BNG
from hotspots.errors import InvalidParameterError

__all__ = [
    "CONCAVE_RATIO",
    "EPS_MAX_M",
    "EPS_MIN_M",
    "HULLS",
    "SNAP_SPACING_M",
    "dbscan",
    "default_eps_m",
    "default_min_samples",
    "hdbscan",
]

#: Typical police.uk snap-point spacing in towns (metres).
SNAP_SPACING_M = 100.0
EPS_MIN_M = SNAP_SPACING_M
EPS_MAX_M = 500.0
#: Neighbouring locations an automatic ``eps_m`` disc should typically reach.
EPS_NEIGHBOURS = 4
DENSITY_FACTOR = 3.0
MIN_SAMPLES_MIN = 10
MAX_HOTSPOTS = 200
MIN_CLUSTER_SIZE_MIN = 10
CONCAVE_RATIO = 0.3
HULLS = ("concave", "convex")
COLUMNS = ["cluster_id", "n", "area_km2", "density_km2", "rank", "geometry"]
#: Clustered locations from which hulls are split over two threads.
HULL_THREADS_MIN_POINTS = 50_000


def default_eps_m(xy: NDArray[np.float64]) -> float:
    """Automatic DBSCAN radius (metres) for distinct locations ``xy`` (m, 2).

    The median distance to the :data:`EPS_NEIGHBOURS`-th nearest other location,
    rounded up to a whole metre and clamped to [:data:`EPS_MIN_M`,
    :data:`EPS_MAX_M`].
    """
    if len(xy) < 2:
        return EPS_MIN_M
    if _most_have_neighbours_within(xy, EPS_MIN_M * (1 - 1e-9)):
        return EPS_MIN_M  # the median is below the floor: no need to know it
    k = min(EPS_NEIGHBOURS, len(xy) - 1)
    dist = cKDTree(xy).query(xy, k=k + 1, workers=-1)[0][:, -1]
    return float(min(max(math.ceil(np.median(dist)), EPS_MIN_M), EPS_MAX_M))


def _most_have_neighbours_within(xy: NDArray[np.float64], radius_m: float) -> bool:
    """Whether over half the locations have :data:`EPS_NEIGHBOURS` others within
    ``radius_m``, i.e. the median neighbour distance is at most ``radius_m``.

    First from cell counts alone (any two locations in one cell of the DBSCAN
    grid are within the radius: ~0.1 s on 1M), else by the grid's core test
    with unit weights (~1 s); both are sufficient conditions, and the KD-tree
    query (2-5 s on 1M) is only needed when they fail.
    """
    need = len(xy) // 2 + 1
    ij = np.floor((xy - xy.min(axis=0)) / (radius_m * CELL_SHARE)).astype(np.int64)
    _, counts = np.unique(
        ij[:, 0] * (int(ij[:, 1].max()) + 1) + ij[:, 1], return_counts=True
    )
    if int(counts[counts > EPS_NEIGHBOURS].sum()) >= need:
        return True
    core = GridDBSCAN(xy, None, radius_m).core(EPS_NEIGHBOURS + 1)
    return int(core.sum()) >= need


def _require_snappable(loc: Locations) -> None:
    """Refuse at once locations too spread for HDBSCAN even on the coarsest grid.

    The same refusal :func:`hdbscan_location_labels` gives after trying every
    grid (8 s on 1M locations), from one count of occupied cells (~0.3 s).
    """
    coarsest = SNAP_CELLS_M[-1]
    if len(loc) <= MAX_HDBSCAN_LOCATIONS:
        return
    cells = _occupied_cells(loc.xy, coarsest)
    if cells > MAX_HDBSCAN_LOCATIONS:
        raise InvalidParameterError(
            f"{len(loc):,} distinct locations fill {cells:,} cells of "
            f"{coarsest:g} m, above the HDBSCAN limit of {MAX_HDBSCAN_LOCATIONS:,}; "
            "use dbscan or a smaller area"
        )


def _occupied_cells(xy: NDArray[np.float64], size_m: float) -> int:
    """Distinct ``size_m`` grid cells holding a location (multiples of size_m).

    One int64 key per cell: ~20x faster than ``np.unique(..., axis=0)`` on 1M.
    """
    if len(xy) == 0:
        return 0
    ij = np.floor(xy / size_m)
    ij -= ij.min(axis=0)
    span = int(ij[:, 1].max()) + 1
    return int(
        np.unique(ij[:, 0].astype(np.int64) * span + ij[:, 1].astype(np.int64)).size
    )


def default_min_samples(loc: Locations, eps_m: float) -> int:
    """Automatic DBSCAN ``min_samples``: 3x the average over occupied cells.

    ``max(10, ceil(3 * pi * W / C))`` for total weight ``W`` on ``C`` occupied
    ``eps_m`` x ``eps_m`` cells (grid aligned on multiples of ``eps_m``).
    """
    cells = _occupied_cells(loc.xy, eps_m)
    expected = float(loc.weight.sum()) * math.pi / cells
    return max(MIN_SAMPLES_MIN, math.ceil(DENSITY_FACTOR * expected - 1e-9))


def _check_count(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum`` (integral floats such as 10.0 accepted)."""
    whole = isinstance(value, int | np.integer) or (
        isinstance(value, float | np.floating) and float(value).is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise InvalidParameterError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise InvalidParameterError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_resolution(value: Any) -> float:
    if value == 0:
        return 0.0
    return check_positive("resolution_m", value)


def _prepare(
    points: Any, weight: str | None, area: AreaLike | None
) -> tuple[PreparedPoints, Locations]:
    prepared = prepare_points(points, area=area, weight=weight)
    loc = Locations.from_xy(np.column_stack([prepared.x, prepared.y]), prepared.w)
    return prepared, loc


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygon parts of ``geom`` (an intersection may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])


def _hulls(
    multi: NDArray[np.object_], hull: str, sizes: NDArray[np.int64]
) -> NDArray[np.object_]:
    """Hull of each multipoint, in two threads of about equal points (shapely
    releases the GIL; on 1M locations the concave hulls take seconds)."""

    def run(part: NDArray[np.object_]) -> NDArray[np.object_]:
        if hull == "concave":
            return shapely.concave_hull(part, ratio=CONCAVE_RATIO)
        return shapely.convex_hull(part)

    if sizes.sum() < HULL_THREADS_MIN_POINTS or len(multi) < 2:
        return run(multi)
    cut = int(np.searchsorted(np.cumsum(sizes), sizes.sum() / 2)) + 1
    cut = min(max(cut, 1), len(multi) - 1)
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(run, (multi[:cut], multi[cut:])))
    return np.concatenate(parts)


def _cluster_polygons(
    loc: Locations,
    labels: NDArray[np.intp],
    hull: str,
    buffer_m: float,
    area: BaseGeometry | None,
) -> NDArray[np.object_]:
    """Buffered hull of each cluster's locations, clipped to the study area.

    Clipping may split a polygon into a MultiPolygon; a cluster with no area
    inside the study area keeps its unclipped polygon.
    """
    member = np.flatnonzero(labels >= 0)
    if member.size == 0:
        return np.empty(0, dtype=object)
    member = member[np.argsort(labels[member], kind="stable")]
    multi = shapely.multipoints(shapely.points(loc.xy[member]), indices=labels[member])
    hulls = _hulls(multi, hull, np.bincount(labels[member]))
    polygons = shapely.buffer(hulls, buffer_m)
    if area is not None:
        clipped = np.array(
            [_polygonal(g) for g in shapely.intersection(polygons, area)]
        )
        polygons = np.where(shapely.area(clipped) > 0, clipped, polygons)
    return polygons


def _features(
    method: str,
    loc: Locations,
    labels: NDArray[np.intp],
    polygons: NDArray[np.object_],
    weighted: bool,
) -> gpd.GeoDataFrame:
    """One row per cluster, in rank order (labels are already rank-ordered)."""
    k = len(polygons)
    clustered = labels >= 0
    n = np.bincount(labels[clustered], weights=loc.count[clustered], minlength=k)
    area_km2 = shapely.area(polygons) / 1e6 if k else np.zeros(0)
    data: dict[str, Any] = {
        "cluster_id": [f"{method}_{i + 1}" for i in range(k)],
        "n": n.astype(np.int64),
        "area_km2": area_km2,
        "density_km2": n / area_km2 if k else np.zeros(0),
        "rank": np.arange(1, k + 1, dtype=np.int64),
    }
    columns = list(COLUMNS)
    if weighted:
        data["weight"] = np.bincount(
            labels[clustered], weights=loc.weight[clustered], minlength=k
        )
        columns.insert(2, "weight")
    frame = pd.DataFrame(data)
    return gpd.GeoDataFrame(frame, geometry=list(polygons), crs=BNG)[columns]


def _summary(
    prepared: PreparedPoints,
    loc: Locations,
    labels: NDArray[np.intp],
    features: gpd.GeoDataFrame,
) -> dict[str, float]:
    clustered = labels >= 0
    analysed = int(loc.count.sum())
    covered = int(loc.count[clustered].sum())
    summary = prepared.counts_summary()
    summary.update(
        analysed=float(analysed),
        incidents_covered=float(covered),
        hotspot_share=covered / analysed,
        n_clusters=float(len(features)),
        noise=float(analysed - covered),
        distinct_locations=float(len(loc)),
        area_km2=float(shapely.union_all(features.geometry.values).area / 1e6),
    )
    if prepared.w is not None:
        total = float(loc.weight.sum())
        summary.update(
            weight=total,
            weight_covered=float(loc.weight[clustered].sum()),
            weight_share=float(loc.weight[clustered].sum()) / total if total else 0.0,
        )
    return summary


def _result(
    method: str,
    prepared: PreparedPoints,
    loc: Locations,
    raw_labels: NDArray[np.intp],
    parameters: dict[str, Any],
    auto: set[str],
) -> HotspotResult:
    weighted = prepared.w is not None
    labels = rank_labels(raw_labels, loc, by_weight=weighted)
    polygons = _cluster_polygons(
        loc, labels, parameters["hull"], parameters["buffer_m"], prepared.area
    )
    features = _features(method, loc, labels, polygons, weighted)
    parameters.update(
        weight=prepared.weight,
        study_area=prepared.area is not None,
        concave_ratio=CONCAVE_RATIO,
        rank_by="weight" if weighted else "n",
    )
    summary = _summary(prepared, loc, labels, features)
    return HotspotResult(method, features, parameters, frozenset(auto), summary)


def dbscan(
    points: gpd.GeoDataFrame,
    *,
    eps_m: float | None = None,
    min_samples: int | None = None,
    weight: str | None = None,
    hull: str = "concave",
    buffer_m: float | None = None,
    area: AreaLike | None = None,
) -> HotspotResult:
    """DBSCAN hotspots: polygons around dense groups of incidents.

    An incident is a core point when at least ``min_samples`` incidents (itself
    included; weighted by ``weight``) lie within ``eps_m``; a cluster is a set
    of core points chained by steps of at most ``eps_m`` plus the incidents within
    ``eps_m`` of them.  Runs on distinct locations (exactly equivalent); see the
    module docstring for the defaults and limits.

    Parameters
    ----------
    points : GeoDataFrame of Points in EPSG:27700
        Incidents (never modified).  Rows without a location, or outside
        ``area``, are dropped and counted in the summary.
    eps_m : float, optional
        Neighbourhood radius in metres (default: from the location spacing).
    min_samples : int, optional
        Incidents (or weight) a core point needs within ``eps_m`` (default: three
        times the average over occupied cells, at least 10).
    weight : str, optional
        Column of non-negative incident weights (e.g. harm); clusters then rank
        by total weight and features gain a ``weight`` column.
    hull : {"concave", "convex"}
        Shape around each cluster's locations.
    buffer_m : float, optional
        Buffer in metres around the hull (default ``eps_m / 2``).
    area : polygon, GeoSeries or GeoDataFrame in EPSG:27700, optional
        Study area: incidents outside are dropped and counted; polygons are
        clipped to it.

    Returns
    -------
    HotspotResult
        ``method="dbscan"``; features ``cluster_id``, ``n``, ``area_km2``,
        ``density_km2``, ``rank``, ``geometry``.

    Raises
    ------
    EmptyInputError, CRSError, InvalidParameterError, UnknownMethodError
    """
    hull = check_choice("hull", hull, HULLS)
    prepared, loc = _prepare(points, weight, area)
    auto: set[str] = set()
    if eps_m is None:
        eps_m, auto = default_eps_m(loc.xy), auto | {"eps_m"}
    eps_m = check_positive("eps_m", eps_m)
    if min_samples is None:
        min_samples = default_min_samples(loc, eps_m)
        auto.add("min_samples")
    min_samples = _check_count("min_samples", min_samples, 1)
    if buffer_m is None:
        buffer_m = eps_m / 2
        if "eps_m" in auto:
            auto.add("buffer_m")
    buffer_m = check_positive("buffer_m", buffer_m)
    extent = prepared.area.bounds if prepared.area is not None else prepared.bounds
    check_within_extent("eps_m", eps_m, extent, floor_m=EPS_MAX_M)
    check_within_extent("buffer_m", buffer_m, extent, floor_m=EPS_MAX_M)
    grid = GridDBSCAN(loc.xy, loc.weight, eps_m)
    cost = check_cost(
        dbscan_grid_cost(len(loc), grid.checks(min_samples)),
        "use a smaller eps_m, a larger min_samples or a smaller area",
    )
    labels = grid.labels(min_samples)
    parameters = {
        "eps_m": eps_m,
        "min_samples": min_samples,
        "hull": hull,
        "buffer_m": buffer_m,
    } | cost.parameters()
    return _result("dbscan", prepared, loc, labels, parameters, auto)


def hdbscan(
    points: gpd.GeoDataFrame,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    resolution_m: float = SNAP_SPACING_M,
    weight: str | None = None,
    hull: str = "concave",
    buffer_m: float | None = None,
    area: AreaLike | None = None,
) -> HotspotResult:
    """HDBSCAN* hotspots: the most persistent dense groups across all densities.

    Builds the hierarchy of density levels (mutual reachability with core
    distance = distance to the ``min_samples``-th nearest incident, at least
    ``resolution_m``) and keeps the clusters of at least ``min_cluster_size``
    incidents with the greatest excess of mass.  No radius to choose; clusters
    of different densities are found together.  Runs on distinct locations; see
    the module docstring for the defaults, where it differs from scikit-learn on
    all incidents, and the limits.

    Parameters
    ----------
    points : GeoDataFrame of Points in EPSG:27700
        Incidents (never modified); see :func:`dbscan`.
    min_cluster_size : int, optional
        Smallest cluster, in incidents or weight (default ``max(10, ceil(W/200))``).
    min_samples : int, optional
        Incidents (or weight) defining the core distance (default
        ``min_cluster_size``, capped at the total weight).
    resolution_m : float, default 100
        Floor for core distances in metres; 0 gives plain HDBSCAN*.
    weight, hull, area
        As in :func:`dbscan`.
    buffer_m : float, optional
        Buffer in metres around the hull (default 50).

    Returns
    -------
    HotspotResult
        ``method="hdbscan"``; features as for :func:`dbscan`.  ``parameters``
        include ``snap_m`` (grid cell locations were merged on, or None).

    Raises
    ------
    EmptyInputError, CRSError, InvalidParameterError, UnknownMethodError
    """
    hull = check_choice("hull", hull, HULLS)
    resolution_m = _check_resolution(resolution_m)
    prepared, loc = _prepare(points, weight, area)
    total = float(loc.weight.sum())
    auto: set[str] = set()
    if min_cluster_size is None:
        min_cluster_size = max(MIN_CLUSTER_SIZE_MIN, math.ceil(total / MAX_HOTSPOTS))
        auto.add("min_cluster_size")
    min_cluster_size = _check_count("min_cluster_size", min_cluster_size, 2)
    if min_samples is None:
        min_samples = max(1, min(min_cluster_size, math.floor(total)))
        auto.add("min_samples")
    min_samples = _check_count("min_samples", min_samples, 1)
    buffer_m = check_positive(
        "buffer_m", SNAP_SPACING_M / 2 if buffer_m is None else buffer_m
    )
    extent = prepared.area.bounds if prepared.area is not None else prepared.bounds
    check_within_extent("buffer_m", buffer_m, extent, floor_m=EPS_MAX_M)
    check_within_extent("resolution_m", resolution_m, extent, floor_m=EPS_MAX_M)
    _require_snappable(loc)
    labels, snap_m = hdbscan_location_labels(
        loc,
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        resolution_m=resolution_m,
    )
    if snap_m is not None:
        auto.add("snap_m")
    clustered = len(loc) if snap_m is None else len(loc.snapped(snap_m)[0])
    parameters = {
        "min_cluster_size": min_cluster_size,
        "min_samples": min_samples,
        "resolution_m": resolution_m,
        "snap_m": snap_m,
        "cluster_selection": "eom",
        "hull": hull,
        "buffer_m": buffer_m,
    } | hdbscan_cost(clustered).parameters()
    return _result("hdbscan", prepared, loc, labels, parameters, auto)
