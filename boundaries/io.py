"""Boundary sets of an area pack as validated BNG GeoDataFrames.

The sets (wards, LSOAs, ...) and their files are declared in the pack's manifest
(:mod:`hotspots.areas.pack`); without a pack, the bundled Portsmouth one.
"""

from __future__ import annotations

import geopandas as gpd

from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import default_pack

__all__ = ["read_boundaries"]


def read_boundaries(name: str, pack: AreaPack | None = None) -> gpd.GeoDataFrame:
    """Areas of the set ``name``: ``code``, ``name``, ``district_code``, geometry.

    Geometry is in British National Grid (EPSG:27700). Each call returns a new
    frame, so callers may modify it. An unknown set raises
    :class:`~hotspots.errors.AreaPackError` listing the pack's sets.
    """
    return (pack or default_pack()).boundaries(name)
