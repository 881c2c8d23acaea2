"""Kernel density (work in progress)."""

from __future__ import annotations

from typing import Any

from hotspots.analysis.result import HotspotResult

__all__ = ["kde"]


def kde(points: Any, **parameters: Any) -> HotspotResult:
    """Kernel density (not yet implemented)."""
    raise NotImplementedError
