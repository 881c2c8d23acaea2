"""Grid counts (work in progress)."""

from __future__ import annotations

from typing import Any

from hotspots.analysis.result import HotspotResult

__all__ = ["grid_counts"]


def grid_counts(points: Any, **parameters: Any) -> HotspotResult:
    """Count incidents per grid cell (not yet implemented)."""
    raise NotImplementedError
