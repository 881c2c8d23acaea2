"""Hotspot analysis on incident points in British National Grid metres (pure, no I/O).

Methods (see :mod:`hotspots.analysis.registry`): ``grid`` counts, ``kde`` (exact
quartic kernel density) and ``gistar`` (Getis-Ord Gi*), each returning a
:class:`HotspotResult`; :func:`to_geojson` serialises one for the web.

``kde`` and ``gistar`` are deliberately not re-exported here: the names would
shadow their submodules (``import hotspots.analysis.kde`` would give the
function). Use ``get_method("kde")`` or ``from hotspots.analysis.kde import kde``.
"""

from hotspots.analysis.geojson import to_geojson
from hotspots.analysis.gistar import gistar_z
from hotspots.analysis.grid import Grid, count_points, grid_counts, make_grid
from hotspots.analysis.kde import kde_surface
from hotspots.analysis.polygons import hotspot_polygons
from hotspots.analysis.registry import METHODS, get_method
from hotspots.analysis.result import HotspotResult

__all__ = [
    "METHODS",
    "Grid",
    "HotspotResult",
    "count_points",
    "get_method",
    "gistar_z",
    "grid_counts",
    "hotspot_polygons",
    "kde_surface",
    "make_grid",
    "to_geojson",
]
