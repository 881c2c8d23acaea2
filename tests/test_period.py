"""Period bounds: a month or a day, checked against the calendar."""

from __future__ import annotations

import pytest

from hotspots.errors import InvalidParameterError
from hotspots.period import PeriodBounds, day_after, parse_period, split_bound


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (None, None)),
        ("2017-03", ("2017-03", None)),
        ("2017-03-15", ("2017-03", "2017-03-15")),
        ("2016-02-29", ("2016-02", "2016-02-29")),
    ],
)
def test_split_bound(
    value: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert split_bound(value, "from") == expected


@pytest.mark.parametrize("value", ["2017-02-29", "2017-13", "2017-3-1", "20170301"])
def test_split_bound_names_the_field(value: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"to={value!r} is not a month"):
        split_bound(value, "to")


def test_day_after_crosses_months_and_years() -> None:
    assert day_after("2016-02-28") == "2016-02-29"
    assert day_after("2017-02-28") == "2017-03-01"
    assert day_after("2017-12-31") == "2018-01-01"


def test_parse_period_orders_months_and_days() -> None:
    bounds = parse_period("2017-03-15", "2017-04")
    assert bounds == PeriodBounds("2017-03", "2017-04", "2017-03-15", None)
    assert parse_period("2017-03", "2017-03-01").day_to == "2017-03-01"
    for first, last in (("2017-04", "2017-03-31"), ("2017-03-20", "2017-03-10")):
        with pytest.raises(InvalidParameterError, match=r"--from .* is after --to"):
            parse_period(first, last, ("--from", "--to"))
