"""Exact Poisson CI, rate ratio and before/after test: hand values and scipy."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from hotspots.premises.stats import before_after, poisson_ci, rate_ratio


@pytest.mark.parametrize("k", [0, 1, 2, 5, 31, 100, 512])
def test_poisson_ci_is_exact_against_scipy_poisson(k: int) -> None:
    low, high = poisson_ci(k)
    # Garwood: P(X >= k | low) = 0.025 and P(X <= k | high) = 0.025.
    if k:
        assert stats.poisson.sf(k - 1, low) == pytest.approx(0.025, abs=1e-9)
    else:
        assert low == 0.0
    assert stats.poisson.cdf(k, high) == pytest.approx(0.025, abs=1e-9)


def test_poisson_ci_hand_values() -> None:
    # k = 0: upper = -ln(0.025) = 3.68888 (the "rule of 3.7").
    assert poisson_ci(0) == (0.0, pytest.approx(-math.log(0.025)))
    # k = 1: lower = -ln(0.975) = 0.025318; upper 5.5716 (published tables).
    low, high = poisson_ci(1)
    assert low == pytest.approx(-math.log(0.975), rel=1e-9)
    assert high == pytest.approx(5.5716, abs=1e-4)


def test_rate_ratio_sentence_and_ci_against_chi_square_form() -> None:
    rr = rate_ratio(31, 10.0, "the city average")
    assert rr.ratio == pytest.approx(3.1)
    assert rr.ci_low == pytest.approx(stats.chi2.ppf(0.025, 62) / 2 / 10)
    assert rr.ci_high == pytest.approx(stats.chi2.ppf(0.975, 64) / 2 / 10)
    # 31 observed, 10 expected: 95 % CI of the mean 21.06 to 44.00.
    assert rr.sentence == "3.1 times the city average (95 % CI 2.1 to 4.4)"


def test_rate_ratio_not_different_when_ci_spans_one() -> None:
    rr = rate_ratio(12, 10.0, "the city average")
    assert rr.ci_low < 1 < rr.ci_high
    assert rr.sentence.startswith("not different from the city average")


def test_rate_ratio_below() -> None:
    rr = rate_ratio(2, 10.0, "the ward average")
    assert rr.ci_high < 1
    assert "below it" in rr.sentence


def test_before_after_hand_computed_p() -> None:
    # 0 before, 5 after, equal periods: P = 2 * 0.5**5 = 0.0625 (two-sided).
    result = before_after(0, 5, 3, 3, "2017-05")
    assert result.p_value == pytest.approx(0.0625)
    assert not result.beyond_chance
    # 2 before, 10 after in 3 + 3 months: binomial(12, 0.5), P(X >= 10) * 2.
    p = 2 * sum(math.comb(12, i) for i in range(10, 13)) / 2**12
    result = before_after(2, 10, 3, 3, "2017-05")
    assert result.p_value == pytest.approx(p)  # 0.0386
    assert result.beyond_chance
    assert result.ratio == pytest.approx(5.0)


def test_before_after_unequal_periods_uses_time_share() -> None:
    # Same rate (2 a month) over 2 and 4 months: no change, p = 1.
    result = before_after(4, 8, 2, 4, "2017-04")
    assert result.rate_before == result.rate_after == 2
    assert result.p_value == pytest.approx(1.0)
    assert result.ratio == pytest.approx(1.0)
    assert stats.binomtest(8, 12, 4 / 6).pvalue == pytest.approx(result.p_value)


def test_before_after_needs_time_on_both_sides() -> None:
    with pytest.raises(ValueError, match="both periods need time"):
        before_after(1, 1, 0, 3, "2017-02")
