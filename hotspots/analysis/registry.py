"""Name -> function table of every hotspot method.

Each entry takes incident points (a GeoDataFrame of Points in EPSG:27700) plus
keyword parameters and returns a :class:`~hotspots.analysis.result.HotspotResult`.
Callers (CLI, API) look methods up by name with :func:`get_method`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from hotspots.analysis.result import HotspotResult
from hotspots.errors import UnknownMethodError

__all__ = ["METHODS", "get_method"]

#: Where each method lives (module, function).
_PLACES = {
    "grid": ("hotspots.analysis.grid", "grid_counts"),
    "kde": ("hotspots.analysis.kde", "kde"),
    "gistar": ("hotspots.analysis.gistar", "gistar"),
    "dbscan": ("hotspots.analysis.clusters", "dbscan"),
    "hdbscan": ("hotspots.analysis.clusters", "hdbscan"),
}


class _Methods(Mapping[str, Callable[..., HotspotResult]]):
    """The methods by name, each imported when first asked for (the clusters
    bring scikit-learn, ~0.4 s, which a Gi* layer does not need)."""

    def __getitem__(self, name: str) -> Callable[..., HotspotResult]:
        module, function = _PLACES[name]
        method: Callable[..., HotspotResult] = getattr(
            importlib.import_module(module), function
        )
        return method

    def __iter__(self) -> Iterator[str]:
        return iter(_PLACES)

    def __len__(self) -> int:
        return len(_PLACES)


METHODS: Mapping[str, Callable[..., HotspotResult]] = _Methods()


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
