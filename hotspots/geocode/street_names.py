"""Street-name text handling: police.uk labels and free-text addresses to keys.

Normalises street and town names to matching keys (case, punctuation,
"Rd" -> "road", "St" -> "saint"/"street"), recognises police.uk place
categories that are not streets, splits free text such as
"12 Albert Rd, Southsea" into street and town, knows which localities belong
to which district (:data:`DISTRICT_LOCALITIES`), and says whether two keys
are spelling variants of one name (:func:`spelling_difference`). Kept apart from
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
    "DISTRICT_LOCALITIES",
    "NON_STREET_NAMES",
    "STREET_ABBREVIATIONS",
    "STREET_TYPES",
    "district_of",
    "is_non_street",
    "normalise_street",
    "spelling_difference",
    "split_street_town",
    "split_street_towns",
    "street_name_and_type",
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
    "tce": "terrace",
    "gdns": "gardens",
    "gdn": "gardens",
    "cres": "crescent",
    "sq": "square",
    "ln": "lane",
    "pl": "place",
    "dr": "drive",
    "ct": "court",
    "crt": "court",
    "gr": "grove",
    "gro": "grove",
    "wlk": "walk",
    "appr": "approach",
    "pde": "parade",
    "hwy": "highway",
}
SAINT = "saint"

# Words that end a street name and say what kind of way it is. Two names that
# differ in this word are different streets ("Albert Road", "Albert Grove").
STREET_TYPES = frozenset(
    {
        *STREET_ABBREVIATIONS.values(),
        "approach", "bank", "broadway", "chase", "circus", "common", "copse",
        "drove", "end", "field", "fields", "gate", "green", "heights", "hill",
        "mead", "meadow", "mews", "park", "path", "precinct", "quay", "reach",
        "rise", "row", "vale", "view", "walk", "way", "wharf", "yard",
    }
)  # fmt: skip
# Words after the type that name a different street ("Victoria Road South").
_DIRECTIONS = frozenset({"north", "south", "east", "west"})

# Districts (the LSOA names police.uk gives, e.g. "Portsmouth 012A") and the
# towns and localities inside them that addresses name instead. A given town
# is resolved to its district before it is compared with the gazetteer's
# towns. Portsmouth's list follows its wards and postal localities; the
# neighbouring districts' lists hold their main towns, so that "Victoria Road,
# Portchester" is known to be in Fareham, not Portsmouth.
DISTRICT_LOCALITIES: dict[str, tuple[str, ...]] = {
    "Portsmouth": (
        "Anchorage Park", "Baffins", "Buckland", "Central Southsea", "Copnor",
        "Cosham", "Drayton", "Eastney", "Farlington", "Fratton", "Highbury",
        "Hilsea", "Landport", "Milton", "North End", "Old Portsmouth",
        "Paulsgrove", "Port Solent", "Portsea", "Portsea Island", "Southsea",
        "Stamshaw", "Tipner", "Wymering",
    ),
    "Havant": (
        "Bedhampton", "Cowplain", "Denvilles", "Emsworth", "Hayling Island",
        "Langstone", "Leigh Park", "Purbrook", "Warblington", "Waterlooville",
        "Widley",
    ),
    "Fareham": (
        "Hill Head", "Locks Heath", "Park Gate", "Portchester", "Sarisbury",
        "Sarisbury Green", "Stubbington", "Titchfield", "Warsash",
    ),
    "Gosport": (
        "Alverstoke", "Bridgemary", "Elson", "Hardway", "Lee-on-the-Solent",
        "Rowner",
    ),
    "Southampton": ("Bitterne", "Portswood", "Shirley", "Woolston"),
    "Eastleigh": (
        "Bishopstoke", "Chandler's Ford", "Fair Oak", "Hamble", "Hedge End",
        "Netley", "West End",
    ),
    "Winchester": ("Bishop's Waltham", "Denmead", "New Alresford", "Wickham"),
    "East Hampshire": (
        "Alton", "Bordon", "Clanfield", "Horndean", "Liphook", "Petersfield",
    ),
    "Isle of Wight": (
        "Cowes", "East Cowes", "Newport", "Ryde", "Sandown", "Shanklin",
        "Ventnor",
    ),
    "New Forest": (
        "Fordingbridge", "Hythe", "Lymington", "New Milton", "Ringwood", "Totton",
    ),
    "Test Valley": ("Andover", "Romsey"),
    "Basingstoke and Deane": ("Basingstoke", "Tadley"),
    "Rushmoor": ("Aldershot", "Farnborough"),
    "Hart": ("Fleet", "Hook", "Yateley"),
    "Chichester": ("Bosham", "Selsey", "Southbourne"),
}  # fmt: skip
# Trailing address parts that name no town ("..., Southsea, Hants").
_REGIONS = frozenset({"hampshire", "hants", "england", "uk", "united kingdom"})

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
    postcode or county, "Hants", is dropped first); the street is the first
    remaining part that is not a flat/unit or a bare number, without a leading
    house number,
    "outside"/"opposite"/"junction of" words or a second street ("A and B").
    Missing input gives ("", None).
    """
    if is_missing(text) or not isinstance(text, str):
        return ("", None)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    while len(parts) >= 2 and (
        normalise_postcode(parts[-1]) is not None or _simple_key(parts[-1]) in _REGIONS
    ):
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


def _town_districts() -> dict[str, str]:
    """Town key -> district display name, from :data:`DISTRICT_LOCALITIES`."""
    districts = {}
    for district, localities in DISTRICT_LOCALITIES.items():
        for name in (district, *localities):
            districts[_simple_key(name)] = district
    return districts


_DISTRICT_BY_TOWN = _town_districts()


def district_of(town: Any) -> str | None:
    """The district a town or locality is in ("Southsea" -> "Portsmouth"), or None."""
    key = normalise_town(town)
    return None if key is None else _DISTRICT_BY_TOWN.get(key)


def street_name_and_type(key: str) -> tuple[str, str]:
    """Split a street key into its name and its type words.

    The type is the last :data:`STREET_TYPES` word after the first word, with
    any direction after it: "victoria road south" -> ("victoria", "road
    south"), "the vale" -> ("the vale", ""), "high street" -> ("high",
    "street").
    """
    words = key.split()
    end = len(words)
    while end > 1 and words[end - 1] in _DIRECTIONS:
        end -= 1
    if end > 1 and words[end - 1] in STREET_TYPES:
        return " ".join(words[: end - 1]), " ".join(words[end - 1 :])
    return key, ""


#: Shortest name (letters, spaces ignored) in which one swapped or doubled
#: letter is taken as a typo; shorter names differ in too few letters to tell.
MIN_SLIP_LETTERS = 6
#: Shortest name in which one dropped letter is taken as a typo. Dropped
#: letters are how real names differ most ("Porchester", "Portchester"), so
#: they are accepted only in longer names.
MIN_DROP_LETTERS = 8
#: Letters at the start of a name that a variant must share.
SHARED_PREFIX = 2


def _is_word_final_s(text: str, position: int) -> bool:
    """Whether ``text[position]`` is an "s" that ends a word (plural/genitive)."""
    return text[position] == "s" and (
        position == len(text) - 1 or text[position + 1] == " "
    )


def _is_slip(
    query: str,
    name: str,
    min_letters: int = MIN_SLIP_LETTERS,
    min_drop_letters: int = MIN_DROP_LETTERS,
) -> bool:
    """Whether ``query`` is ``name`` with one typing slip.

    A slip is two neighbouring letters swapped, a letter doubled, or (in names
    of ``min_drop_letters`` letters or more) a letter dropped, in a name of at
    least ``min_letters`` letters. Adding or dropping a word-final "s"
    is not a slip: "Mill Road" and "Mills Road", "St James Road" and "St
    James's Road" are different streets. A changed letter is not a slip
    either: "Sherfield" and "Sheffield" are different names.
    """
    letters = len(name.replace(" ", ""))
    if letters < min_letters:
        return False
    if len(query) == len(name):
        diff = [i for i, (a, b) in enumerate(zip(query, name, strict=True)) if a != b]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and query[diff[0]] == name[diff[1]] != " "
            and query[diff[1]] == name[diff[0]] != " "
        )
    if len(query) == len(name) + 1:
        added = [i for i in range(len(query)) if query[:i] + query[i + 1 :] == name]
        return bool(added) and not any(
            query[i] == " "
            or _is_word_final_s(query, i)
            or query[i] not in (query[i - 1 : i], query[i + 1 : i + 2])
            for i in added
        )
    if len(query) + 1 == len(name) and letters >= min_drop_letters:
        dropped = [i for i in range(len(name)) if name[:i] + name[i + 1 :] == query]
        return bool(dropped) and not any(
            name[i] == " "
            or _is_word_final_s(name, i)
            or name[i] in (name[i - 1 : i], name[i + 1 : i + 2])
            for i in dropped
        )
    return False


#: Shortest type word in which a swap or doubled letter is recognised ("Raod"),
#: and in which a dropped letter is ("Steet"); the name must then be exact.
MIN_TYPE_LETTERS = 4
MIN_TYPE_DROP_LETTERS = 5


def spelling_difference(query: str, name: str) -> str | None:
    """Why street key ``name`` is not a spelling of ``query``, or None if it is.

    Keys are :func:`normalise_street` output, so case, punctuation,
    apostrophes and "St"/"Rd"-style abbreviations already agree. A variant
    may also differ in spacing ("Market Way", "Marketway"), or by one typing
    slip (:func:`_is_slip`): in the name, or in the type word when the name is
    the same ("West Streeet"). Anything else is a different name: a different
    type ("Albert Grove" is not "Albert Road", "Victoria Road" is not
    "Victoria Road South"), different first letters (:data:`SHARED_PREFIX`;
    "Belton" is not "Melton"), or any other edit ("Belmont" is not "Belton").

    Returns
    -------
    str or None
        None for a variant, else "a different street type", "different first
        letters" or "a different name".
    """
    if query.replace(" ", "") == name.replace(" ", ""):
        return None
    query_name, query_type = street_name_and_type(query)
    name_name, name_type = street_name_and_type(name)
    type_slip = False
    if query_type != name_type:
        head, _, last = query.rpartition(" ")
        type_slip = (
            not query_type
            and bool(head)
            and " " not in name_type
            and _is_slip(last, name_type, MIN_TYPE_LETTERS, MIN_TYPE_DROP_LETTERS)
        )
        if not type_slip:
            return "a different street type"
        query_name = head
    squashed_query = query_name.replace(" ", "")
    squashed_name = name_name.replace(" ", "")
    if squashed_query == squashed_name:
        return None
    if squashed_query[:SHARED_PREFIX] != squashed_name[:SHARED_PREFIX]:
        return "different first letters"
    if type_slip or not _is_slip(query_name, name_name):
        return "a different name"
    return None
