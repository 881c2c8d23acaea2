"""How hotspot layers are drawn on the map: the colours and class rules.

The map page fetches each layer from the API (``/api/v1/layers/{method}``) and
styles it in the browser (``api/static/hsmap.js``), so the page shows exactly
what the API serves its role. This module holds the one copy of the colours
and class rules, passed to the page by :func:`style_config`: Gi* bins in the
ArcGIS hot spot colours; KDE densities in six geometric classes from the
densest cell down to 1/32 of it; counts in up to six classes; clusters in one
colour. KDE is drawn as the server's grid cells in metres, never as a
screen-pixel heat map.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CLUSTER_COLOUR",
    "COUNT_COLOURS",
    "GISTAR_BINS",
    "KDE_COLOURS",
    "KDE_FLOOR",
    "geometric_breaks",
    "style_config",
]

#: Gi* bin -> (colour, label), as ArcGIS's Hot Spot Analysis renderer.
GISTAR_BINS: dict[int, tuple[str, str]] = {
    3: ("#d62f27", "Hot spot, 99% confidence"),
    2: ("#ed7551", "Hot spot, 95% confidence"),
    1: ("#fab984", "Hot spot, 90% confidence"),
    0: ("#f7f7f2", "Not significant (not drawn)"),
    -1: ("#c0ccbe", "Cold spot, 90% confidence"),
    -2: ("#849eba", "Cold spot, 95% confidence"),
    -3: ("#4575b5", "Cold spot, 99% confidence"),
}
KDE_COLOURS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
COUNT_COLOURS = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
CLUSTER_COLOUR = "#7b3294"
#: KDE cells below max density / this are too faint to draw.
KDE_FLOOR = 32.0


def geometric_breaks(low: float, high: float, classes: int) -> list[float]:
    """``classes + 1`` class edges from ``low`` to ``high``, geometric intervals.

    The page computes the same edges in the browser (``geometricBreaks``).
    """
    if high <= low:
        return [low, high]
    ratio = high / low
    return [low * ratio ** (i / classes) for i in range(classes + 1)]


def style_config() -> dict[str, Any]:
    """The colours and class rules, as the page's script reads them."""
    return {
        "gistar": {str(b): list(v) for b, v in GISTAR_BINS.items()},
        "gistar_order": list(GISTAR_BINS),
        "kde": list(KDE_COLOURS),
        "kde_floor": KDE_FLOOR,
        "count": list(COUNT_COLOURS),
        "cluster": CLUSTER_COLOUR,
    }
