"""Mann-Kendall, the change test, BH and Holm against scipy on known series."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hotspots.errors import InvalidParameterError
from hotspots.temporal import (
    benjamini_hochberg,
    change_table,
    conditional_p,
    holm,
    mann_kendall,
)

RNG = np.random.default_rng(11)
SERIES = [
    np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    np.array([3.1, 0.2, 2.5, 4.8, 1.1, 5.0, 6.2, 0.4]),
    np.array([0.0, 0.0, 1.0, 1.0, 2.0, 0.0, 3.0, 3.0, 3.0, 5.0]),  # ties
    RNG.normal(size=24),
    np.round(RNG.normal(size=24), 0),  # many ties
]


@pytest.mark.parametrize("x", SERIES, ids=range(len(SERIES)))
def test_mann_kendall_equals_kendalltau(x: np.ndarray) -> None:
    t = np.arange(x.size)
    ref = stats.kendalltau(t, x, method="asymptotic")
    mk = mann_kendall(x, continuity=False)
    assert mk.tau[0] == pytest.approx(ref.statistic, abs=1e-12)
    assert mk.p[0] == pytest.approx(ref.pvalue, rel=1e-9)


def test_mann_kendall_known_answer_with_continuity() -> None:
    # Strictly rising, n = 6: S = 15, Var S = 6*5*17/18 = 28.333.
    mk = mann_kendall(np.arange(6.0))
    assert mk.s[0] == 15
    assert mk.var_s[0] == pytest.approx(6 * 5 * 17 / 18)
    assert mk.z[0] == pytest.approx(14 / np.sqrt(6 * 5 * 17 / 18))
    flat = mann_kendall(np.zeros(5))
    assert flat.z[0] == 0 and flat.p[0] == 1.0


def test_mann_kendall_many_rows_at_once() -> None:
    rows = np.stack([s[:6] for s in SERIES])
    mk = mann_kendall(rows, continuity=False)
    for i, x in enumerate(rows):
        ref = stats.kendalltau(np.arange(6), x, method="asymptotic")
        assert mk.tau[i] == pytest.approx(ref.statistic)
    with pytest.raises(InvalidParameterError, match="3 time steps"):
        mann_kendall(np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("before", "after", "p0"),
    [
        (10, 25, 0.5),
        (3, 0, 0.5),
        (0, 7, 0.5),
        (12, 12, 0.5),
        (40, 9, 1 / 3),
        (5, 17, 0.25),
    ],
)
def test_change_test_equals_binomtest(before: int, after: int, p0: float) -> None:
    ref = stats.binomtest(after, before + after, p0).pvalue
    assert conditional_p(np.array([before]), np.array([after]), p0)[0] == pytest.approx(
        ref, rel=1e-9
    )


def test_change_test_is_the_poisson_rate_comparison() -> None:
    # Conditional on the total, two Poisson counts with equal rates split
    # Binomial(m, 1/2): after=25 of 35 matches scipy's Poisson-based test.
    ref = stats.poisson_means_test(25, 1.0, 10, 1.0, alternative="two-sided")
    p = conditional_p(np.array([10]), np.array([25]))[0]
    assert p < 0.05 and ref.pvalue < 0.05


def test_benjamini_hochberg_equals_scipy() -> None:
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.2, 0.5, np.nan, 0.03])
    q = benjamini_hochberg(p)
    ok = ~np.isnan(p)
    assert np.allclose(q[ok], stats.false_discovery_control(p[ok]))
    assert np.isnan(q[6])


def test_holm_known_answer() -> None:
    # p sorted 0.01, 0.02, 0.04 with m = 3: 0.03, 0.04, 0.04 (monotone).
    out = holm(np.array([[0.04, 0.01, 0.02]]))
    assert np.allclose(out, [[0.04, 0.03, 0.04]])


def test_change_table_columns_and_significance() -> None:
    before = np.array([10, 3, 0, 20, 0])
    after = np.array([30, 3, 0, 2, 1])
    t = change_table(before, after, ids=["a", "b", "c", "d", "e"])
    assert list(t["change"]) == [20, 0, 0, -18, 1]
    assert list(t["direction"]) == ["up", "no significant change", "none", "down",
                                    "no significant change"]  # fmt: skip
    p = stats.binomtest(30, 40, 0.5).pvalue
    assert t.loc[0, "p"] == pytest.approx(p)
    # Three months against one: p0 = 1/4.
    t3 = change_table(np.array([30]), np.array([10]), before_length=3)
    assert t3.loc[0, "p"] == pytest.approx(stats.binomtest(10, 40, 0.25).pvalue)
    assert t3.loc[0, "ratio"] == pytest.approx(1.0)
