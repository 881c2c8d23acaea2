"""Name -> function table of every hotspot method.

Each entry takes incident points (a GeoDataFrame of Points in EPSG:27700) plus
keyword parameters and returns a :class:`~hotspots.analysis.result.HotspotResult`.
Callers (CLI, API) look methods up by name with :func:`get_method`.
"""

from __future__ import annotations

from collections.abc import Callable

from hotspots.analysis.clusters import dbscan, hdbscan
from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.result import HotspotResult
from hotspots.errors import UnknownMethodError

__all__ = ["METHODS", "get_method"]

METHODS: dict[str, Callable[..., HotspotResult]] = {
    "grid": grid_counts,
    "kde": kde,
    "gistar": gistar,
    "dbscan": dbscan,
    "hdbscan": hdbscan,
}


def get_method(name: str) -> Callable[..., HotspotResult]:
    """Return the hotspot method called ``name``.

    Parameters
    ----------
    name : str
        Method name, e.g. ``"grid"``, ``"kde"`` or ``"gistar"`` (case-insensitive).

    Returns
    -------
    callable
        ``f(points, **parameters) -> HotspotResult``.

    Raises
    ------
    UnknownMethodError
        If ``name`` is not registered; the message lists the valid names.
    """
    key = str(name).strip().lower()
    try:
        return METHODS[key]
    except KeyError:
        valid = ", ".join(sorted(METHODS))
        raise UnknownMethodError(
            f"unknown hotspot method {name!r}; valid methods: {valid}"
        ) from None
