"""Street-name geocoding against a gazetteer built from police.uk snap points.

police.uk publishes every crime at an anonymised "snap point" with a label
such as "On or near Albert Road"; snap points sit on street centres. Grouping
them by street name (and town) gives an offline gazetteer: each street is
located at the member snap point nearest to the group's centroid, so the
location lies on the street, and ``spread_m`` says how long a stretch of street
(or how many same-named streets) the name covers.

Queries are normalised the same way as the gazetteer (case, punctuation,
"Rd" -> "road" ...; see :mod:`hotspots.geocode.street_names`) and matched
exactly first. Otherwise the one street that is a spelling variant of the query
(:func:`~hotspots.geocode.street_names.spelling_difference`: spacing, or one
typing slip in a long name; never different first letters, a different street
type or a changed short name) is taken; none, or more than one, is a rejection.
A given town must be one of the gazetteer's towns or a locality of one
(:data:`~hotspots.geocode.street_names.DISTRICT_LOCALITIES`), else the row is
rejected: a wrong place is worse than a rejected row. Each distinct
(street, town) query is resolved once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from hotspots.errors import InvalidParameterError
from hotspots.geocode._common import as_series, is_missing, map_unique, object_column
from hotspots.geocode.street_names import (
    SHARED_PREFIX,
    _is_category,
    _tidy_display,
    district_of,
    is_non_street,
    normalise_street,
    normalise_town,
    spelling_difference,
    strip_police_prefix,
)

__all__ = [
    "DEFAULT_MIN_SCORE",
    "StreetGazetteer",
]

DEFAULT_MIN_SCORE = 85.0
EXACT_SCORE = 100.0
# Beyond this spread a street name covers a long road or several same-named
# streets, and the single location is only indicative.
SPREAD_NOTE_M = 1_000.0
NO_TOWN = ""  # town key of points without a town, while grouping
QUERY_SLOT = "<street>"  # in cached error texts, replaced by the query

STREET_COLUMNS = [
    "street",
    "town",
    "street_key",
    "town_key",
    "easting_m",
    "northing_m",
    "n_points",
    "spread_m",
]
GEOCODE_COLUMNS = [
    "easting_m",
    "northing_m",
    "score",
    "matched_street",
    "matched_town",
    "spread_m",
    "error",
    "note",
]


@dataclass(frozen=True)
class _Match:
    """The answer to one distinct (street, town) query."""

    easting_m: float = np.nan
    northing_m: float = np.nan
    score: float = np.nan
    matched_street: str | None = None
    matched_town: str | None = None
    spread_m: float = np.nan
    error: str | None = None
    note: str | None = None


def _join_notes(notes: Iterable[str]) -> str | None:
    """Notes as one sentence list, or None."""
    text = "; ".join(notes)
    return text or None


def _labels(values: Any, n_rows: int, what: str) -> pd.Series:
    """Optional per-row labels (towns): None, a scalar or an array of n_rows."""
    if values is None or np.ndim(values) == 0:
        return pd.Series([values] * n_rows, dtype=object)
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    if len(series) != n_rows:
        raise InvalidParameterError(
            f"{what} has {len(series)} values for {n_rows} rows"
        )
    return series


class StreetGazetteer:
    """Street locations (EPSG:27700) looked up by street name and optional town.

    Parameters
    ----------
    streets : DataFrame
        One row per (street, town): the columns of :data:`STREET_COLUMNS`, as
        made by :meth:`from_points`.
    skipped : dict of str to int, optional
        Labels left out as non-streets, with their point counts (for reports).
    """

    def __init__(
        self, streets: pd.DataFrame, *, skipped: dict[str, int] | None = None
    ) -> None:
        missing = [column for column in STREET_COLUMNS if column not in streets]
        if missing:
            raise InvalidParameterError(f"street table lacks column(s) {missing}")
        self._streets = streets.loc[:, STREET_COLUMNS].reset_index(drop=True)
        self.skipped: dict[str, int] = dict(skipped or {})
        self._rows_by_key: dict[str, list[int]] = {}
        self._keys_by_town: dict[str, list[str]] = {}
        self._key_sets_by_town: dict[str, set[str]] = {}
        self._town_names: dict[str, str] = {}
        keys = self._streets["street_key"].tolist()
        town_keys = self._streets["town_key"].tolist()
        towns = self._streets["town"].tolist()
        for row, (key, town_key, town) in enumerate(
            zip(keys, town_keys, towns, strict=True)
        ):
            self._rows_by_key.setdefault(key, []).append(row)
            if town_key is not None:
                self._keys_by_town.setdefault(town_key, []).append(key)
                self._key_sets_by_town.setdefault(town_key, set()).add(key)
                self._town_names.setdefault(town_key, town)
        self._all_keys = list(self._rows_by_key)
        self._keys_by_prefix: dict[str, list[str]] = {}
        for key in self._all_keys:
            self._keys_by_prefix.setdefault(_prefix(key), []).append(key)

    @classmethod
    def from_points(
        cls,
        names: Any,
        easting_m: Any,
        northing_m: Any,
        towns: Any = None,
    ) -> StreetGazetteer:
        """Build the gazetteer from police.uk snap points.

        Parameters
        ----------
        names : Series or array-like of str
            Location labels, with or without "On or near ". Place categories
            (:func:`is_non_street`) and blanks are skipped.
        easting_m, northing_m : array-like of float
            Snap point coordinates, EPSG:27700. Rows with missing ones are skipped.
        towns : array-like of str, optional
            Town of each point (e.g. the LSOA name without its code). Streets
            are grouped by (normalised name, town).

        Returns
        -------
        StreetGazetteer
            One entry per (street, town), located at the distinct snap point
            nearest to the centroid of the group's distinct snap points, with
            ``n_points`` (distinct snap points) and ``spread_m`` (largest
            distance from the location to a member point).
        """
        points = _points_frame(names, easting_m, northing_m, towns)
        category = points["name"].map(is_non_street)
        skipped = points.loc[category, "name"].value_counts()
        points = points.loc[~category]
        return cls(
            _group_streets(points), skipped={str(k): int(v) for k, v in skipped.items()}
        )

    @property
    def streets(self) -> pd.DataFrame:
        """A copy of the street table (:data:`STREET_COLUMNS`)."""
        return self._streets.copy()

    @property
    def towns(self) -> list[str]:
        """Display names of the towns the gazetteer knows, sorted."""
        return sorted(self._town_names.values())

    def __len__(self) -> int:
        return len(self._streets)

    def __repr__(self) -> str:
        return f"StreetGazetteer({len(self)} streets in {len(self.towns)} towns)"

    def geocode(
        self, streets: Any, towns: Any = None, *, min_score: float = DEFAULT_MIN_SCORE
    ) -> pd.DataFrame:
        """Locate street names, one row per input, without raising.

        Parameters
        ----------
        streets : Series or array-like of str
            Street names ("Albert Rd", "On or near Albert Road").
        towns : str or array-like of str, optional
            Town per row (or one for all). It must be one of the gazetteer's
            towns or a locality of one ("Southsea" for "Portsmouth"), and limits
            the search to that town; any other town rejects the row.
        min_score : float
            Lowest similarity (rapidfuzz ``token_sort_ratio``, 0..100) accepted
            for a spelling variant that is not an exact match.

        Returns
        -------
        DataFrame
            :data:`GEOCODE_COLUMNS` on the input's index: location (EPSG:27700),
            ``score`` (100 = exact after normalisation), the matched street and
            town, its ``spread_m``, ``error`` (None or the reason, naming the
            input) and ``note`` (None or remarks).
        """
        street_series = as_series(streets)
        town_series = _labels(towns, len(street_series), "towns")
        street_codes, street_uniques = pd.factorize(
            street_series, use_na_sentinel=False
        )
        town_codes, town_uniques = pd.factorize(town_series, use_na_sentinel=False)
        n_towns = max(len(town_uniques), 1)
        pair_codes, pairs = pd.factorize(
            street_codes.astype(np.int64) * n_towns + town_codes
        )
        cache: dict[tuple[str | None, str | None], _Match] = {}
        matches = []
        for pair in pairs:
            street = street_uniques[pair // n_towns]
            town = town_uniques[pair % n_towns]
            matches.append(self._resolve(street, town, min_score, cache))
        return _matches_frame(matches, pair_codes, street_series.index)

    def _resolve(
        self,
        street: Any,
        town: Any,
        min_score: float,
        cache: dict[tuple[str | None, str | None], _Match],
    ) -> _Match:
        """Answer one distinct raw query (names the raw input in messages)."""
        if is_missing(street):
            return _Match(error="no street given")
        if not isinstance(street, str):
            return _Match(error=f"street name must be text, not {street!r}")
        if _is_category(street):
            return _Match(
                error=f"{_quoted(street)} is a police.uk place category, not a street"
            )
        key = normalise_street(street)
        if key is None:
            return _Match(error=f"no street name in {_quoted(street)}")
        town_key, town_error = self._town_scope(town)
        if town_error is not None:
            return _Match(error=town_error)
        cache_key = (key, town_key)
        if cache_key not in cache:
            cache[cache_key] = self._match_key(key, town_key, min_score)
        match = cache[cache_key]
        if match.error is not None:
            return _Match(error=match.error.replace(QUERY_SLOT, _quoted(street)))
        return _Match(**{**match.__dict__, "note": _join_notes(_note(match))})

    def _town_scope(self, town: Any) -> tuple[str | None, str | None]:
        """The gazetteer town key a given town limits the search to, or an error.

        No town: (None, None), search everywhere. A gazetteer town, or a
        locality of one's district ("Southsea" -> "Portsmouth"): its key. Any
        other town: (None, reason), as the street cannot be confirmed there.
        """
        town_key = normalise_town(town)
        if town_key is None:
            return None, None
        if town_key in self._keys_by_town:
            return town_key, None
        district = district_of(town)
        district_key = normalise_town(district)
        if district_key in self._keys_by_town:
            return district_key, None
        if not self._town_names:
            return None, (
                f"town {_quoted(town)} cannot be checked: the gazetteer has no towns"
            )
        area = ", ".join(self.towns)
        if district is None:
            return None, (
                f"town {_quoted(town)} is not a known town of the gazetteer's "
                f"area ({area})"
            )
        return None, f"town {_quoted(town)} is outside the gazetteer's area ({area})"

    def _match_key(self, key: str, town_key: str | None, min_score: float) -> _Match:
        """Resolve a normalised key; error texts hold :data:`QUERY_SLOT`."""
        where = "" if town_key is None else f" in {self._town_names[town_key]}"
        in_town = town_key is None or key in self._key_sets_by_town[town_key]
        if key in self._rows_by_key and in_town:
            matched_key, score = key, EXACT_SCORE
        else:
            variants = [
                candidate
                for candidate in self._keys_by_prefix.get(_prefix(key), [])
                if (town_key is None or candidate in self._key_sets_by_town[town_key])
                and spelling_difference(key, candidate) is None
            ]
            if len(variants) > 1:
                names = " and ".join(_quoted(self._display(v)) for v in variants[:3])
                return _Match(
                    error=f"{QUERY_SLOT}{where} could be {len(variants)} streets "
                    f"({names}): ambiguous"
                )
            if not variants:
                return _Match(error=self._no_match_message(key, town_key, where))
            matched_key = variants[0]
            score = float(fuzz.token_sort_ratio(key, matched_key, processor=None))
            if score < min_score:
                return _Match(
                    error=f"no street in the gazetteer matches {QUERY_SLOT}{where} "
                    f"closely enough (best {_quoted(self._display(matched_key))}, "
                    f"score {score:.1f} < {min_score:g})"
                )
        rows = self._rows_by_key[matched_key]
        if town_key is not None:
            rows = [
                row for row in rows if self._streets.at[row, "town_key"] == town_key
            ]
        if len(rows) > 1:
            towns = ", ".join(sorted(str(self._streets.at[r, "town"]) for r in rows))
            return _Match(
                error=f"{QUERY_SLOT} is a street in {len(rows)} towns ({towns}); "
                "give a town"
            )
        entry = self._streets.iloc[rows[0]]
        return _Match(
            easting_m=float(entry["easting_m"]),
            northing_m=float(entry["northing_m"]),
            score=score,
            matched_street=str(entry["street"]),
            matched_town=None if pd.isna(entry["town"]) else str(entry["town"]),
            spread_m=float(entry["spread_m"]),
        )

    def _no_match_message(self, key: str, town_key: str | None, where: str) -> str:
        """'no street ... matches "X" closely enough (best "Y", a different name)'."""
        candidates = (
            self._all_keys if town_key is None else self._keys_by_town[town_key]
        )
        best = process.extractOne(
            key, candidates, scorer=fuzz.token_sort_ratio, processor=None
        )
        if best is None:
            return (
                f"no street in the gazetteer matches {QUERY_SLOT}{where} "
                "(the gazetteer is empty)"
            )
        why = spelling_difference(key, best[0])
        return (
            f"no street in the gazetteer matches {QUERY_SLOT}{where} closely enough "
            f"(best {_quoted(self._display(best[0]))}, {why})"
        )

    def _display(self, key: str) -> str:
        """Display name of a street key (its first entry)."""
        return str(self._streets.at[self._rows_by_key[key][0], "street"])


def _quoted(text: Any) -> str:
    """A street or town for a message, in double quotes (names hold apostrophes)."""
    return f'"{text}"'


def _prefix(key: str) -> str:
    """The first letters of a key, spaces ignored: variants share them."""
    return key.replace(" ", "")[:SHARED_PREFIX]


def _note(match: _Match) -> list[str]:
    """Remarks on a successful match."""
    if match.spread_m > SPREAD_NOTE_M:
        return [
            f"{_quoted(match.matched_street)} covers snap points up to "
            f"{match.spread_m:.0f} m apart from its location (a long street or "
            "several with this name)"
        ]
    return []


def _matches_frame(
    matches: list[_Match], codes: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    """Expand per-query answers to one row per input."""
    numbers = np.array(
        [(m.easting_m, m.northing_m, m.score, m.spread_m) for m in matches],
        dtype="float64",
    ).reshape(-1, 4)
    columns: dict[str, Any] = {
        "easting_m": numbers[codes, 0],
        "northing_m": numbers[codes, 1],
        "score": numbers[codes, 2],
    }
    for name in ("matched_street", "matched_town"):
        columns[name] = object_column([getattr(m, name) for m in matches], codes, index)
    columns["spread_m"] = numbers[codes, 3]
    for name in ("error", "note"):
        columns[name] = object_column([getattr(m, name) for m in matches], codes, index)
    return pd.DataFrame(columns, index=index)


def _points_frame(
    names: Any, easting_m: Any, northing_m: Any, towns: Any
) -> pd.DataFrame:
    """Snap points with cleaned names and town keys; unusable rows dropped."""
    name_series = as_series(names)
    n_rows = len(name_series)
    points = pd.DataFrame(
        {
            "raw": name_series.to_numpy(dtype=object),
            "easting_m": pd.to_numeric(
                pd.Series(np.asarray(easting_m, dtype=object)), errors="coerce"
            ).to_numpy(dtype="float64"),
            "northing_m": pd.to_numeric(
                pd.Series(np.asarray(northing_m, dtype=object)), errors="coerce"
            ).to_numpy(dtype="float64"),
            "town_raw": _labels(towns, n_rows, "towns").to_numpy(),
        }
    )
    codes, cleaned = map_unique(
        points["raw"], lambda v: None if is_missing(v) else strip_police_prefix(str(v))
    )
    points["name"] = object_column(cleaned, codes, points.index)
    codes, keys = map_unique(points["name"], normalise_street)
    points["street_key"] = object_column(keys, codes, points.index)
    codes, town_keys = map_unique(points["town_raw"], normalise_town)
    points["town_key"] = object_column(town_keys, codes, points.index)
    usable = points["street_key"].notna() & points[
        ["easting_m", "northing_m"]
    ].notna().all(axis=1)
    return points.loc[usable].reset_index(drop=True)


def _group_streets(points: pd.DataFrame) -> pd.DataFrame:
    """One row per (street key, town key): location, n_points, spread_m."""
    points = points.assign(town_key=points["town_key"].fillna(NO_TOWN))
    group = points.groupby(["street_key", "town_key"], sort=True).ngroup()
    labels = points.groupby(group).agg(
        street_key=("street_key", "first"),
        town_key=("town_key", "first"),
        street=("name", _most_common_name),
    )
    town_names = points.groupby("town_key")["town_raw"].agg(_first_town)
    distinct = points.assign(group=group).drop_duplicates(
        ["group", "easting_m", "northing_m"]
    )
    location = _nearest_to_centroid(distinct)
    offset_e = distinct["easting_m"] - distinct["group"].map(location["easting_m"])
    offset_n = distinct["northing_m"] - distinct["group"].map(location["northing_m"])
    to_location_m = np.hypot(offset_e, offset_n).groupby(distinct["group"])
    streets = labels.join(location).assign(
        n_points=to_location_m.size(), spread_m=to_location_m.max()
    )
    no_town = streets["town_key"].eq(NO_TOWN)
    streets["town"] = streets["town_key"].map(town_names).astype(object)
    streets["town"] = streets["town"].where(~no_town & streets["town"].notna(), None)
    streets["town_key"] = streets["town_key"].astype(object).where(~no_town, None)
    return streets.reset_index(drop=True).loc[:, STREET_COLUMNS]


def _nearest_to_centroid(distinct: pd.DataFrame) -> pd.DataFrame:
    """Per group, the member point nearest to the centroid of the members."""
    by_group = distinct.groupby("group")
    to_centre_m = np.hypot(
        distinct["easting_m"] - by_group["easting_m"].transform("mean"),
        distinct["northing_m"] - by_group["northing_m"].transform("mean"),
    )
    nearest_rows = to_centre_m.groupby(distinct["group"]).idxmin()
    chosen = distinct.loc[nearest_rows.to_numpy(), ["easting_m", "northing_m"]]
    return chosen.set_axis(nearest_rows.index, axis=0)


def _most_common_name(names: pd.Series) -> str:
    """The spelling used most often in a group (ties: the longest), for display."""
    counts = names.value_counts()
    best = max(counts.index, key=lambda name: (counts[name], len(name), name))
    return _tidy_display(str(best))


def _first_town(towns: pd.Series) -> str | None:
    """Display name of a group's town: the most common spelling, stripped."""
    given = towns.dropna()
    if given.empty:
        return None
    return " ".join(str(given.value_counts().index[0]).split())
