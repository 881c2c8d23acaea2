"""Benjamini-Hochberg thresholds and ArcGIS-style bins."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hotspots.analysis.significance import bh_threshold, confidence_bins, two_sided_p


def test_two_sided_p():
    np.testing.assert_allclose(
        two_sided_p([0.0, 1.959963984540054, -2.5758293035489]), [1, 0.05, 0.01]
    )


def test_bh_threshold_by_hand():
    # m = 10, alpha = 0.05: k * 0.005 = 0.005, 0.010, 0.015, 0.020, ...
    p = np.array([0.001, 0.008, 0.014, 0.03, 0.04, 0.2, 0.5, 0.6, 0.8, 0.9])
    # p_(3) = 0.014 <= 0.015, p_(4) = 0.03 > 0.020, p_(5) = 0.04 > 0.025, ...
    assert bh_threshold(p, 0.05) == 0.014
    assert bh_threshold(p, 0.01) == 0.001  # 0.008 > 2 * 0.001
    assert bh_threshold(np.array([0.5, 0.9]), 0.05) == -1.0
    assert bh_threshold(np.array([0.02, np.nan]), 0.05) == 0.02  # NaN not a test


def test_fdr_bins_are_stricter():
    z = np.array([3.5, 2.7, 2.1, 1.8, -2.0, 0.3, 0.1, -0.2, 0.5, 0.0])
    p = two_sided_p(z)
    plain = confidence_bins(z, p)
    fdr = confidence_bins(z, p, fdr=True)
    assert plain.tolist() == [3, 3, 2, 1, -2, 0, 0, 0, 0, 0]
    assert np.all(np.abs(fdr) <= np.abs(plain))
    assert fdr[0] == 3 and fdr[3] == 0


def test_two_sided_p_is_scipy_norm_sf_exactly():
    from scipy import stats

    rng = np.random.default_rng(14)
    z = np.concatenate(
        [rng.normal(0, 3, 10_000), [0.0, -0.0, 40.0, -40.0, np.inf, -np.inf, np.nan]]
    )
    expected = 2.0 * stats.norm.sf(np.abs(z))
    np.testing.assert_array_equal(two_sided_p(z), expected)  # bit for bit, NaN too


def _bh_by_full_sort(p: np.ndarray, alpha: float) -> float:
    """The textbook cut-off: every p sorted."""
    q = np.sort(p[~np.isnan(p)])
    ok = np.nonzero(q <= np.arange(1, q.size + 1) * alpha / q.size)[0]
    return float(q[ok[-1]]) if ok.size else -1.0


@settings(max_examples=300, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(0, 300),
        elements=st.one_of(
            st.floats(0.0, 1.0),
            st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.1, 0.1000001, 1.0, np.nan]),
        ),
    ),
    st.sampled_from([0.01, 0.05, 0.10, 0.2]),
)
def test_bh_threshold_equals_the_full_sort(p, alpha):
    assert bh_threshold(p, alpha) == _bh_by_full_sort(p, alpha)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 400), elements=st.floats(-5.0, 5.0)))
def test_fdr_bins_equal_bins_from_full_sort_cut_offs(z):
    z = z.copy()
    z[::7] = np.nan
    p = two_sided_p(z)
    want = np.zeros(z.shape, dtype=np.int8)
    for alpha, value in ((0.10, 1), (0.05, 2), (0.01, 3)):
        want[(p <= _bh_by_full_sort(p, alpha)) & ~np.isnan(z)] = value
    want = (np.sign(np.nan_to_num(z)) * want).astype(np.int8)
    assert np.array_equal(confidence_bins(z, p, fdr=True), want)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 200),
        elements=st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([0.0, -0.0, 1.7, -1.7, 2.6, -2.6, np.nan]),
        ),
    ),
    st.booleans(),
)
def test_bins_are_sign_times_level(z, fdr):
    p = two_sided_p(z)
    got = confidence_bins(z, p, fdr=fdr)
    level = np.abs(got)
    assert got.dtype == np.int8
    assert np.array_equal(got, (np.sign(np.nan_to_num(z)) * level).astype(np.int8))
    assert not level[np.isnan(z) | (z == 0)].any()
