"""Exact Poisson statistics for counts around a premises.

* :func:`poisson_ci`: Garwood's exact interval for a Poisson count, in its
  chi-square form (lower ``chi2(a/2, 2k)/2``, upper ``chi2(1-a/2, 2k+2)/2``).
* :func:`rate_ratio`: observed over expected (the expected count treated as
  known: it comes from thousands of city incidents), with that interval.
* :func:`before_after`: the change in rate between two periods, tested exactly
  by conditioning on the total (the after count is binomial with p = the after
  period's share of the time when the rate did not change).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats

__all__ = ["BeforeAfter", "RateRatio", "before_after", "poisson_ci", "rate_ratio"]


def poisson_ci(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) confidence interval for the mean of a Poisson count."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    alpha = 1 - confidence
    lower = 0.0 if count == 0 else stats.chi2.ppf(alpha / 2, 2 * count) / 2
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return float(lower), float(upper)


@dataclass(frozen=True)
class RateRatio:
    """Observed count against the count expected at a reference density."""

    observed: int
    expected: float
    ratio: float
    ci_low: float
    ci_high: float
    reference: str  # "the city average", "the ward average (Charles Dickens)"
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def rate_ratio(observed: int, expected: float, reference: str) -> RateRatio:
    """The rate ratio observed/expected with an exact 95 % CI, and a sentence."""
    if expected <= 0:
        raise ValueError(f"expected count must be > 0, got {expected}")
    low, high = poisson_ci(observed)
    ratio, ci_low, ci_high = observed / expected, low / expected, high / expected
    ci = f"(95 % CI {ci_low:.1f} to {ci_high:.1f})"
    if ci_low > 1:
        sentence = f"{ratio:.1f} times {reference} {ci}"
    elif ci_high < 1:
        sentence = f"{ratio:.1f} times {reference}, below it {ci}"
    else:
        sentence = f"not different from {reference} (rate ratio {ratio:.1f}, {ci[1:]}"
    return RateRatio(observed, expected, ratio, ci_low, ci_high, reference, sentence)


@dataclass(frozen=True)
class BeforeAfter:
    """Counts before and after a date, their monthly rates and an exact test."""

    date: str
    before: int
    after: int
    months_before: float
    months_after: float
    rate_before: float  # per month
    rate_after: float
    ratio: float | None  # after/before rate; None when nothing before
    ci_low: float | None
    ci_high: float | None
    p_value: float
    beyond_chance: bool  # p < 0.05
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def before_after(
    before: int, after: int, months_before: float, months_after: float, date: str
) -> BeforeAfter:
    """Compare the monthly rates before and after ``date``.

    Under no change, ``after | before + after`` is binomial with
    ``p = months_after / (months_before + months_after)``; the two-sided exact
    binomial p-value is reported, and the rate ratio's CI comes from the
    Clopper-Pearson interval of that proportion.
    """
    if months_before <= 0 or months_after <= 0:
        raise ValueError(
            f"both periods need time: {months_before} months before {date}, "
            f"{months_after} after"
        )
    total = before + after
    share = months_after / (months_before + months_after)
    rate_b, rate_a = before / months_before, after / months_after
    if total == 0:
        p_value, ratio, low, high = 1.0, None, None, None
    else:
        test = stats.binomtest(after, total, share)
        p_value = float(test.pvalue)
        ci = test.proportion_ci(0.95, method="exact")
        odds = months_before / months_after

        def to_ratio(p: float) -> float | None:
            return None if p >= 1 else p / (1 - p) * odds

        ratio = to_ratio(after / total) if before else None
        low, high = to_ratio(ci.low), to_ratio(ci.high)
    beyond = p_value < 0.05
    change = f"{rate_b:.1f} to {rate_a:.1f} incidents a month"
    if beyond:
        sentence = f"From {change} after {date}: beyond chance (p = {p_value:.3f})."
    else:
        sentence = (
            f"From {change} after {date}: within chance (p = {p_value:.2f}), "
            "no evidence of a change."
        )
    return BeforeAfter(
        date, before, after, months_before, months_after, rate_b, rate_a,
        ratio, low, high, p_value, beyond, sentence,
    )  # fmt: skip
