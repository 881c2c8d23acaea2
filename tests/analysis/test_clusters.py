"""Tests of DBSCAN / HDBSCAN hotspots against scikit-learn run on all incidents."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.neighbors import NearestNeighbors

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal

from hotspots.analysis import cluster_labels, clusters, cost
from hotspots.analysis.cluster_labels import (
    Locations,
    dbscan_labels,
    hdbscan_labels,
    hdbscan_location_labels,
)
from hotspots.analysis.clusters import (
    EPS_MAX_M,
    EPS_MIN_M,
    EPS_NEIGHBOURS,
    dbscan,
    default_eps_m,
    hdbscan,
)
from hotspots.analysis.weighted_hdbscan import (
    core_distances,
    minimum_spanning_tree,
    weighted_hdbscan,
)
from hotspots.errors import (
    CRSError,
    EmptyInputError,
    InvalidParameterError,
    UnknownMethodError,
)

SPOT = np.array([463_200.0, 100_800.0])


def _gdf(xy: np.ndarray, crs: object = "EPSG:27700", **columns) -> gpd.GeoDataFrame:
    geometry = gpd.points_from_xy(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=crs)


def _planted(seed: int = 0, background: int = 2000) -> np.ndarray:
    """5 km square round (464000, 100000); 200 incidents within 50 m of SPOT."""
    rng = np.random.default_rng(seed)
    bg = rng.uniform([461_500, 97_500], [466_500, 102_500], (background, 2))
    angle = rng.uniform(0, 2 * np.pi, 200)
    radius = 50 * np.sqrt(rng.uniform(0, 1, 200))
    spot = SPOT + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return np.vstack([bg, spot])


def _snapped_incidents(seed: int, n: int, locations: int) -> np.ndarray:
    """``n`` incidents on ``locations`` snap points (clumpy, skewed counts)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([455_000, 95_000], [470_000, 110_000], (40, 2))
    which = rng.integers(0, len(centres), locations)
    snap = np.round(centres[which] + rng.normal(0, 400, (locations, 2)))
    popularity = rng.pareto(1.2, locations) + 1
    pick = rng.choice(locations, size=n, p=popularity / popularity.sum())
    return snap[pick]


def _check_against_sklearn(xy: np.ndarray, ours: np.ndarray, eps: float, ms: int):
    """Same DBSCAN partition: core points and noise exactly, borders if unambiguous."""
    model = DBSCAN(eps=eps, min_samples=ms).fit(xy)
    theirs = model.labels_
    core = np.zeros(len(xy), dtype=bool)
    core[model.core_sample_indices_] = True
    np.testing.assert_array_equal(ours == -1, theirs == -1)
    pairs = set(zip(ours[core].tolist(), theirs[core].tolist(), strict=True))
    assert (
        len(pairs) == len(set(ours[core].tolist())) == len(set(theirs[core].tolist()))
    )
    mapping = dict(pairs)
    tree = cKDTree(xy[core])
    core_ours = ours[core]
    for i in np.flatnonzero(~core & (theirs >= 0)):
        reach = {int(core_ours[j]) for j in tree.query_ball_point(xy[i], eps)}
        assert ours[i] in reach  # a border point joins a cluster it touches
        if len(reach) == 1:
            assert mapping[int(ours[i])] == theirs[i]


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.array_equal(a == -1, b == -1):
        return False
    kept = a >= 0
    pairs = set(zip(a[kept].tolist(), b[kept].tolist(), strict=True))
    return len(pairs) == len(set(a[kept].tolist())) == len(set(b[kept].tolist()))


# --- DBSCAN: equality with scikit-learn on all incidents -------------------------


@pytest.mark.parametrize(("eps", "ms"), [(60.0, 4), (120.0, 10), (250.0, 30)])
def test_dbscan_equals_sklearn_without_duplicates(eps: float, ms: int) -> None:
    xy = _planted(seed=3, background=1500)
    _check_against_sklearn(xy, dbscan_labels(xy, eps_m=eps, min_samples=ms), eps, ms)


@pytest.mark.parametrize(("eps", "ms"), [(100.0, 5), (150.0, 25), (300.0, 80)])
def test_dbscan_weighted_locations_equal_sklearn_on_all_incidents(
    eps: float, ms: int
) -> None:
    xy = _snapped_incidents(seed=1, n=6000, locations=800)
    assert len(Locations.from_xy(xy)) < 800
    _check_against_sklearn(xy, dbscan_labels(xy, eps_m=eps, min_samples=ms), eps, ms)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(1, 4)),
        min_size=1,
        max_size=60,
    ),
    st.integers(1, 4),
    st.integers(1, 12),
)
def test_dbscan_property_integer_grid(cells, eps, ms) -> None:
    """Integer coordinates: many duplicates and many pairs exactly ``eps`` apart."""
    xy = np.repeat(
        np.array([c[:2] for c in cells], dtype=float), [c[2] for c in cells], axis=0
    )
    ours = dbscan_labels(xy, eps_m=float(eps), min_samples=ms)
    _check_against_sklearn(xy, ours, float(eps), ms)


def test_dbscan_integer_weights_equal_repeated_incidents() -> None:
    rng = np.random.default_rng(5)
    xy = np.round(rng.uniform(0, 2000, (400, 2)), -1)
    w = rng.integers(1, 5, len(xy))
    ours = np.repeat(dbscan_labels(xy, eps_m=150, min_samples=12, weights=w), w)
    _check_against_sklearn(np.repeat(xy, w, axis=0), ours, 150, 12)


# --- HDBSCAN: the weighted algorithm against scikit-learn ------------------------


def _duplicated(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    locs = np.concatenate(
        [rng.uniform(0, 1000, (150, 2)), rng.normal(400, 30, (40, 2))]
    )
    w = rng.integers(1, 6, len(locs))
    return locs, w, np.repeat(locs, w, axis=0)


@pytest.mark.parametrize("seed", range(5))
def test_hdbscan_equals_sklearn_without_ties(seed: int) -> None:
    """min_samples=1 makes mutual reachability Euclidean: no ties, exact equality."""
    rng = np.random.default_rng(seed)
    xy = np.concatenate([rng.uniform(0, 1000, (300, 2)), rng.normal(300, 20, (60, 2))])
    theirs = HDBSCAN(min_cluster_size=8, min_samples=1, copy=True).fit(xy).labels_
    ours = hdbscan_labels(xy, min_cluster_size=8, min_samples=1)
    assert _same_partition(ours, theirs)


@pytest.mark.parametrize("seed", range(3))
def test_hdbscan_weighted_core_distances_and_mst_match_all_incidents(
    seed: int,
) -> None:
    locs, w, xy = _duplicated(seed)
    ms = 7
    core = core_distances(locs, w.astype(float), ms)
    nn = NearestNeighbors(n_neighbors=ms).fit(xy)
    expected = nn.kneighbors(xy, ms)[0][:, -1]
    np.testing.assert_allclose(np.repeat(core, w), expected, rtol=0, atol=1e-9)
    # An MST of the incidents = the locations' MST + each location's
    # duplicates joined at its core distance: same total as scikit-learn's.
    _, _, dist = minimum_spanning_tree(locs, core)
    ours = dist.sum() + ((w - 1) * core).sum()
    model = HDBSCAN(min_cluster_size=10, min_samples=ms, copy=True).fit(xy)
    theirs = model._single_linkage_tree_["value"].sum()
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_hdbscan_weighted_condensing_equals_sklearn_on_expanded_tree(
    seed: int,
) -> None:
    """Same hierarchy of incidents => same labels as scikit-learn's own code."""
    linkage = pytest.importorskip("sklearn.cluster._hdbscan._linkage")
    tree = pytest.importorskip("sklearn.cluster._hdbscan._tree")
    locs, w, _ = _duplicated(seed)
    mcs, ms = 5 + 3 * seed, 2 + seed
    core = core_distances(locs, w.astype(float), ms)
    src, dst, dist = minimum_spanning_tree(locs, core)
    first = np.concatenate([[0], np.cumsum(w)[:-1]])
    dup_src = np.repeat(first, w - 1)
    dup_dst = np.concatenate([first[i] + np.arange(1, w[i]) for i in range(len(w))])
    s = np.concatenate([dup_src, first[src]])
    t = np.concatenate([dup_dst, first[dst]])
    d = np.concatenate([np.repeat(core, w - 1), dist])
    duplicate_first = np.concatenate([np.zeros(len(dup_src)), np.ones(len(src))])
    order = np.lexsort((duplicate_first, d))
    mst = np.empty(len(s), dtype=linkage.MST_edge_dtype)
    mst["current_node"], mst["next_node"], mst["distance"] = (
        s[order],
        t[order],
        d[order],
    )
    theirs, _ = tree.tree_to_labels(linkage.make_single_linkage(mst), mcs)
    ours = weighted_hdbscan(locs, w.astype(float), min_cluster_size=mcs, min_samples=ms)
    assert _same_partition(np.repeat(ours, w), theirs)


def test_hdbscan_is_independent_of_row_order() -> None:
    """scikit-learn's HDBSCAN is not (ties); ours sorts locations first."""
    xy = _duplicated(11)[2]
    perm = np.random.default_rng(0).permutation(len(xy))
    a = hdbscan_labels(xy, min_cluster_size=12, min_samples=6)
    b = np.empty_like(a)
    b[perm] = hdbscan_labels(xy[perm], min_cluster_size=12, min_samples=6)
    np.testing.assert_array_equal(a, b)


def test_hdbscan_snaps_above_location_limit() -> None:
    xy = _snapped_incidents(seed=2, n=5000, locations=3000)
    loc = Locations.from_xy(xy)
    labels, snap_m = hdbscan_location_labels(
        loc, min_cluster_size=50, min_samples=20, resolution_m=100, max_locations=1500
    )
    assert snap_m in cluster_labels.SNAP_CELLS_M
    assert len(np.unique(np.floor(loc.xy / snap_m), axis=0)) <= 1500
    assert labels.shape == (len(loc),) and (labels >= 0).any()
    with pytest.raises(InvalidParameterError, match="HDBSCAN limit"):
        hdbscan_location_labels(
            loc, min_cluster_size=50, min_samples=20, resolution_m=100, max_locations=5
        )


# --- The hotspot results ---------------------------------------------------------


@pytest.mark.parametrize("method", [dbscan, hdbscan])
def test_planted_cluster_is_rank_one(method) -> None:
    result = method(_gdf(_planted()))
    top = result.features.iloc[0]
    assert (top["rank"], top["cluster_id"]) == (1, f"{result.method}_1")
    assert top.geometry.contains(shapely.Point(SPOT))
    assert 200 <= top["n"] <= 260
    assert top["density_km2"] == pytest.approx(top["n"] / top["area_km2"])


@pytest.mark.parametrize("method", [dbscan, hdbscan])
def test_features_and_summary_are_consistent(method) -> None:
    result = method(_gdf(_planted(seed=4)))
    f, s = result.features, result.summary
    assert list(f.columns) == [
        "cluster_id",
        "n",
        "area_km2",
        "density_km2",
        "rank",
        "geometry",
    ]
    assert f.crs.to_epsg() == 27700
    assert list(f["rank"]) == list(range(1, len(f) + 1))
    assert list(f["cluster_id"]) == [f"{method.__name__}_{r}" for r in f["rank"]]
    assert f["n"].is_monotonic_decreasing
    assert all(g.geom_type == "Polygon" and g.is_valid for g in f.geometry)
    assert s["incidents"] == 2200 and s["distinct_locations"] == 2200
    assert s["incidents_covered"] == f["n"].sum()
    assert s["noise"] == s["incidents"] - s["incidents_covered"]
    assert s["hotspot_share"] == pytest.approx(s["incidents_covered"] / 2200)
    assert s["n_clusters"] == len(f)
    assert s["area_km2"] == pytest.approx(f["area_km2"].sum(), rel=1e-6)
    assert result.parameters["rank_by"] == "n"


@pytest.mark.parametrize("hull", ["concave", "convex"])
def test_polygons_cover_their_incidents(hull: str) -> None:
    xy = _snapped_incidents(seed=7, n=3000, locations=500)
    result = dbscan(_gdf(xy), eps_m=200, min_samples=40, hull=hull)
    labels = dbscan_labels(xy, eps_m=200, min_samples=40)
    assert len(result.features) == labels.max() + 1
    for label, row in enumerate(result.features.itertuples()):
        members = shapely.points(xy[labels == label])
        assert shapely.contains(row.geometry, members).all()
        assert row.n == (labels == label).sum()


def test_one_or_two_locations_still_make_polygons() -> None:
    one = np.repeat([[464_000.0, 100_000.0]], 30, axis=0)
    two = np.repeat([[465_000.0, 100_000.0], [465_080.0, 100_000.0]], 10, axis=0)
    result = dbscan(_gdf(np.vstack([one, two])), eps_m=100, min_samples=15)
    f = result.features
    assert list(f["n"]) == [30, 20]
    assert all(g.geom_type == "Polygon" for g in f.geometry)
    assert f["area_km2"].iloc[0] == pytest.approx(np.pi * 50**2 / 1e6, rel=0.02)
    assert f["area_km2"].iloc[1] > f["area_km2"].iloc[0]


def test_same_clusters_for_any_row_order() -> None:
    xy = _snapped_incidents(seed=8, n=4000, locations=600)
    perm = np.random.default_rng(1).permutation(len(xy))
    for method in (dbscan, hdbscan):
        a, b = method(_gdf(xy)), method(_gdf(xy[perm]))
        assert_geodataframe_equal(a.features, b.features)
        assert dict(a.parameters) == dict(b.parameters)


def test_inputs_are_not_modified() -> None:
    points = _gdf(_planted(), harm=np.arange(2200.0))
    area = gpd.GeoDataFrame(
        geometry=[shapely.box(461_000, 97_000, 467_000, 103_000)], crs=27700
    )
    before, area_before = copy.deepcopy(points), copy.deepcopy(area)
    dbscan(points, weight="harm", area=area)
    hdbscan(points, weight="harm", area=area)
    assert_geodataframe_equal(points, before)
    assert_geodataframe_equal(area, area_before)


def test_automatic_parameters_are_reported() -> None:
    result = dbscan(_gdf(_planted()))
    assert result.auto == {"eps_m", "min_samples", "buffer_m"}
    assert EPS_MIN_M <= result.parameters["eps_m"] <= EPS_MAX_M
    assert result.parameters["buffer_m"] == result.parameters["eps_m"] / 2
    given_ = dbscan(_gdf(_planted()), eps_m=150, min_samples=20, buffer_m=30)
    assert given_.auto == frozenset()
    assert (given_.parameters["eps_m"], given_.parameters["min_samples"]) == (150, 20)
    h = hdbscan(_gdf(_planted()))
    assert h.auto == {"min_cluster_size", "min_samples"}
    assert h.parameters["min_cluster_size"] == 11  # ceil(2200 / 200)
    assert h.parameters["snap_m"] is None


def test_eps_never_below_snap_spacing_nor_above_cap() -> None:
    dense = np.stack(np.meshgrid(np.arange(0, 300, 10.0), np.arange(0, 300, 10.0)))
    dense = dense.reshape(2, -1).T + np.array([464_000, 100_000])
    assert dbscan(_gdf(dense)).parameters["eps_m"] == EPS_MIN_M
    sparse = np.stack(
        np.meshgrid(np.arange(0, 20_000, 2000.0), np.arange(0, 20_000, 2000.0))
    )
    sparse = sparse.reshape(2, -1).T + np.array([450_000, 90_000])
    assert dbscan(_gdf(sparse)).parameters["eps_m"] == EPS_MAX_M


def test_weight_column_ranks_by_weight() -> None:
    one = np.repeat([[464_000.0, 100_000.0]], 30, axis=0)
    two = np.repeat([[466_000.0, 100_000.0]], 20, axis=0)
    harm = np.concatenate([np.ones(30), np.full(20, 10.0)])
    points = _gdf(np.vstack([one, two]), harm=harm)
    result = dbscan(points, eps_m=100, min_samples=15, weight="harm")
    f = result.features
    assert list(f["n"]) == [20, 30] and list(f["weight"]) == [200.0, 30.0]
    assert result.parameters["rank_by"] == "weight"
    assert result.parameters["weight"] == "harm"
    assert result.summary["weight_share"] == pytest.approx(1.0)


def test_study_area_drops_outside_points_and_clips_polygons() -> None:
    xy = _planted()
    area = shapely.box(461_500, 97_500, 463_220, 102_500)  # cuts through the spot
    result = dbscan(_gdf(xy), eps_m=120, min_samples=12, area=area)
    outside = int((xy[:, 0] > 463_220).sum())
    assert result.summary["dropped_outside_area"] == outside
    assert result.summary["incidents"] == len(xy)
    assert result.parameters["study_area"] is True
    assert all(area.buffer(1e-6).contains(g) for g in result.features.geometry)


def test_no_clusters_gives_empty_features() -> None:
    xy = np.array([[464_000.0, 100_000.0], [470_000.0, 105_000.0]])
    result = dbscan(_gdf(xy), eps_m=100, min_samples=5)
    assert len(result.features) == 0 and "cluster_id" in result.features.columns
    assert result.summary["hotspot_share"] == 0 and result.summary["area_km2"] == 0


# --- Scale: the distinct-location path on 200,000 incidents ----------------------


def test_200k_incidents_on_5k_locations() -> None:
    xy = _snapped_incidents(seed=9, n=200_000, locations=5_000)
    loc = Locations.from_xy(xy)
    eps, ms = 150.0, 400
    labels = cluster_labels.rank_labels(
        cluster_labels.dbscan_location_labels(loc, eps_m=eps, min_samples=ms), loc
    )
    # Check DBSCAN's definition directly on the locations' weighted neighbourhoods.
    tree = cKDTree(loc.xy)
    near = tree.query_ball_point(loc.xy, eps)
    core = np.array([loc.weight[n].sum() >= ms for n in near])
    assert core.any()
    assert (labels[core] >= 0).all()
    touches_core = np.array([core[n].any() for n in near])
    np.testing.assert_array_equal(labels >= 0, touches_core)
    pairs = np.array(
        [(i, j) for i in np.flatnonzero(core) for j in near[i] if core[j]]
    ).T
    graph = coo_matrix((np.ones(pairs.shape[1]), pairs), shape=(len(loc), len(loc)))
    _, component = connected_components(graph, directed=False)
    assert _same_partition(labels[core], component[core])
    result = dbscan(_gdf(xy), eps_m=eps, min_samples=ms)
    assert result.summary["distinct_locations"] == len(loc)
    assert result.summary["incidents_covered"] == loc.count[labels >= 0].sum()
    assert list(result.features["n"]) == list(
        np.bincount(labels[labels >= 0], weights=loc.count[labels >= 0]).astype(int)
    )
    h = hdbscan(_gdf(xy))
    assert h.summary["incidents_covered"] == h.features["n"].sum() > 0


# --- Errors ----------------------------------------------------------------------


@pytest.mark.parametrize("method", [dbscan, hdbscan])
def test_errors(method) -> None:
    xy = _planted()
    with pytest.raises(EmptyInputError):
        method(_gdf(np.empty((0, 2))))
    with pytest.raises(CRSError, match="EPSG:27700"):
        method(_gdf(xy, crs=None))
    with pytest.raises(CRSError, match=r"EPSG:4326.*EPSG:27700"):
        method(_gdf(np.array([[-1.09, 50.8]]), crs="EPSG:4326"))
    with pytest.raises(UnknownMethodError, match="hull"):
        method(_gdf(xy), hull="star")
    with pytest.raises(InvalidParameterError):
        method(_gdf(xy), min_samples=0)
    with pytest.raises(InvalidParameterError):
        method(_gdf(xy), min_samples=2.5)
    with pytest.raises(InvalidParameterError):
        method(_gdf(xy), buffer_m=0)
    with pytest.raises(InvalidParameterError):
        method(_gdf(xy), weight="missing")


def test_parameter_errors() -> None:
    xy = _planted()
    with pytest.raises(InvalidParameterError):
        dbscan(_gdf(xy), eps_m=-5)
    with pytest.raises(InvalidParameterError):
        hdbscan(_gdf(xy), min_cluster_size=1)
    with pytest.raises(InvalidParameterError, match="total weight"):
        hdbscan(_gdf(xy[:5]), min_cluster_size=2, min_samples=6)
    with pytest.raises(InvalidParameterError):
        hdbscan(_gdf(xy), resolution_m=-1)


def test_dbscan_refuses_work_over_the_budget(monkeypatch) -> None:
    def tight(locations: int, checks: int) -> cost.Cost:
        return dataclasses.replace(cost.dbscan_grid_cost(locations, checks), budget=1e3)

    monkeypatch.setattr(clusters, "dbscan_grid_cost", tight)
    with pytest.raises(InvalidParameterError, match="point checks"):
        dbscan(_gdf(_planted()), eps_m=400)


def test_dbscan_no_longer_refused_for_many_neighbour_pairs() -> None:
    """Above the old 50M-pair limit the grid method runs (and reports its cost)."""
    rng = np.random.default_rng(2)
    xy = 464_000 + rng.uniform(0, 3000, (30_000, 2))
    tree = cKDTree(xy)
    assert tree.count_neighbors(tree, 500) > 50_000_000  # the old limit
    result = dbscan(_gdf(xy), eps_m=500, min_samples=100)
    assert "point checks" in result.parameters["cost_formula"]
    assert result.parameters["cost_steps"] <= result.parameters["cost_budget"]


def test_hulls_in_two_threads_equal_hulls_in_one(monkeypatch) -> None:
    xy = _planted(seed=4, background=3000)
    one = dbscan(_gdf(xy), eps_m=120, min_samples=5)
    monkeypatch.setattr(clusters, "HULL_THREADS_MIN_POINTS", 0)
    two = dbscan(_gdf(xy), eps_m=120, min_samples=5)
    assert len(one.features) > 2
    assert (
        shapely.to_wkb(one.features.geometry.values).tolist()
        == shapely.to_wkb(two.features.geometry.values).tolist()
    )


def test_default_eps_shortcut_equals_the_median_rule() -> None:
    rng = np.random.default_rng(8)
    for spread in (300.0, 3000.0, 30_000.0):
        xy = Locations.from_xy(rng.uniform(0, spread, (4000, 2))).xy
        k = cKDTree(xy).query(xy, k=EPS_NEIGHBOURS + 1)[0][:, -1]
        expected = min(max(np.ceil(np.median(k)), EPS_MIN_M), EPS_MAX_M)
        assert default_eps_m(xy) == expected


def test_hdbscan_refuses_spread_locations_before_trying_grids(monkeypatch) -> None:
    xy = np.random.default_rng(6).uniform(0, 20_000, (3000, 2)) + 450_000
    loc = Locations.from_xy(xy)
    with pytest.raises(InvalidParameterError) as slow:
        hdbscan_location_labels(
            loc, min_cluster_size=10, min_samples=10, resolution_m=0, max_locations=500
        )
    monkeypatch.setattr(clusters, "MAX_HDBSCAN_LOCATIONS", 500)
    with pytest.raises(InvalidParameterError) as fast:
        hdbscan(_gdf(xy))
    assert str(fast.value) == str(slow.value)
    assert "above the HDBSCAN limit of 500" in str(fast.value)
