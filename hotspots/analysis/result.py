"""The one result type every hotspot method returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd

__all__ = ["HotspotResult"]


@dataclass(frozen=True)
class HotspotResult:
    """Cells or cluster polygons from one hotspot method, and how they were made.

    Attributes
    ----------
    method : str
        Method name: ``"grid"``, ``"kde"``, ``"gistar"``, ``"dbscan"`` or ``"hdbscan"``.
    features : geopandas.GeoDataFrame
        One row per cell (``cell_id``) or cluster (``cluster_id``), in EPSG:27700,
        with at least ``n`` (incident count) and ``geometry`` plus the method's own
        columns (``density_km2`` for KDE; ``gistar_z``, ``gistar_p``, ``gistar_bin``
        for Gi*).
    parameters : Mapping[str, Any]
        Every parameter actually used, including automatically chosen ones.
    auto : frozenset of str
        Names in ``parameters`` whose value was chosen from the data.
    summary : Mapping[str, float]
        Figures about the run: ``incidents`` (input count), ``incidents_covered``,
        ``area_km2``, ``hotspot_share`` (share of incidents inside hotspots) and
        method-specific extras.
    """

    method: str
    features: gpd.GeoDataFrame
    parameters: Mapping[str, Any] = field(default_factory=dict)
    auto: frozenset[str] = frozenset()
    summary: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))
        object.__setattr__(self, "auto", frozenset(self.auto))
