"""Offline geocoding: grid references, postcodes, coordinates and street names.

Everything here is pure and vectorised: functions take Series/arrays and return
new DataFrames with one row per input, an ``error`` column (None or the reason,
naming the value) instead of raising, and each distinct input resolved once.
The only file reading is :meth:`PostcodeIndex.from_codepoint_csv`.
"""

from __future__ import annotations

from hotspots.geocode.coords import COORDINATE_COLUMNS, check_bng, check_lonlat
from hotspots.geocode.gridref import (
    GridReference,
    parse_grid_reference,
    parse_grid_references,
)
from hotspots.geocode.postcode import (
    CODEPOINT_SOURCE,
    PostcodeIndex,
    normalise_postcode,
    normalise_postcodes,
)
from hotspots.geocode.quality import GeocodeQuality
from hotspots.geocode.street import DEFAULT_MIN_SCORE, StreetGazetteer
from hotspots.geocode.street_names import (
    NON_STREET_NAMES,
    is_non_street,
    normalise_street,
    split_street_town,
    split_street_towns,
    strip_police_prefix,
)

__all__ = [
    "CODEPOINT_SOURCE",
    "COORDINATE_COLUMNS",
    "DEFAULT_MIN_SCORE",
    "NON_STREET_NAMES",
    "GeocodeQuality",
    "GridReference",
    "PostcodeIndex",
    "StreetGazetteer",
    "check_bng",
    "check_lonlat",
    "is_non_street",
    "normalise_postcode",
    "normalise_postcodes",
    "normalise_street",
    "parse_grid_reference",
    "parse_grid_references",
    "split_street_town",
    "split_street_towns",
    "strip_police_prefix",
]
