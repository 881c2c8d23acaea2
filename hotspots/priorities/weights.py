"""Harm weights per category: so one serious assault outweighs many minor incidents.

A weights file (TOML: ``name``, ``label``, ``source``, ``default`` and a
``[weights]`` table of category -> weight) is read into :class:`HarmWeights`;
:meth:`HarmWeights.of` gives each incident its weight, and every layer or table
that uses them says so with :meth:`HarmWeights.describe`. The bundled example
is ILLUSTRATIVE; ``docs/priorities.md`` shows how to load the ONS Crime
Severity Score instead.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.priorities.model import PrioritiesError

__all__ = ["ILLUSTRATIVE_FILE", "UNWEIGHTED", "HarmWeights", "load_weights"]

ILLUSTRATIVE_FILE = "harm_weights_illustrative.toml"
#: What a layer says when no weights were used.
UNWEIGHTED = {"weighted": False, "text": "not weighted: every incident counts 1"}


def _key(category: str) -> str:
    return category.lower().replace("-", " ").replace("_", " ")


@dataclass(frozen=True)
class HarmWeights:
    """Weight per category key (hashable: pairs, so layer requests can hold it)."""

    name: str
    label: str
    source: str
    default: float
    pairs: tuple[tuple[str, float], ...]

    def of(self, categories: pd.Series) -> pd.Series:
        """Each incident's weight from its category (``default`` if unlisted)."""
        lookup = dict(self.pairs)
        keys = categories.fillna("").astype(str).map(_key)
        return keys.map(lookup).fillna(self.default).astype(float)

    def describe(self) -> dict[str, Any]:
        """How a layer or table was weighted, in its parameters."""
        return {
            "weighted": True,
            "weights": self.name,
            "label": self.label,
            "source": self.source,
            "default": self.default,
            "text": (
                f"weighted by {self.label}: each incident counts its category's "
                f"weight (unlisted categories {self.default:g})"
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> HarmWeights:
        """Validate a parsed weights document (errors name ``where`` and field)."""
        allowed = {"name", "label", "source", "default", "weights"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise PrioritiesError(f"{where}: unknown field(s) {', '.join(unknown)}")
        for key in ("name", "label", "source"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise PrioritiesError(f"{where}: '{key}' must be a non-empty string")
        default = data.get("default", 1.0)
        table = data.get("weights")
        if not isinstance(table, Mapping) or not table:
            raise PrioritiesError(
                f"{where}: '[weights]' must be a table of category = weight"
            )
        pairs = []
        for category, value in {"default": default, **table}.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 0
            ):
                raise PrioritiesError(
                    f"{where}: weight of {category!r} must be a "
                    f"number >= 0, got {value!r}"
                )
            if category != "default":
                pairs.append((_key(str(category)), float(value)))
        return cls(
            data["name"],
            data["label"],
            data["source"],
            float(default),
            tuple(sorted(pairs)),
        )


def load_weights(path: Path | str | None = None) -> HarmWeights:
    """A weights file, or (``None`` / ``"illustrative"``) the bundled example."""
    if path is None or str(path) == "illustrative":
        text = resources.files("hotspots.data").joinpath(ILLUSTRATIVE_FILE).read_text()
        where = f"hotspots/data/{ILLUSTRATIVE_FILE}"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PrioritiesError(f"cannot read weights file {where}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PrioritiesError(f"{where}: not valid TOML: {exc}") from exc
    return HarmWeights.from_dict(data, where)
