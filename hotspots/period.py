"""Period bounds given as a month (``YYYY-MM``) or a day (``YYYY-MM-DD``).

Months are the store's coarse filter; a day bound refines it. An incident is
inside a period only if everything known of its date is: police.uk incidents
are known to the month only, so a bound part-way through a month leaves that
month's police.uk incidents out (and layers say how many).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from hotspots.errors import InvalidParameterError

__all__ = ["PERIOD_PATTERN", "day_after", "split_bound"]

#: A month or a day; the calendar check is :func:`split_bound`'s.
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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
