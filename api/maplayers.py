"""Hotspot layers styled for the map: colours, classes, popups and legends.

Each method's GeoJSON (from :func:`hotspots.layers.compute_layer`) becomes a
:class:`StyledLayer`: the features worth drawing, with short display properties
(count, z and p, density, ward name) and a fill colour ``c``, plus its legend.
Gi* bins use the ArcGIS hot spot colours. KDE is drawn as the server's grid cells
in metres, never as a screen-pixel heat map.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

import geopandas as gpd
import shapely
from shapely.geometry import mapping, shape

from api.mappanels import LegendEntry, format_value, method_label

__all__ = [
    "CLUSTER_COLOUR",
    "COUNT_COLOURS",
    "GISTAR_BINS",
    "KDE_COLOURS",
    "StyledLayer",
    "geometric_breaks",
    "style_layer",
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


@dataclass(frozen=True)
class StyledLayer:
    """Features to draw (properties include fill colour ``c``) and their legend."""

    features: list[dict[str, Any]]
    fields: tuple[str, ...]
    aliases: tuple[str, ...]
    legend: LegendEntry
    fill_opacity: float = 0.7
    outline: float = 0.3  # cell outline width in pixels; 0 = none

    def collection(self) -> dict[str, Any]:
        """The features as a GeoJSON FeatureCollection."""
        return {"type": "FeatureCollection", "features": self.features}


def geometric_breaks(low: float, high: float, classes: int) -> list[float]:
    """``classes + 1`` class edges from ``low`` to ``high``, geometric intervals."""
    if high <= low:
        return [low, high]
    ratio = high / low
    return [low * ratio ** (i / classes) for i in range(classes + 1)]


def _class_of(value: float, edges: Sequence[float]) -> int:
    for i in range(len(edges) - 2, -1, -1):
        if value >= edges[i]:
            return i
    return 0


def _display(
    features: Sequence[dict[str, Any]],
    props: Callable[[dict[str, Any]], dict[str, Any]],
    wards: gpd.GeoDataFrame,
) -> list[dict[str, Any]]:
    """Display features: short properties, the ward, coordinates to ~1 m."""
    if not features:
        return []
    shapes = np.array([shape(f["geometry"]) for f in features], dtype=object)
    tree = shapely.STRtree(wards.geometry.values)
    nearest = tree.query_nearest(shapely.centroid(shapes), all_matches=False)[1]
    names = wards["name"].to_numpy()[nearest]
    rounded = shapely.transform(shapes, lambda xy: np.round(xy, 5))
    return [
        {
            "type": "Feature",
            "geometry": mapping(rounded[i]),
            "properties": {**props(f["properties"]), "ward": str(names[i])},
        }
        for i, f in enumerate(features)
    ]


def _p_text(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _gistar(layer: Mapping[str, Any], wards: gpd.GeoDataFrame) -> StyledLayer:
    features = layer["features"]
    drawn = [f for f in features if f["properties"].get("gistar_bin", 0) != 0]

    def props(p: dict[str, Any]) -> dict[str, Any]:
        z = p.get("gistar_z")
        colour, label = GISTAR_BINS[int(p["gistar_bin"])]
        return {
            "n": p.get("n", 0),
            "z": "n/a" if z is None else f"{z:.2f}",
            "p": _p_text(p.get("gistar_p")),
            "bin": label,
            "c": colour,
        }

    fdr = layer.get("parameters", {}).get("fdr")
    note = f"{len(drawn):,} significant cells of {len(features):,}" + (
        "; p-values corrected for multiple testing (FDR)" if fdr else ""
    )
    legend = LegendEntry(
        "legend-gistar", method_label("gistar"), tuple(GISTAR_BINS.values()), note
    )
    return StyledLayer(
        _display(drawn, props, wards),
        ("n", "z", "p", "bin", "ward"),
        ("Incidents in cell", "Gi* z-score", "p-value", "Bin", "Ward"),
        legend,
    )


def _kde(layer: Mapping[str, Any], wards: gpd.GeoDataFrame) -> StyledLayer:
    features = layer["features"]
    top = max((f["properties"].get("density_km2") or 0.0 for f in features), default=0)
    edges = geometric_breaks(top / KDE_FLOOR, top, len(KDE_COLOURS)) if top > 0 else []
    drawn = [
        f
        for f in features
        if top > 0 and (f["properties"].get("density_km2") or 0.0) >= edges[0]
    ]

    def props(p: dict[str, Any]) -> dict[str, Any]:
        density = float(p["density_km2"])
        colour = KDE_COLOURS[_class_of(density, edges)]
        return {"density": f"{density:,.1f}", "n": p.get("n", 0), "c": colour}

    rows = tuple(
        (KDE_COLOURS[i], f"{edges[i]:,.0f} – {edges[i + 1]:,.0f}")
        for i in range(len(edges) - 1)
    )
    params = layer.get("parameters", {})
    note = (
        f"Incidents per km² (kernel {params.get('kernel', '')}, bandwidth "
        f"{format_value(params.get('bandwidth_m'))} m, cells "
        f"{format_value(params.get('cell_size_m'))} m); lower densities not drawn"
    )
    legend = LegendEntry("legend-kde", method_label("kde"), rows[::-1], note)
    return StyledLayer(
        _display(drawn, props, wards),
        ("density", "n", "ward"),
        ("Density (incidents per km²)", "Incidents in cell", "Ward"),
        legend,
        0.75,
        0.0,
    )


def _count_edges(top: int) -> list[int]:
    if top <= len(COUNT_COLOURS):
        return list(range(1, top + 2))
    edges = geometric_breaks(1.0, float(top), len(COUNT_COLOURS))
    ints = sorted({math.ceil(e) for e in edges[:-1]})
    return [*ints, top + 1]


def _grid(layer: Mapping[str, Any], wards: gpd.GeoDataFrame) -> StyledLayer:
    drawn = [f for f in layer["features"] if (f["properties"].get("n") or 0) > 0]
    top = max((int(f["properties"]["n"]) for f in drawn), default=0)
    edges = _count_edges(top) if top else [1, 2]
    offset = len(COUNT_COLOURS) - (len(edges) - 1)

    def props(p: dict[str, Any]) -> dict[str, Any]:
        return {"n": p["n"], "c": COUNT_COLOURS[offset + _class_of(p["n"], edges)]}

    rows = tuple(
        (COUNT_COLOURS[offset + i], f"{a}" if b - a == 1 else f"{a} – {b - 1}")
        for i, (a, b) in enumerate(pairwise(edges))
    )
    cell = format_value(layer.get("parameters", {}).get("cell_size_m"))
    legend = LegendEntry(
        "legend-grid",
        method_label("grid"),
        rows[::-1],
        f"Incidents per {cell} m cell; empty cells not drawn",
    )
    return StyledLayer(
        _display(drawn, props, wards),
        ("n", "ward"),
        ("Incidents in cell", "Ward"),
        legend,
    )


def _clusters(layer: Mapping[str, Any], wards: gpd.GeoDataFrame) -> StyledLayer:
    method = str(layer.get("parameters", {}).get("method", layer.get("method", "")))

    def props(p: dict[str, Any]) -> dict[str, Any]:
        return {
            "rank": p.get("rank", ""),
            "n": p.get("n", 0),
            "area": f"{p.get('area_km2') or 0:.3f}",
            "density": f"{p.get('density_km2') or 0:,.0f}",
            "c": CLUSTER_COLOUR,
        }

    legend = LegendEntry(
        f"legend-{method}",
        method_label(method),
        ((CLUSTER_COLOUR, "Cluster of incidents"),),
        "Incidents outside clusters are noise, not drawn",
    )
    return StyledLayer(
        _display(layer["features"], props, wards),
        ("rank", "n", "area", "density", "ward"),
        ("Rank", "Incidents", "Area (km²)", "Density (per km²)", "Ward"),
        legend,
        0.45,
    )


def style_layer(
    method: str, layer: Mapping[str, Any], wards: gpd.GeoDataFrame
) -> StyledLayer:
    """Style one method's layer; ``wards`` (WGS84) name each feature's area."""
    styler = {"gistar": _gistar, "kde": _kde, "grid": _grid}.get(method, _clusters)
    return styler(layer, wards)
