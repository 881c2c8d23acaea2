"""Period bounds given as a month (``YYYY-MM``) or a day (``YYYY-MM-DD``).

Months are the store's coarse filter; a day bound refines it. An incident is
inside a period only if everything known of its date is: police.uk incidents
are known to the month only, so a bound part-way through a month leaves that
month's police.uk incidents out (and layers say how many).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hotspots.errors import InvalidParameterError

__all__ = [
    "PERIOD_PATTERN",
    "POLICE_UK_FIRST_MONTH",
    "PeriodBounds",
    "current_month",
    "day_after",
    "parse_period",
    "split_bound",
]

#: A month or a day; the calendar check is :func:`split_bound`'s.
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: The first month of data.police.uk street-level crime.
POLICE_UK_FIRST_MONTH = "2010-12"


def current_month() -> str:
    """This month as ``YYYY-MM`` (local time: a log written just after local
    midnight on the 1st is in the new month)."""
    return date.today().strftime("%Y-%m")


def split_bound(value: str | None, name: str) -> tuple[str | None, str | None]:
    """``value`` as (month, day): ``"2017-03"`` -> ("2017-03", None),
    ``"2017-03-15"`` -> ("2017-03", "2017-03-15"); ``None`` -> (None, None).

    Raises InvalidParameterError naming ``name`` when it is neither.
    """
    if value is None or value == "":
        return None, None
    text = value.strip()
    if _MONTH.match(text):
        return text, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or len(text) != 10:
        raise InvalidParameterError(
            f"{name}={value!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)"
        )
    return text[:7], day.isoformat()


def day_after(day: str) -> str:
    """The ISO day after ``day`` (``YYYY-MM-DD``)."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class PeriodBounds:
    """A period as months (the coarse filter) and, where given, days."""

    month_from: str | None = None
    month_to: str | None = None
    day_from: str | None = None
    day_to: str | None = None


def parse_period(
    first: str | None, last: str | None, names: tuple[str, str] = ("from", "to")
) -> PeriodBounds:
    """Both bounds of a period, each a month or a day, in order.

    Raises InvalidParameterError naming the bound that is malformed, or both
    when the first is after the last.
    """
    month_from, day_from = split_bound(first, names[0])
    month_to, day_to = split_bound(last, names[1])
    start, end = day_from or month_from, day_to or month_to
    if start and end and start[: len(end)] > end:
        raise InvalidParameterError(
            f"{names[0]} ({first}) is after {names[1]} ({last})"
        )
    return PeriodBounds(month_from, month_to, day_from, day_to)
