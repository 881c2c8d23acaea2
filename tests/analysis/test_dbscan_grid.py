"""Grid DBSCAN equals scikit-learn's DBSCAN label for label, numbering included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import DBSCAN

from hotspots.analysis.dbscan_grid import GridDBSCAN, grid_dbscan
from hotspots.errors import InvalidParameterError


def _sklearn(xy, w, eps, ms):
    return DBSCAN(eps=eps, min_samples=ms).fit(xy, sample_weight=w).labels_


def _case(seed: int, kind: str):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 600))
    if kind == "integer":  # many pairs exactly eps apart, many duplicates
        return rng.integers(0, 15, (n, 2)).astype(float), float(rng.integers(1, 4))
    if kind == "snapped":  # 10 m snapping, eps on and off the lattice diagonal
        eps = float(rng.choice([50.0, 100.0, 100 * np.sqrt(2), 150.0]))
        return np.round(rng.uniform(0, 2000, (n, 2)), -1) + 463_000, eps
    centres = rng.uniform(0, 3000, (4, 2)) + 460_000
    xy = centres[rng.integers(0, 4, n)] + rng.normal(0, 120, (n, 2))
    return xy, float(rng.uniform(20, 150))


@pytest.mark.parametrize("kind", ["integer", "snapped", "clusters"])
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("weighted", [False, True])
def test_labels_equal_sklearn_exactly(kind, seed, weighted):
    xy, eps = _case(seed, kind)
    rng = np.random.default_rng(seed + 100)
    w = rng.integers(1, 6, len(xy)).astype(float) if weighted else None
    ms = int(rng.integers(1, 25))
    np.testing.assert_array_equal(grid_dbscan(xy, w, eps, ms), _sklearn(xy, w, eps, ms))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(1, 4)),
        min_size=12,
        max_size=80,
    ),
    st.integers(1, 4),
    st.integers(1, 12),
)
def test_property_integer_lattice(points, eps, ms):
    xy = np.array([p[:2] for p in points], dtype=float)
    w = np.array([p[2] for p in points], dtype=float)
    got = grid_dbscan(xy, w, float(eps), ms)
    np.testing.assert_array_equal(got, _sklearn(xy, w, float(eps), ms))


def test_border_point_goes_to_the_first_numbered_cluster():
    """A border point touching two clusters takes the one whose first core
    point comes first in input order, as scikit-learn's visiting order gives."""
    left = [[0.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
    right = [[4.0, 0.0], [4.0, 1.0], [4.0, -1.0]]
    border = [[2.0, 0.0]]
    for xy in (np.array(left + right + border), np.array(right + left + border)):
        got = grid_dbscan(xy, None, 2.0, 4)
        assert got[-1] == 0 and got[0] == 0 and got[3] == 1
        np.testing.assert_array_equal(got, _sklearn(xy, None, 2.0, 4))


def test_checks_bound_and_empty_input():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, (3000, 2))
    grid = GridDBSCAN(xy, None, 40.0)
    assert grid.checks(1e9) > 0 and grid.checks(1) == 0
    assert grid_dbscan(np.empty((0, 2)), None, 10.0, 3).size == 0
    assert (grid_dbscan(xy[:1], None, 10.0, 2) == -1).all()


def test_eps_too_small_for_the_extent_is_refused():
    xy = np.array([[0.0, 0.0], [1e6, 1e6]])
    with pytest.raises(InvalidParameterError, match="eps_m"):
        grid_dbscan(xy, None, 1e-6, 2)
