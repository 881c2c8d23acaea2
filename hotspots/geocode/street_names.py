"""Street-name text handling: police.uk labels and free-text addresses to keys.

Normalises street and town names to matching keys (case, punctuation,
"Rd" -> "road", "St" -> "saint"/"street"), recognises police.uk place
categories that are not streets, and splits free text such as
"12 Albert Rd, Southsea" into street and town. Kept apart from
:mod:`hotspots.geocode.street`, which builds and searches the gazetteer, because
this is pure string handling with no gazetteer state.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from hotspots.geocode._common import as_series, is_missing, map_unique, object_column
from hotspots.geocode.postcode import normalise_postcode

__all__ = [
    "NON_STREET_NAMES",
    "STREET_ABBREVIATIONS",
    "is_non_street",
    "normalise_street",
    "split_street_town",
    "split_street_towns",
    "strip_police_prefix",
]

POLICE_PREFIX = "on or near "

STREET_ABBREVIATIONS: dict[str, str] = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "cl": "close",
    "ter": "terrace",
    "terr": "terrace",
    "gdns": "gardens",
    "cres": "crescent",
    "sq": "square",
    "ln": "lane",
    "pl": "place",
    "dr": "drive",
    "ct": "court",
    "gr": "grove",
    "pde": "parade",
    "hwy": "highway",
}
SAINT = "saint"

# Place categories police.uk uses instead of a street name, as found in the
# Portsmouth 2017 data plus a few more seen elsewhere; any "A/B" label is also
# treated as a category (no street name has a slash).
NON_STREET_NAMES = frozenset(
    {
        "airport/airfield",
        "bus/coach station",
        "conference/exhibition centre",
        "ferry terminal",
        "further/higher educational building",
        "hospital",
        "nightclub",
        "no location",
        "park/open space",
        "parking area",
        "pedestrian subway",
        "petrol station",
        "police station",
        "prison",
        "shopping area",
        "sports/recreation area",
        "supermarket",
        "theatre/concert hall",
        "theme/adventure park",
    }
)

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019`]")
_LEADING_WORDS = re.compile(
    r"^(?:(?:on or near|outside|o/s|opposite|opp|near|nr|rear of|junction of|"
    r"jct of|j/o|corner of)\s+)+",
    re.IGNORECASE,
)
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?\s+", re.IGNORECASE)
_SECOND_STREET = re.compile(
    r"\s+(?:and|&|/|j/w|jw|junction with|jct with)\s+.*$", re.IGNORECASE
)
_SUB_ADDRESS = re.compile(
    r"^(?:flat|unit|apartment|apt|room|suite)\b|^\d+[a-z]?$", re.IGNORECASE
)


def strip_police_prefix(text: str) -> str:
    """Drop police.uk's "On or near " prefix and surrounding spaces."""
    stripped = text.strip()
    if stripped.lower().startswith(POLICE_PREFIX):
        return stripped[len(POLICE_PREFIX) :].strip()
    return stripped


def _simple_key(text: str) -> str:
    """Lower case, apostrophes removed, other punctuation to spaces, collapsed."""
    text = _APOSTROPHES.sub("", text.lower())
    return _NOT_ALPHANUMERIC.sub(" ", text).strip()


def normalise_street(text: Any) -> str | None:
    """Matching key for a street name ("St. Mary's Rd" -> "saint marys road").

    Lower case, apostrophes dropped ("Queen'S" -> "queens"), other punctuation
    to spaces, common abbreviations expanded after the first word. A leading
    "St" is "saint"; "St" elsewhere is "street" when it is the last word.
    Returns None for missing or empty input.
    """
    if is_missing(text) or not isinstance(text, str):
        return None
    words = _simple_key(strip_police_prefix(text)).split()
    if not words:
        return None
    expanded = []
    for position, word in enumerate(words):
        if word == "st":
            is_last = position == len(words) - 1
            word = "street" if is_last and position > 0 else SAINT
        elif position > 0:
            word = STREET_ABBREVIATIONS.get(word, word)
        expanded.append(word)
    return " ".join(expanded)


def normalise_town(text: Any) -> str | None:
    """Matching key for a town: case, punctuation and spacing ignored."""
    if is_missing(text) or not isinstance(text, str):
        return None
    return _simple_key(text) or None


def _is_category(text: str) -> bool:
    """Whether a label is one of the known police.uk place categories."""
    return " ".join(strip_police_prefix(text).lower().split()) in NON_STREET_NAMES


def is_non_street(text: str) -> bool:
    """Whether a police.uk location label is a place category, not a street.

    Known categories ("Supermarket", "Parking Area" ...) and any label with a
    slash ("Sports/Recreation Area"): police.uk street names never have one.
    """
    return "/" in text or _is_category(text)


def _tidy_display(name: str) -> str:
    """police.uk writes "Queen'S Road"; show "Queen's Road"."""
    return re.sub(r"(?<=\w)'S\b", "'s", name)


def _clean_street_part(part: str) -> str:
    """Drop leading "outside"/"junction of" words, a house number, a second street."""
    part = _LEADING_WORDS.sub("", part.strip())
    part = _HOUSE_NUMBER.sub("", part)
    return _SECOND_STREET.sub("", part).strip()


def split_street_town(text: Any) -> tuple[str, str | None]:
    """Split free text like "12 Albert Rd, Southsea" into ("Albert Rd", "Southsea").

    With two or more comma-separated parts the last is the town (a trailing
    postcode is dropped first); the street is the first remaining part that is
    not a flat/unit or a bare number, without a leading house number,
    "outside"/"opposite"/"junction of" words or a second street ("A and B").
    Missing input gives ("", None).
    """
    if is_missing(text) or not isinstance(text, str):
        return ("", None)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) >= 2 and normalise_postcode(parts[-1]) is not None:
        parts = parts[:-1]
    town = parts[-1] if len(parts) >= 2 else None
    street_parts = parts[:-1] if town is not None else parts
    for part in street_parts:
        cleaned = _clean_street_part(part)
        if cleaned and not _SUB_ADDRESS.match(cleaned):
            return (cleaned, town)
    return (_clean_street_part(street_parts[0]) if street_parts else "", town)


def split_street_towns(texts: Any) -> pd.DataFrame:
    """Vectorised :func:`split_street_town`: DataFrame[street, town], input index."""
    series = as_series(texts)
    codes, pairs = map_unique(series, split_street_town)
    return pd.DataFrame(
        {
            "street": object_column([pair[0] for pair in pairs], codes, series.index),
            "town": object_column([pair[1] for pair in pairs], codes, series.index),
        },
        index=series.index,
    )
