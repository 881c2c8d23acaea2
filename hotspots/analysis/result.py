"""The one result type every hotspot method returns."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import geopandas as gpd

if TYPE_CHECKING:
    from hotspots.analysis.grid import Grid, GridCells

__all__ = ["HotspotResult"]


class _Features:
    """The ``features`` field: a GeoDataFrame given as is, or a grid method's
    cells (:class:`~hotspots.analysis.grid.GridCells`) whose frame is built on
    first access, once (under a lock of the result's own), and kept.

    A descriptor-typed dataclass field: ``__init__`` and
    :func:`dataclasses.replace` pass their value to :meth:`__set__`.
    """

    def __get__(self, result: Any, owner: type | None = None) -> gpd.GeoDataFrame:
        if result is None:  # the class asks for a default: there is none
            raise AttributeError("features")
        state = result.__dict__
        frame = state.get("_features")
        if frame is None:
            with state["_lock"]:
                frame = state.get("_features")
                if frame is None:
                    frame = state["_cells"].frame()
                    state["_features"] = frame
        return frame

    def __set__(self, result: Any, value: Any) -> None:
        state = result.__dict__
        state["_lock"] = threading.Lock()
        if isinstance(value, gpd.GeoDataFrame):
            state["_features"], state["_cells"] = value, None
        else:
            state["_features"], state["_cells"] = None, value


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
        for Gi*). Grid methods pass their :class:`GridCells` here instead: the
        frame (cell ids and polygons, most of the cost on large grids) is then
        built on first access; :attr:`cells` and :attr:`grid` need no geometry.
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
    features: gpd.GeoDataFrame = _Features()  # type: ignore[assignment]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    auto: frozenset[str] = frozenset()
    summary: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))
        object.__setattr__(self, "auto", frozenset(self.auto))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and copy) as the built frame and plain dicts: analysts hand
        results to other processes (multiprocessing, joblib), and neither the
        frame's lock nor a read-only mapping can be pickled."""
        return (
            HotspotResult,
            (self.method, self.features, dict(self.parameters), self.auto,
             dict(self.summary)),
        )  # fmt: skip

    @property
    def cells(self) -> GridCells | None:
        """The grid and per-cell columns (rows of ``features``, no geometry), for
        a grid method's result as made; None for clusters or replaced features."""
        cells: GridCells | None = self.__dict__["_cells"]
        return cells

    @property
    def grid(self) -> Grid | None:
        """The grid of a grid method's result (see :attr:`cells`), else None."""
        cells = self.cells
        return None if cells is None else cells.grid
