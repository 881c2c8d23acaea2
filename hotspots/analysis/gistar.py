"""Getis-Ord Gi* (work in progress)."""

from __future__ import annotations

from typing import Any

from hotspots.analysis.result import HotspotResult

__all__ = ["gistar"]


def gistar(points: Any, **parameters: Any) -> HotspotResult:
    """Getis-Ord Gi* (not yet implemented)."""
    raise NotImplementedError
