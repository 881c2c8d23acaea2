"""Column mapping files (TOML) that describe any incident CSV.

Example::

    source = "portsmouth-council-asb"
    [columns]
    id = "Case Ref"            # optional
    date = "Date Reported"     # required
    time = "Time"              # optional
    category = "Incident Type" # required
    location_text = "Location" # optional
    postcode = "Postcode"      # at least one location form:
                               # lon+lat, easting+northing, grid_reference,
                               # postcode, street (+ town), address
    # address = "Address"      # free text such as "12 Albert Rd, Southsea":
                               # split into street and town (see
                               # hotspots.geocode.split_street_town); a street
                               # column is split the same way
    [flags]
    alcohol_related = "Alcohol Related"
    [options]
    date_format = "%d/%m/%Y"
    # encoding = "cp1252"      # only if the file is not UTF-8 (default; a
                               # UTF-8 or UTF-16 byte-order mark is honoured)
    time_format = "%H:%M"
    default_flags = ["alcohol_related"]
    [themes]
    "Street drinking" = "alcohol"
"""

from __future__ import annotations

import codecs
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.errors import IngestError
from hotspots.schema import FLAG_COLUMNS
from hotspots.themes import ThemeMap

__all__ = ["ColumnMapping", "read_mapping"]

_COLUMN_KEYS = frozenset(
    {
        "id",
        "date",
        "time",
        "category",
        "location_text",
        "lon",
        "lat",
        "easting",
        "northing",
        "grid_reference",
        "postcode",
        "street",
        "town",
        "address",
    }
)
#: Options whose value must be a string.
_STRING_OPTIONS = ("date_format", "time_format", "encoding")
_PAIRS = (("lon", "lat"), ("easting", "northing"))
_LOCATION_KEYS = (
    "lon", "easting", "grid_reference", "postcode", "street", "address",
)  # fmt: skip


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column holds which incident field, and how to parse it."""

    source: str
    columns: Mapping[str, str]
    flags: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    time_format: str = "%H:%M"
    default_flags: tuple[str, ...] = ()
    themes: ThemeMap = field(default_factory=ThemeMap)
    description: str = ""
    encoding: str | None = None  # None: UTF-8 (or a BOM's UTF-8/UTF-16)

    def source_columns(self) -> set[str]:
        """Every source column the mapping names."""
        return set(self.columns.values()) | set(self.flags.values())


def _table(data: Mapping[str, Any], key: str, name: str) -> dict[str, Any]:
    """The ``[key]`` table of a mapping document (empty if absent)."""
    table = data.get(key, {})
    if not isinstance(table, Mapping):
        raise IngestError(f"{name}: [{key}] must be a table of names, found {table!r}")
    return dict(table)


def _require_strings(table: Mapping[str, Any], section: str, name: str) -> None:
    """Refuse a value that is not text: a column name or a format must be a
    string, and a number there would otherwise fail deep inside pandas."""
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise IngestError(
                f"{name}: [{section}] {key} must be a non-empty string "
                f"(in quotes), found {value!r}"
            )


def read_mapping(path: Path) -> ColumnMapping:
    """Read and validate a mapping TOML file; errors name the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(f"{path}: cannot read mapping file: {exc}") from exc
    return mapping_from_dict(data, name=str(path))


def mapping_from_dict(data: Mapping[str, Any], *, name: str) -> ColumnMapping:
    """Validate a parsed mapping document (see module docstring)."""
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise IngestError(f"{name}: 'source' (a name for this data source) is required")
    columns = _table(data, "columns", name)
    flags = _table(data, "flags", name)
    options = _table(data, "options", name)
    for section, table in (("columns", columns), ("flags", flags)):
        _require_strings(table, section, name)
    unknown = set(columns) - _COLUMN_KEYS
    if unknown:
        raise IngestError(
            f"{name}: unknown key(s) in [columns]: {sorted(unknown)}; "
            f"valid keys: {sorted(_COLUMN_KEYS)}"
        )
    for required in ("date", "category"):
        if required not in columns:
            raise IngestError(f"{name}: [columns] must name the '{required}' column")
    for a, b in _PAIRS:
        if (a in columns) != (b in columns):
            raise IngestError(f"{name}: [columns] '{a}' and '{b}' go together")
    if not any(key in columns for key in _LOCATION_KEYS):
        raise IngestError(
            f"{name}: [columns] must name a location: lon+lat, easting+northing, "
            "grid_reference, postcode, street or address"
        )
    _require_strings(
        {k: v for k, v in options.items() if k in _STRING_OPTIONS}, "options", name
    )
    default_flags = options.get("default_flags", [])
    if not isinstance(default_flags, list) or not all(
        isinstance(flag, str) for flag in default_flags
    ):
        raise IngestError(
            f"{name}: [options] default_flags must be a list of flag names, "
            f"found {default_flags!r}"
        )
    bad_flags = (set(flags) | set(default_flags)) - set(FLAG_COLUMNS)
    if bad_flags:
        raise IngestError(
            f"{name}: unknown flag(s) {sorted(bad_flags)}; valid: {list(FLAG_COLUMNS)}"
        )
    for key in ("date_format", "time_format"):
        if key in options:
            _check_format(options[key], key, name)
    encoding = options.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise IngestError(
                f"{name}: [options] encoding {encoding!r} is not a known encoding "
                "(e.g. 'cp1252' for a Windows Excel export)"
            ) from None
    try:
        themes = ThemeMap.from_toml_dict({"themes": data.get("themes", {})})
    except ValueError as exc:
        raise IngestError(f"{name}: [themes]: {exc}") from exc
    return ColumnMapping(
        source=source.strip(),
        columns=columns,
        flags=flags,
        date_format=options.get("date_format"),
        time_format=options.get("time_format", "%H:%M"),
        default_flags=tuple(default_flags),
        themes=themes,
        description=str(data.get("description", "")),
        encoding=encoding,
    )


def _check_format(text: str, key: str, name: str) -> None:
    """Refuse a date or time format pandas cannot use (``%Q``, say)."""
    try:
        pd.to_datetime(pd.Series(["2017-01-01"]), format=text, errors="coerce")
    except ValueError as exc:
        raise IngestError(f"{name}: [options] {key} {text!r}: {exc}") from None
