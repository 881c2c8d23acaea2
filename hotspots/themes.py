"""Map source categories to the partnership's themes.

The mapping is data (``hotspots/data/themes.toml``), documented there, and can be
overridden per source (a mapping file's ``[themes]`` table) or per run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from hotspots.errors import UnknownMethodError
from hotspots.schema import FLAG_COLUMNS, Theme

__all__ = ["ThemeMap", "parse_theme"]


def parse_theme(name: str) -> Theme:
    """Return the :class:`Theme` called ``name``, or raise listing the valid ones."""
    try:
        return Theme(name.strip().lower())
    except ValueError:
        valid = ", ".join(t.value for t in Theme)
        raise UnknownMethodError(
            f"unknown theme {name!r}; valid themes: {valid}"
        ) from None


def _key(category: str) -> str:
    """A category as looked up: case-folded, ``-``/``_`` as spaces, one space."""
    return " ".join(category.replace("-", " ").replace("_", " ").casefold().split())


def _keys(categories: pd.Series) -> pd.Series:
    """:func:`_key` of each category (missing ones as the empty key)."""
    text = categories.fillna("").astype(str).str.casefold()
    text = text.str.replace(r"[-_\s]+", " ", regex=True).str.strip()
    return text


@dataclass(frozen=True)
class ThemeMap:
    """Category -> theme (and implied flags), matched ignoring case, and reading
    hyphens and underscores as spaces (police.uk names and slugs alike).

    Categories not in the map fall into :attr:`Theme.OTHER`.
    """

    themes: Mapping[str, Theme] = field(default_factory=dict)
    flags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def default(cls) -> ThemeMap:
        """The project's documented mapping from ``hotspots/data/themes.toml``."""
        text = resources.files("hotspots.data").joinpath("themes.toml").read_text()
        return cls.from_toml_dict(tomllib.loads(text))

    @classmethod
    def from_toml_dict(cls, data: Mapping[str, object]) -> ThemeMap:
        """Build from a parsed TOML document with ``[themes]`` and ``[flags]``."""
        raw_themes = data.get("themes", {})
        raw_flags = data.get("flags", {})
        if not isinstance(raw_themes, Mapping) or not isinstance(raw_flags, Mapping):
            raise ValueError("[themes] and [flags] must be tables")
        themes = {_key(str(k)): parse_theme(str(v)) for k, v in raw_themes.items()}
        flags: dict[str, tuple[str, ...]] = {}
        for category, names in raw_flags.items():
            unknown = set(names) - set(FLAG_COLUMNS)
            if unknown:
                raise ValueError(
                    f"unknown flag(s) {sorted(unknown)} for category {category!r}; "
                    f"valid flags: {', '.join(FLAG_COLUMNS)}"
                )
            flags[_key(str(category))] = tuple(names)
        return cls(themes, flags)

    @classmethod
    def from_file(cls, path: Path) -> ThemeMap:
        """Read a themes TOML file."""
        return cls.from_toml_dict(tomllib.loads(path.read_text(encoding="utf-8")))

    def overridden_by(self, other: ThemeMap) -> ThemeMap:
        """A new map where ``other``'s entries replace this one's."""
        return ThemeMap({**self.themes, **other.themes}, {**self.flags, **other.flags})

    def theme_of(self, categories: pd.Series) -> pd.Series:
        """Theme value for each category (unknown categories -> ``other``)."""
        keys = _keys(categories)
        lookup = {k: t.value for k, t in self.themes.items()}
        return keys.map(lookup).fillna(Theme.OTHER.value).astype(str)

    def flags_of(self, categories: pd.Series, flag: str) -> pd.Series:
        """True where the category itself implies ``flag``."""
        keys = _keys(categories)
        implied = {k for k, names in self.flags.items() if flag in names}
        return keys.isin(implied)
