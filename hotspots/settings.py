"""Service and command settings, read from ``HOTSPOTS_*`` environment variables.

Settings are read only when a :class:`Settings` is created (by the CLI or by
``api.create_app``), never at import, so tests can pass their own.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import active_pack_name, find_pack
from hotspots.errors import HotspotError

__all__ = [
    "ENV_PREFIX",
    "Settings",
    "SettingsError",
    "default_data_dir",
    "load_settings",
    "unknown_variables",
]

ENV_PREFIX = "HOTSPOTS_"


class SettingsError(HotspotError, ValueError):
    """A ``HOTSPOTS_*`` variable holds a value that cannot be used."""


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/hotspots`` (``~/.local/share/hotspots`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hotspots"


class Settings(BaseSettings):
    """Every setting, with its ``HOTSPOTS_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the default SQLite store and reports.",
    )
    database_url: str = Field(
        default="",
        description="Store URL, e.g. sqlite:///path/to/hotspots.db "
        "(default: hotspots.db in the data dir).",
    )
    area: str = Field(
        default="",
        description="Area pack in use (see `hotspots area list`); empty: the one "
        "chosen with `hotspots area use`, else the bundled Portsmouth pack.",
    )
    study_area: Literal["city", "all"] = Field(
        default="city",
        description="Keep incidents inside the city's wards ('city') or all located "
        "incidents ('all').",
    )
    area_tolerance_m: float = Field(
        default=75.0,
        ge=0,
        description="Points this close outside the (coast-clipped) boundaries are "
        "given the nearest area.",
    )
    tiles: str = Field(
        default="none",
        description="Basemap for the map: a tile URL template, a local tile archive "
        "(path to a .mbtiles or .pmtiles file, served at /tiles/...; see "
        "docs/offline-tiles.md), or 'none' (no request leaves the machine; "
        "boundaries, ward names and, at street zoom, street names still drawn).",
    )

    @field_validator("tiles")
    @classmethod
    def _tiles_archive_exists(cls, value: str) -> str:
        """A tile archive must be a file that exists (a typo must not fail later)."""
        text = value.strip()
        is_archive = text.lower().endswith((".mbtiles", ".pmtiles"))
        if is_archive and "://" not in text and not Path(text).expanduser().is_file():
            raise ValueError(f"tile archive {text!r} is not a file")
        return value

    tiles_attribution: str = Field(
        default="",
        description="Attribution shown for the basemap tiles.",
    )
    default_role: Literal["public", "partner", "analyst"] = Field(
        default="public",
        description="Role of API callers without a key (see hotspots/access.py).",
    )
    api_keys: str = Field(
        default="",
        description="API keys and their roles: 'KEY1=analyst,KEY2=partner', sent by "
        "clients in the X-API-Key header.",
    )
    host: str = Field(default="127.0.0.1", description="Address the service binds.")
    port: int = Field(default=8000, description="Port the service listens on.")
    compute_processes: int = Field(
        default=2,
        ge=0,
        description="Worker processes that compute new layers while the service "
        "answers others (0: compute in the service's own threads).",
    )
    warm_layers: int = Field(
        default=8,
        ge=0,
        description="Layers asked for most that are computed again as soon as an "
        "ingest commits, so users find them ready (0: compute on first request).",
    )
    warm_poll_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds between looks at the store's data version for a "
        "committed ingest (see warm_layers).",
    )
    compute_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a new layer may take in a worker (waiting for a free "
        "one included); past it the worker is killed and replaced and the request "
        "answers 503.",
    )

    earliest_month: str = Field(
        default="2010-12",
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="Ingest rejects incidents dated before this month (YYYY-MM; "
        "police.uk starts in 2010-12) or after the current month.",
    )
    max_unzipped_mb: int = Field(
        default=512,
        ge=1,
        description="Largest file inside a zip that ingest expands (MB); a bigger "
        "member refuses the zip before anything is read.",
    )
    max_zip_ratio: int = Field(
        default=100,
        ge=1,
        description="Largest expanded/compressed size ratio of a zip member "
        "(police.uk CSVs compress about 5:1); above it the zip is refused as a "
        "likely zip bomb.",
    )

    def role_for_key(self, key: str | None) -> str | None:
        """The role an API key grants; ``default_role`` without a key, None if bad."""
        if not key:
            return self.default_role
        for entry in self.api_keys.split(","):
            known, sep, role = entry.strip().partition("=")
            if sep and known.strip() == key:
                return role.strip()
        return None

    def area_pack(self) -> AreaPack:
        """The active area pack: ``area``, the remembered choice, or the default."""
        return find_pack(active_pack_name(self.data_dir, self.area), self.data_dir)

    def store_url(self) -> str:
        """The store URL in force: ``database_url`` or the data dir's SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hotspots.db'}"


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``HOTSPOTS_*`` variable that is no setting, naming the
    nearest known one (a typo must not be silently ignored)."""
    environ = os.environ if environ is None else environ
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    warnings = []
    for variable in sorted(environ):
        if variable.startswith(ENV_PREFIX) and variable not in known:
            near = difflib.get_close_matches(variable, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else ""
            warnings.append(f"{variable} is not a hotspots setting, ignored{hint}")
    return warnings


def load_settings(**overrides: object) -> Settings:
    """The settings in force, or a :class:`SettingsError` naming each bad variable.

    pydantic reports a bad value as a multi-line validation error about a
    model field; a user set an environment variable, so each problem becomes
    one line naming that variable, its value and what it should be.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(
            "\n".join(_describe(error) for error in exc.errors())
        ) from None


def _describe(error: Mapping[str, Any]) -> str:
    """One pydantic error as ``HOTSPOTS_NAME='value': what is expected``."""
    field = str(error["loc"][0]) if error.get("loc") else ""
    variable = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
    message = str(error.get("msg", "invalid value"))
    message = message[:1].lower() + message[1:]
    if "input" in error and not isinstance(error["input"], dict):
        return f"{variable}={error['input']!r}: {message}"
    return f"{variable}: {message}"
