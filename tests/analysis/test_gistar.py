"""Gi* against esda, masks, FDR bins, planted cluster, permutations."""

from __future__ import annotations

import math
import warnings

import esda
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from libpysal.weights import DistanceBand
from scipy import ndimage
from scipy.spatial.distance import cdist

from hotspots.analysis.gistar import (
    DISTANCE_TOLERANCE,
    _cardinality,
    _window_sum,
    gistar,
    gistar_grid,
    gistar_z,
    neighbour_offsets,
    permutation_p,
)
from hotspots.analysis.significance import confidence_bins, two_sided_p
from hotspots.errors import InvalidParameterError
from tests.analysis.conftest import SPOT, make_points

ESDA_POINTS = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
ESDA_Y = np.array([2, 3, 3.2, 5, 8, 7])


def esda_zs(coords, y, threshold):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = DistanceBand(
            coords, threshold=threshold, binary=True, silence_warnings=True
        )
        return esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs


def test_esda_six_point_example():
    expected = esda_zs(ESDA_POINTS, ESDA_Y, 15)
    dist = cdist(ESDA_POINTS, ESDA_POINTS)
    neighbours = [np.nonzero((row <= 15) & (row > 0))[0] for row in dist]
    np.testing.assert_allclose(
        gistar_z(ESDA_Y, neighbours), expected, rtol=0, atol=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = DistanceBand(ESDA_POINTS, threshold=15)
    np.testing.assert_allclose(gistar_z(ESDA_Y, w.sparse), expected, rtol=0, atol=1e-12)
    # esda's documented values for this example
    documented = [
        -1.39727626,
        -0.28917762,
        0.65064964,
        -0.28917762,
        1.23452088,
        2.02424331,
    ]
    np.testing.assert_allclose(expected, documented, atol=1e-8)


@st.composite
def masked_grids(draw):
    nrows = draw(st.integers(2, 7))
    ncols = draw(st.integers(2, 7))
    size = nrows * ncols
    values = draw(st.lists(st.integers(0, 6), min_size=size, max_size=size))
    mask = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    cell = draw(st.sampled_from([1.0, 50.0, 73.0, 100.0]))
    band = draw(st.sampled_from([1.0, math.sqrt(2), 2.0, 2.3, math.sqrt(8), 3.0]))
    return (
        np.array(values, float).reshape(nrows, ncols),
        np.array(mask).reshape(nrows, ncols),
        cell,
        band * cell,
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(masked_grids())
def test_grid_gistar_equals_esda(case):
    values, mask, cell, distance = case
    inside = values[mask]
    if mask.sum() < 3 or np.all(inside == inside[0]):
        return
    z, card = gistar_grid(values, mask, neighbour_offsets(cell, distance))
    rows, cols = np.nonzero(mask)
    coords = np.c_[464000 + (cols + 0.5) * cell, 100000 + (rows + 0.5) * cell]
    expected = esda_zs(coords, inside, distance * (1 + DISTANCE_TOLERANCE))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(z[mask][finite], expected[finite], rtol=1e-9, atol=1e-9)
    assert np.all(np.isnan(z[mask][~finite]))
    assert np.all(np.isnan(z[~mask])) and np.all(card[~mask] == 0)
    within = cdist(coords, coords) <= distance * (1 + DISTANCE_TOLERANCE)
    np.testing.assert_array_equal(card[mask], within.sum(axis=1))


def test_queen_offsets_survive_floating_point():
    for cell in (1.0, 50.0, 73.0, 100.0, 150.0, 333.3):
        dy, _ = neighbour_offsets(cell, cell * math.sqrt(2))
        assert len(dy) == 9


def test_large_window_fft_path_equals_direct(rng):
    values = rng.poisson(2, (40, 50)).astype(float)
    mask = rng.uniform(size=(40, 50)) > 0.2
    z_big, _ = gistar_grid(values, mask, neighbour_offsets(1.0, 7.0))  # 149 offsets
    rows, cols = np.nonzero(mask)
    coords = np.c_[cols + 0.5, rows + 0.5]
    expected = esda_zs(coords, values[mask], 7.0 * (1 + DISTANCE_TOLERANCE))
    np.testing.assert_allclose(z_big[mask], expected, rtol=1e-9, atol=1e-9)


def test_fdr_changes_bins_not_z_or_p(planted):
    plain = gistar(planted, cell_size_m=100, fdr=False).features
    fdr = gistar(planted, cell_size_m=100, fdr=True).features
    np.testing.assert_array_equal(plain["gistar_z"], fdr["gistar_z"])
    np.testing.assert_array_equal(plain["gistar_p"], fdr["gistar_p"])
    assert (plain["gistar_bin"] != fdr["gistar_bin"]).any()
    assert (fdr["gistar_bin"].abs() <= plain["gistar_bin"].abs()).all()


def test_planted_cluster_is_hot_99(planted):
    result = gistar(planted)
    feats = result.features
    assert list(feats.columns) == [
        "cell_id",
        "n",
        "gistar_z",
        "gistar_p",
        "gistar_bin",
        "n_neighbours",
        "geometry",
    ]
    at_spot = feats[
        feats.geometry.intersects(make_points([SPOT[0]], [SPOT[1]]).geometry[0])
    ]
    assert (at_spot["gistar_bin"] == 3).all()
    assert result.parameters["fdr"] is True
    assert result.auto == {"cell_size_m", "distance_m"}
    assert result.parameters["distance_m"] == pytest.approx(
        result.parameters["cell_size_m"] * math.sqrt(2)
    )
    np.testing.assert_allclose(feats["gistar_p"], two_sided_p(feats["gistar_z"]))
    assert result.summary["hot_cells_99"] >= 1
    assert 0 < result.summary["hotspot_share"] < 1


def test_mask_excludes_cells_outside_area(planted, square_area):
    inner = square_area.buffer(-1500)
    result = gistar(planted, cell_size_m=100, area=inner)
    feats = result.features
    assert len(feats) == 20 * 20
    assert feats["n_neighbours"].min() == 3  # corners of the area have 3
    assert result.summary["dropped_outside_area"] > 0


def test_constant_field_is_a_clear_error():
    x = 464050.0 + 100 * np.arange(4)
    pts = make_points(np.r_[x, x], np.r_[np.full(4, 100050.0), np.full(4, 100150.0)])
    with pytest.raises(InvalidParameterError, match="same value"):
        gistar(pts, cell_size_m=100)
    z = gistar_z(np.ones(4), [[1], [0], [3], [2]])
    assert np.all(np.isnan(z))


def test_permutations_seeded_and_sane(planted):
    a = gistar(planted, cell_size_m=200, permutations=99, seed=7).features
    b = gistar(planted, cell_size_m=200, permutations=99, seed=7).features
    np.testing.assert_array_equal(a["gistar_p_sim"], b["gistar_p_sim"])
    p_sim = a["gistar_p_sim"].to_numpy()
    assert np.all((p_sim >= 1 / 100) & (p_sim <= 0.5 + 1e-12))
    hottest = a["gistar_z"].idxmax()
    assert a.loc[hottest, "gistar_p_sim"] == pytest.approx(1 / 100)


def test_permutation_p_matches_exact_probability():
    # Cell 0 (value 10, window sum 27 = 10 + 9 + 8) is matched only when both
    # draws from the other nine values are 9 and 8: probability 1 / C(9, 2) = 1/36.
    x = np.array([10.0, 9, 8, 0, 0, 1, 0, 1, 0, 0])
    sums = np.array([27.0, 27, 27, 1, 1, 1, 1, 1, 1, 1])
    card = np.full(10, 3)
    p = permutation_p(x, sums, card, 9999, seed=1)
    assert p[0] == pytest.approx(1 / 36, abs=0.006)


def test_confidence_bins_levels():
    z = np.array([3.0, -2.1, 1.7, 0.2, np.nan])
    p = two_sided_p(z)
    assert confidence_bins(z, p).tolist() == [3, -2, 1, 0, 0]


_grids = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
    elements=st.one_of(
        st.integers(0, 50).map(float),
        st.floats(0.0, 1e6, allow_subnormal=False),
    ),
)


@settings(max_examples=200, deadline=None)
@given(_grids, st.integers(1, 6))
def test_square_window_sums_equal_ndimage_to_the_bit(values, k):
    ones = np.ones(2 * k + 1)
    want = ndimage.correlate1d(values, ones, axis=0, mode="constant", cval=0.0)
    want = ndimage.correlate1d(want, ones, axis=1, mode="constant", cval=0.0)
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    got = _window_sum(values, (dy.ravel(), dx.ravel()))
    assert got.tobytes() == want.tobytes()


@settings(max_examples=200, deadline=None)
@given(_grids, st.floats(1.0, 6.0))
def test_disc_window_sums_equal_ndimage_to_the_bit(values, band):
    dy, dx = neighbour_offsets(1.0, band)
    k = int(np.abs(dy).max())
    if dy.size == (2 * k + 1) ** 2:
        return  # a full square: the separable case above
    kernel = np.zeros((2 * k + 1, 2 * k + 1))
    kernel[dy + k, dx + k] = 1.0
    want = ndimage.correlate(values, kernel, mode="constant", cval=0.0)
    got = _window_sum(values, (dy, dx))
    assert got.tobytes() == want.tobytes()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 5))
def test_full_grid_cardinality_is_the_window_sum_of_ones(rows, cols, k):
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    offsets = (dy.ravel(), dx.ravel())
    mask = np.ones((rows, cols), dtype=bool)
    want = np.rint(_window_sum(mask.astype("float64"), offsets))
    assert _cardinality(mask, offsets).tobytes() == want.tobytes()
