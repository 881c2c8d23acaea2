"""UK postcodes: normalisation, format check and lookup of postcode centroids.

Incident records often carry only a postcode. A unit postcode covers about
fifteen addresses, so its Code-Point Open centroid is a good-enough location
for hotspot mapping. Lookups are done once per distinct postcode and joined
back, so a million rows cost one table look-up per distinct value.
"""

from __future__ import annotations

import re
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import InvalidParameterError
from hotspots.geocode._common import as_series, is_missing, map_unique, object_column

__all__ = [
    "CODEPOINT_SOURCE",
    "PostcodeIndex",
    "normalise_postcode",
    "normalise_postcodes",
]

CODEPOINT_SOURCE = "Code-Point Open 2014"
# Column order of the Code-Point Open CSV files (the originals have no header).
CODEPOINT_COLUMNS = [
    "Postcode",
    "Positional_quality_indicator",
    "Eastings",
    "Northings",
    "Country_code",
    "NHS_regional_HA_code",
    "NHS_HA_code",
    "Admin_county_code",
    "Admin_district_code",
    "Admin_ward_code",
]
# Positional quality 90: no coordinates (Code-Point then gives E/N as 0).
QUALITY_NO_COORDINATES = "90"
INWARD_LENGTH = 3
REQUIRED_COLUMNS = ("postcode", "easting_m", "northing_m")
OPTIONAL_COLUMNS = ("ward_code", "district_code")

# Royal Mail's letter rules (as in the UK government data standard), per shape:
# A9, A99, AA9, AA99, A9A, AA9A; inward 9AA; plus the special GIR 0AA.
_FIRST = "[A-PR-UWYZ]"
_SECOND = "[A-HK-Y]"
_OUTWARD = re.compile(
    rf"^(?:{_FIRST}[0-9]{{1,2}}|{_FIRST}{_SECOND}[0-9]{{1,2}}"
    rf"|{_FIRST}[0-9][A-HJKPSTUW]|{_FIRST}{_SECOND}[0-9][ABEHMNPRVWXY])$"
)
_INWARD = re.compile(r"^[0-9][ABD-HJLNP-UW-Z]{2}$")
#: The postcode area: the letters an outward code starts with ("PO" of "PO1").
_AREA = re.compile(r"^([A-Z]{1,2})")
#: More postcode areas than this are counted, not listed, in "not found" errors.
MAX_AREAS_LISTED = 8
_SPECIAL = frozenset({"GIR0AA"})


def normalise_postcode(text: Any) -> str | None:
    """Return a postcode in the standard form "PO1 2AB", or None if it is not one.

    Case and spaces do not matter ("po12ab", " PO1  2AB" -> "PO1 2AB"); the
    outward code must have one of the six UK shapes (A9, A99, A9A, AA9, AA99,
    AA9A) and the inward code the shape 9AA, with Royal Mail's letter rules.
    """
    if not isinstance(text, str):
        return None
    compact = re.sub(r"\s+", "", text).upper()
    if compact in _SPECIAL:
        return f"{compact[:-INWARD_LENGTH]} {compact[-INWARD_LENGTH:]}"
    outward, inward = compact[:-INWARD_LENGTH], compact[-INWARD_LENGTH:]
    if _OUTWARD.match(outward) and _INWARD.match(inward):
        return f"{outward} {inward}"
    return None


def normalise_postcodes(texts: Any) -> pd.Series:
    """Vectorised :func:`normalise_postcode` (once per distinct value).

    Returns an object Series on the input's index, None where invalid.
    """
    series = as_series(texts)
    codes, keys = map_unique(series, normalise_postcode)
    return object_column(keys, codes, series.index)


def _invalid_reason(text: Any) -> str:
    """Why a non-missing value is not a postcode (names the value)."""
    compact = re.sub(r"\s+", "", text).upper() if isinstance(text, str) else ""
    if _OUTWARD.match(compact):
        return f"not a valid UK postcode: {text!r} (only the outward code)"
    return f"not a valid UK postcode: {text!r}"


class PostcodeIndex:
    """Postcode centroids (EPSG:27700 metres), looked up by normalised postcode.

    Parameters
    ----------
    table : DataFrame
        Columns ``postcode``, ``easting_m``, ``northing_m`` and optionally
        ``ward_code`` and ``district_code``. Postcodes are normalised; rows
        without usable coordinates (missing or (0, 0)) are dropped and counted
        in :attr:`n_without_coordinates`, so such postcodes are "not found".
    source : str
        Name of the table, quoted in "not in the lookup table" errors, which
        also say which postcode areas (:attr:`areas`) the table covers.

    Raises
    ------
    InvalidParameterError
        If a required column is missing.
    """

    def __init__(self, table: pd.DataFrame, *, source: str = CODEPOINT_SOURCE) -> None:
        missing = [column for column in REQUIRED_COLUMNS if column not in table]
        if missing:
            raise InvalidParameterError(
                f"postcode table lacks column(s) {missing}; has {list(table.columns)}"
            )
        self.source = source
        columns = [*REQUIRED_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in table)]
        frame = table.loc[:, columns].copy()
        frame["postcode"] = normalise_postcodes(frame["postcode"]).to_numpy()
        self.n_invalid_postcodes = int(frame["postcode"].isna().sum())
        frame = frame.dropna(subset=["postcode"])
        for column in ("easting_m", "northing_m"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        no_coordinates = (
            frame["easting_m"].isna()
            | frame["northing_m"].isna()
            | ((frame["easting_m"] == 0) & (frame["northing_m"] == 0))
        )
        self.n_without_coordinates = int(no_coordinates.sum())
        frame = frame.loc[~no_coordinates]
        self.n_duplicates = int(frame["postcode"].duplicated().sum())
        frame = frame.drop_duplicates(subset="postcode", keep="first")
        self._table = frame.set_index("postcode")
        #: Postcode areas ("PO", "SO", ...) the table has postcodes in, sorted.
        self.areas: tuple[str, ...] = tuple(
            sorted(self._table.index.str.extract(_AREA.pattern, expand=False).unique())
        )

    @classmethod
    def from_codepoint_csv(
        cls, path: str | PathLike[str], *, source: str = CODEPOINT_SOURCE
    ) -> PostcodeIndex:
        """Read an OS Code-Point Open CSV (with or without its header row).

        Rows with positional quality 90 (no coordinates) are dropped.
        """
        header = pd.read_csv(path, nrows=0).columns
        has_header = "Postcode" in header
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            header=0 if has_header else None,
            names=None if has_header else CODEPOINT_COLUMNS,
        )
        quality = raw["Positional_quality_indicator"].str.strip()
        table = pd.DataFrame(
            {
                "postcode": raw["Postcode"],
                "easting_m": pd.to_numeric(raw["Eastings"], errors="coerce"),
                "northing_m": pd.to_numeric(raw["Northings"], errors="coerce"),
                "ward_code": raw["Admin_ward_code"].replace("", None),
                "district_code": raw["Admin_district_code"].replace("", None),
            }
        )
        table.loc[quality == QUALITY_NO_COORDINATES, ["easting_m", "northing_m"]] = (
            np.nan
        )
        return cls(table, source=source)

    @property
    def table(self) -> pd.DataFrame:
        """A copy of the lookup table, indexed by normalised postcode."""
        return self._table.copy()

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, postcode: object) -> bool:
        key = normalise_postcode(postcode)
        return key is not None and key in self._table.index

    def lookup(self, postcodes: Any) -> pd.DataFrame:
        """Look up postcode centroids, one row per input, without raising.

        Parameters
        ----------
        postcodes : Series or array-like of str
            Postcodes in any case and spacing.

        Returns
        -------
        DataFrame
            ``postcode`` (normalised, None if invalid), ``easting_m``,
            ``northing_m`` (NaN when not found), the optional ``ward_code`` /
            ``district_code`` columns of the table, and ``error``: None, "no
            postcode given", "not a valid UK postcode: ..." or "postcode not in
            the lookup table (...): ...". On the input's index.
        """
        series = as_series(postcodes)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        keys = [normalise_postcode(value) for value in uniques]
        errors = [
            self._error(value, key) for value, key in zip(uniques, keys, strict=True)
        ]
        # Row len(uniques) stands for missing input (factorize code -1).
        keys.append(None)
        errors.append("no postcode given")
        codes = np.where(codes < 0, len(uniques), codes)
        found = self._table.reindex(pd.Index(keys, dtype=object))
        result = pd.DataFrame(
            {
                "postcode": object_column(keys, codes, series.index),
                "easting_m": found["easting_m"].to_numpy(dtype="float64")[codes],
                "northing_m": found["northing_m"].to_numpy(dtype="float64")[codes],
            },
            index=series.index,
        )
        for column in OPTIONAL_COLUMNS:
            if column in found:
                values = found[column].astype(object).where(found[column].notna(), None)
                result[column] = object_column(list(values), codes, series.index)
        result["error"] = object_column(errors, codes, series.index)
        return result

    def _error(self, value: Any, key: str | None) -> str | None:
        """The lookup error for one distinct input value, or None if found."""
        if is_missing(value):
            return "no postcode given"
        if key is None:
            return _invalid_reason(value)
        if key not in self._table.index:
            return (
                f"postcode not in the lookup table ({self.source}): {key!r} "
                f"({self._coverage(key)})"
            )
        return None

    def _coverage(self, key: str) -> str:
        """Which postcode areas the table covers, so the user knows what to load.

        A postcode in a covered area is missing from the table itself (newer
        than the table, or mistyped); one outside them needs another table.
        """
        area = match.group() if (match := _AREA.match(key)) else key
        if not self.areas:
            return "the table is empty"
        if len(self.areas) > MAX_AREAS_LISTED:
            listed = f"{len(self.areas)} postcode areas"
        elif len(self.areas) == 1:
            listed = self.areas[0]
        else:
            listed = f"{', '.join(self.areas[:-1])} and {self.areas[-1]}"
        if area in self.areas:
            return f"the table covers {listed}, but not this postcode"
        return f"the table covers {listed} only, not {area}"

    def __repr__(self) -> str:
        return f"PostcodeIndex({len(self)} postcodes from {self.source})"
