"""The partnership's priorities as data: parse, validate and select incidents.

A priority (``hotspots/data/priorities.toml``, or an area pack's own
``priorities.toml``) names its themes, source categories and flags; an incident
belongs to it when it matches ANY of them (:class:`~hotspots.store.base.
PriorityMatch`, which every store turns into SQL). Sub-layers are parts of a
priority shown on their own; a co-location block asks for the county lines
layer. A bad file is one error naming the file, the priority and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.areas.pack import AreaPack
from hotspots.disclosure import SENSITIVE_FLAGS
from hotspots.errors import HotspotError
from hotspots.schema import FLAG_COLUMNS, Theme
from hotspots.store.base import PriorityMatch

__all__ = [
    "PRIORITIES_FILE",
    "Colocation",
    "Population",
    "PrioritiesError",
    "Priority",
    "PriorityBook",
    "SubLayer",
    "load_priorities",
    "match_frame",
    "parse_priorities",
]

#: The file name, in ``hotspots/data`` and in an area pack's folder.
PRIORITIES_FILE = "priorities.toml"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PrioritiesError(HotspotError):
    """A priorities file is malformed (the message names the file and field)."""


@dataclass(frozen=True)
class SubLayer:
    """Part of a priority shown on its own (e.g. domestic abuse in violence)."""

    id: str
    name: str
    match: PriorityMatch
    missing_flags: tuple[str, ...]  # flags no stored source can carry

    @property
    def sensitive(self) -> bool:
        """True when its flags are sensitive ones (shown only from 5 up)."""
        return any(f in SENSITIVE_FLAGS for f in self.match.flags)


@dataclass(frozen=True)
class Colocation:
    """Cells where several sub-layers concentrate together (county lines)."""

    name: str
    components: tuple[str, ...]  # sub-layer ids
    cell_size_m: float = 250.0
    top_share: float = 0.1
    min_components: int = 2


@dataclass(frozen=True)
class Priority:
    """One priority: what it covers, its sub-layers and any co-location layer."""

    id: str
    name: str
    description: str
    match: PriorityMatch
    missing_flags: tuple[str, ...]  # flags named that no stored source can carry
    sublayers: tuple[SubLayer, ...] = ()
    colocation: Colocation | None = None

    def sublayer(self, sub_id: str) -> SubLayer:
        """The sub-layer called ``sub_id`` (KeyError naming the valid ones)."""
        for s in self.sublayers:
            if s.id == sub_id:
                return s
        raise KeyError(f"{self.id} has no sub-layer {sub_id!r}")


@dataclass(frozen=True)
class Population:
    """Residents per ward, from a file the area pack names, with its source."""

    by_ward: Mapping[str, int]
    source: str
    year: str


@dataclass(frozen=True)
class PriorityBook:
    """The priorities in force, where they came from and any ward populations."""

    priorities: tuple[Priority, ...]
    source: str
    population: Population | None = None

    def get(self, priority_id: str) -> Priority:
        """The priority ``priority_id``; PrioritiesError listing the valid ids."""
        for p in self.priorities:
            if p.id == priority_id:
                return p
        valid = ", ".join(p.id for p in self.priorities)
        raise PrioritiesError(f"unknown priority {priority_id!r}; valid: {valid}")

    @property
    def ids(self) -> list[str]:
        """Priority ids in file order."""
        return [p.id for p in self.priorities]


def load_priorities(pack: AreaPack | None = None) -> PriorityBook:
    """The pack's ``priorities.toml`` if it has one, else the bundled default."""
    if pack is not None and (pack.folder / PRIORITIES_FILE).is_file():
        path = pack.folder / PRIORITIES_FILE
        return parse_priorities(_read(path, str(path)), str(path), folder=pack.folder)
    text = resources.files("hotspots.data").joinpath(PRIORITIES_FILE).read_text()
    return parse_priorities(
        _read_text(text, "hotspots/data/priorities.toml"),
        "hotspots/data/priorities.toml",
    )


def _read(path: Path, where: str) -> dict[str, Any]:
    return _read_text(path.read_text(encoding="utf-8"), where)


def _read_text(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PrioritiesError(f"{where}: not valid TOML: {exc}") from exc


_TOP_KEYS = {"priority", "population"}
_PRIORITY_KEYS = {
    "id",
    "name",
    "description",
    "themes",
    "categories",
    "flags",
    "sublayer",
    "colocation",
}
_SUB_KEYS = {"id", "name", "themes", "categories", "flags"}
_COLOC_KEYS = {"name", "components", "cell_size_m", "top_share", "min_components"}
_POP_KEYS = {"file", "code_field", "population_field", "source", "year"}


def parse_priorities(
    data: Mapping[str, Any], where: str, *, folder: Path | None = None
) -> PriorityBook:
    """Validate a parsed priorities document; errors name ``where`` and the field."""
    _no_unknown(data, _TOP_KEYS, where)
    raw = data.get("priority")
    if not isinstance(raw, list) or not raw:
        raise PrioritiesError(
            f"{where}: 'priority' must be a non-empty array of tables ([[priority]])"
        )
    priorities = [_priority(p, f"{where}: priority[{i}]") for i, p in enumerate(raw)]
    ids = [p.id for p in priorities]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise PrioritiesError(f"{where}: priority id(s) used twice: {', '.join(dupes)}")
    population = None
    if "population" in data:
        population = _population(data["population"], f"{where}: [population]", folder)
    return PriorityBook(tuple(priorities), where, population)


def _no_unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PrioritiesError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _text(
    table: Mapping[str, Any], key: str, where: str, default: str | None = None
) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise PrioritiesError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _names(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise PrioritiesError(f"{where}: '{key}' must be a list of strings")
    return tuple(v.strip() for v in value)


def _match(
    table: Mapping[str, Any], where: str
) -> tuple[PriorityMatch, tuple[str, ...]]:
    """The selection of a priority or sub-layer, and its flags no store carries."""
    themes = _names(table, "themes", where)
    valid = {t.value for t in Theme}
    bad = [t for t in themes if t.lower() not in valid]
    if bad:
        raise PrioritiesError(
            f"{where}: 'themes' has unknown theme(s) "
            f"{', '.join(bad)}; valid: {', '.join(sorted(valid))}"
        )
    flags = _names(table, "flags", where)
    bad = [f for f in flags if not _ID.match(f)]
    if bad:
        raise PrioritiesError(
            f"{where}: 'flags' entries must be snake_case names, got {', '.join(bad)}"
        )
    categories = _names(table, "categories", where)
    if not (themes or categories or flags):
        raise PrioritiesError(
            f"{where}: give at least one of 'themes', 'categories' or 'flags'"
        )
    known = tuple(f for f in flags if f in FLAG_COLUMNS)
    missing = tuple(f for f in flags if f not in FLAG_COLUMNS)
    match = PriorityMatch(tuple(t.lower() for t in themes), categories, known)
    return match, missing


def _id(table: Mapping[str, Any], where: str) -> str:
    value = _text(table, "id", where)
    if not _ID.match(value):
        raise PrioritiesError(
            f"{where}: 'id' must be snake_case (a-z, 0-9, _; "
            f"starting with a letter), got {value!r}"
        )
    return value


def _priority(table: Any, where: str) -> Priority:
    if not isinstance(table, Mapping):
        raise PrioritiesError(f"{where}: must be a table")
    pid = _id(table, where)
    where = f"{where} ({pid})"
    _no_unknown(table, _PRIORITY_KEYS, where)
    match, missing = _match(table, where)
    subs_raw = table.get("sublayer", [])
    if not isinstance(subs_raw, list):
        raise PrioritiesError(f"{where}: 'sublayer' must be an array of tables")
    subs = []
    for i, sub in enumerate(subs_raw):
        w = f"{where}: sublayer[{i}]"
        if not isinstance(sub, Mapping):
            raise PrioritiesError(f"{w}: must be a table")
        _no_unknown(sub, _SUB_KEYS, w)
        sid = _id(sub, w)
        sub_match, sub_missing = _match(sub, f"{w} ({sid})")
        subs.append(SubLayer(sid, _text(sub, "name", w), sub_match, sub_missing))
    colocation = None
    if "colocation" in table:
        colocation = _colocation(
            table["colocation"], f"{where}: colocation", {s.id for s in subs}
        )
    return Priority(
        pid,
        _text(table, "name", where),
        str(table.get("description", "")).strip(),
        match,
        missing,
        tuple(subs),
        colocation,
    )


def _number(
    table: Mapping[str, Any], key: str, default: float, lo: float, hi: float, where: str
) -> float:
    value = table.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not lo <= value <= hi
    ):
        raise PrioritiesError(
            f"{where}: '{key}' must be a number from {lo:g} to {hi:g}"
        )
    return float(value)


def _colocation(table: Any, where: str, sub_ids: set[str]) -> Colocation:
    if not isinstance(table, Mapping):
        raise PrioritiesError(f"{where}: must be a table")
    _no_unknown(table, _COLOC_KEYS, where)
    components = _names(table, "components", where)
    unknown = [c for c in components if c not in sub_ids]
    if len(components) < 2 or unknown:
        raise PrioritiesError(
            f"{where}: 'components' must name at least two of this priority's "
            f"sub-layers ({', '.join(sorted(sub_ids)) or 'none'}); "
            f"unknown: {', '.join(unknown) or 'none'}"
        )
    least = int(_number(table, "min_components", 2, 2, len(components), where))
    return Colocation(
        _text(table, "name", where, "Co-location"),
        components,
        _number(table, "cell_size_m", 250.0, 50.0, 2000.0, where),
        _number(table, "top_share", 0.1, 0.01, 0.5, where),
        least,
    )


def _population(table: Any, where: str, folder: Path | None) -> Population:
    if not isinstance(table, Mapping):
        raise PrioritiesError(f"{where}: must be a table")
    _no_unknown(table, _POP_KEYS, where)
    name = _text(table, "file", where)
    if folder is None:
        raise PrioritiesError(f"{where}: only an area pack's file may name a file")
    path = folder / name
    if not path.is_file():
        raise PrioritiesError(f"{where}: 'file' {name!r} not found in {folder}")
    code = _text(table, "code_field", where, "code")
    value = _text(table, "population_field", where, "population")
    frame = pd.read_csv(path, dtype={code: str})
    for column in (code, value):
        if column not in frame.columns:
            raise PrioritiesError(f"{where}: {name} has no column {column!r}")
    counts = pd.to_numeric(frame[value], errors="coerce")
    if counts.isna().any() or (counts <= 0).any():
        raise PrioritiesError(
            f"{where}: {name} column {value!r} must be positive numbers"
        )
    return Population(
        dict(zip(frame[code], counts.astype(int), strict=True)),
        _text(table, "source", where),
        str(table.get("year", "")),
    )


def _keys(values: Sequence[str] | pd.Series) -> pd.Series:
    text = pd.Series(values, dtype=object).fillna("").astype(str).str.lower()
    return text.str.replace(r"[-_]", " ", regex=True)


def match_frame(frame: pd.DataFrame, match: PriorityMatch) -> np.ndarray:
    """True for the rows of an incident frame matching ``match`` (the store's
    SQL rule, in memory: theme OR category OR flag)."""
    out = np.zeros(len(frame), dtype=bool)
    if match.themes:
        out |= frame["theme"].isin(match.themes).to_numpy()
        if Theme.ALCOHOL.value in match.themes and "alcohol_related" in frame:
            out |= frame["alcohol_related"].to_numpy(dtype=bool)
    if match.categories:
        wanted = set(_keys(list(match.categories)))
        out |= _keys(frame["category"]).isin(wanted).to_numpy()
    for flag in match.flags:
        out |= frame[flag].to_numpy(dtype=bool)
    return out
