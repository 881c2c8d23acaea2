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
    time_format = "%H:%M"
    default_flags = ["alcohol_related"]
    [themes]
    "Street drinking" = "alcohol"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

    def source_columns(self) -> set[str]:
        """Every source column the mapping names."""
        return set(self.columns.values()) | set(self.flags.values())


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
    columns = dict(data.get("columns", {}))
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
    flags = dict(data.get("flags", {}))
    options = dict(data.get("options", {}))
    default_flags = tuple(options.get("default_flags", ()))
    bad_flags = (set(flags) | set(default_flags)) - set(FLAG_COLUMNS)
    if bad_flags:
        raise IngestError(
            f"{name}: unknown flag(s) {sorted(bad_flags)}; valid: {list(FLAG_COLUMNS)}"
        )
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
        default_flags=default_flags,
        themes=themes,
        description=str(data.get("description", "")),
    )
