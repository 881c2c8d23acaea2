"""Quartic KDE: exact against the direct sum, volume, bandwidth rules, contract."""

from __future__ import annotations

import math

import numpy as np
import pytest

import shapely

from hotspots.analysis.grid import make_grid
from hotspots.analysis.kde import (
    kde,
    kde_direct,
    kde_surface,
    quartic_kernel,
    sfhotspot_bandwidth,
    silverman_bandwidth,
)
from hotspots.errors import InvalidParameterError
from tests.analysis.conftest import SPOT, make_points


def assert_exact(fast, direct):
    np.testing.assert_allclose(fast, direct, rtol=1e-9, atol=1e-12 * direct.max())


@pytest.mark.parametrize("seed", range(12))
def test_surface_equals_direct_sum_on_arbitrary_points(seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(5, 60)
    ratio = [0.3, 0.8, 1.0, 1.7, 3.3, 7.9][seed % 6]
    minx, miny = rng.uniform(-1000, 1000, 2)
    grid = make_grid((minx, miny, minx + rng.uniform(200, 900), miny + 600), c)
    n = int(rng.integers(1, 300))
    x = rng.uniform(minx - 300, minx + 1200, n)  # some points outside the grid
    y = rng.uniform(miny - 300, miny + 900, n)
    w = rng.uniform(0, 4, n) if seed % 2 else None
    r = ratio * c
    assert_exact(kde_surface(x, y, grid, r, w), kde_direct(x, y, grid, r, w))


def test_surface_is_never_negative_and_zero_beyond_the_kernel(rng):
    # FFT round-off is ~1e-16 of the peak with either sign where nothing is near.
    grid = make_grid((0.0, 0.0, 3000.0, 3000.0), 50.0)
    x, y = rng.uniform(0, 600, 400), rng.uniform(0, 600, 400)
    surface = kde_surface(x, y, grid, 200.0)
    direct = kde_direct(x, y, grid, 200.0)
    assert surface.min() == 0.0
    assert np.array_equal(surface == 0, direct == 0)
    assert_exact(surface, direct)


def test_surface_exact_with_points_on_cell_edges_and_centres():
    grid = make_grid((0.0, 0.0, 999.0, 999.0), 100.0)
    x = np.array([0.0, 100.0, 150.0, 999.0, 1000.0, 450.0, 450.0])
    y = np.array([0.0, 200.0, 150.0, 999.0, 1000.0, 450.0, 450.0])
    for r in (100.0, 150.0, 250.0, 100 * math.sqrt(2)):
        assert_exact(kde_surface(x, y, grid, r), kde_direct(x, y, grid, r))


def test_surface_exact_with_many_coincident_points(rng):
    # 20,000 incidents on 300 snap points: exercises the merge of repeats.
    sx, sy = rng.uniform(0, 1500, 300), rng.uniform(0, 1200, 300)
    pick = rng.integers(0, 300, 20_000)
    w = rng.uniform(0.5, 2, 20_000)
    grid = make_grid((0.0, 0.0, 1500.0, 1200.0), 60.0)
    direct = kde_direct(sx, sy, grid, 170.0, np.bincount(pick, w, minlength=300))
    assert_exact(kde_surface(sx[pick], sy[pick], grid, 170.0, w), direct)


def test_kernel_formula():
    r = 200.0
    assert quartic_kernel(np.array([0.0]), r)[0] == pytest.approx(3 / (math.pi * r * r))
    d = 120.0
    expected = 3 / (math.pi * r * r) * (1 - d**2 / r**2) ** 2
    assert quartic_kernel(np.array([d]), r)[0] == pytest.approx(expected)
    assert quartic_kernel(np.array([r, 2 * r]), r).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("weighted", [False, True])
def test_volume_equals_count_when_grid_covers_support(rng, weighted):
    x = 464000 + rng.normal(0, 300, 800)
    y = 100000 + rng.normal(0, 300, 800)
    w = rng.uniform(0, 3, 800) if weighted else None
    x, y = np.clip(x, 463000, 465000), np.clip(y, 99000, 101000)
    area = shapely.box(462000, 98000, 466000, 102000)  # 1 km margin > bandwidth
    pts = make_points(x, y, harm=w if weighted else np.ones(800))
    result = kde(
        pts,
        cell_size_m=50,
        bandwidth_m=500,
        area=area,
        weight="harm" if weighted else None,
    )
    dens = result.features["density_km2"].to_numpy()
    total = w.sum() if weighted else 800
    cell_km2 = 0.05 * 0.05
    assert dens.sum() * cell_km2 == pytest.approx(total, rel=1e-4)
    assert result.summary["volume"] == pytest.approx(total, rel=1e-4)


def test_silverman_by_hand():
    # Four points 5 m from their mean centre: SD = Dm = 5, min(5, 1.2011 * 5) = 5.
    x, y = np.array([3.0, -3.0, 3.0, -3.0]), np.array([4.0, 4.0, -4.0, -4.0])
    assert silverman_bandwidth(x, y) == pytest.approx(0.9 * 5 * 4**-0.2)
    # Distances 1,1,1,1,100,100: SD = sqrt(20004/6), Dm = 1 -> the Dm term wins.
    x = np.array([1.0, -1.0, 0.0, 0.0, 100.0, -100.0])
    y = np.array([0.0, 0.0, 1.0, -1.0, 0.0, 0.0])
    expected = 0.9 * min(math.sqrt(20004 / 6), math.sqrt(1 / math.log(2)) * 1) * 6**-0.2
    assert silverman_bandwidth(x, y) == pytest.approx(expected)


def test_weighted_silverman_equals_duplicated_points(rng):
    x, y = rng.uniform(0, 1000, 41), rng.uniform(0, 1000, 41)
    w = rng.integers(1, 4, 41).astype(float)
    dup_x, dup_y = np.repeat(x, w.astype(int)), np.repeat(y, w.astype(int))
    assert silverman_bandwidth(x, y, w) == pytest.approx(
        silverman_bandwidth(dup_x, dup_y)
    )


def test_sfhotspot_rule_by_hand():
    x = np.arange(1.0, 11.0)  # sd = 3.02765, IQR = 4.5 -> 4.5/1.34 = 3.35821
    y = np.array([0.0, 0, 0, 0, 0, 1, 1, 1, 1, 50])  # sd = 15.6, IQR = 1
    hx = 4 * 1.06 * 3.0276503540974917 * 10**-0.2
    hy = 4 * 1.06 * (1 / 1.34) * 10**-0.2
    assert sfhotspot_bandwidth(x, y) == pytest.approx((hx + hy) / 2)


def test_kde_result_contract_and_parameters(planted):
    result = kde(planted, weight="harm")
    feats = result.features
    assert result.method == "kde"
    assert list(feats.columns) == ["cell_id", "n", "w", "density_km2", "geometry"]
    assert feats.crs.to_epsg() == 27700
    assert result.auto == {"cell_size_m", "bandwidth_m"}
    params = result.parameters
    assert params["kernel"] == "quartic" and params["bandwidth_rule"] == "silverman"
    xs, ys = planted.geometry.x.to_numpy(), planted.geometry.y.to_numpy()
    h = silverman_bandwidth(xs, ys, planted["harm"].to_numpy())
    assert params["bandwidth_m"] == pytest.approx(h)
    for key in ("incidents", "incidents_covered", "area_km2", "hotspot_share"):
        assert key in result.summary
    adjusted = kde(planted, bandwidth_rule="sfhotspot", bandwidth_adjust=0.5)
    assert adjusted.parameters["bandwidth_m"] == pytest.approx(
        0.5 * sfhotspot_bandwidth(xs, ys)
    )


def test_kde_features_equal_direct_sum_at_centres(planted):
    result = kde(planted, cell_size_m=100, bandwidth_m=275)
    xs, ys = planted.geometry.x.to_numpy(), planted.geometry.y.to_numpy()
    centres = result.features.geometry.centroid
    direct = np.zeros(len(centres))
    for xi, yi in zip(xs, ys, strict=True):
        d = np.hypot(centres.x.to_numpy() - xi, centres.y.to_numpy() - yi)
        direct += quartic_kernel(d, 275.0) * 1e6
    assert_exact(result.features["density_km2"].to_numpy(), direct)


def test_planted_cluster_is_top_kde_cell(planted):
    result = kde(planted)
    top = result.features.loc[result.features["density_km2"].idxmax()]
    assert top.geometry.distance(shapely.Point(SPOT)) < result.parameters["cell_size_m"]
    assert result.summary["hotspot_share"] > 200 / len(planted)


def test_absurd_bandwidth_is_a_clear_error():
    grid = make_grid((0.0, 0.0, 1000.0, 1000.0), 1.0)
    with pytest.raises(InvalidParameterError, match="bandwidth_m"):
        kde_surface(np.array([5.0]), np.array([5.0]), grid, 5000.0)
