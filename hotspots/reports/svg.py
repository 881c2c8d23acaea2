"""Small SVG drawings for print: the premises map and bar charts.

Drawn from our own boundaries and points, so a report needs no outside request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import geopandas as gpd
import shapely

__all__ = ["TYPE_COLOURS", "bar_chart", "premises_map"]

TYPE_COLOURS = {
    "pub": "#d95f02",
    "club": "#7570b3",
    "restaurant": "#1b9e77",
    "hotel": "#e7298a",
}
_OTHER_COLOUR = "#666666"


def _path(geom: Any, to_px: Any) -> str:
    parts = []
    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = [to_px(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in pts) + " Z")
    return " ".join(parts)


def premises_map(
    check: Mapping[str, Any],
    wards: gpd.GeoDataFrame,
    cia: gpd.GeoDataFrame | None,
    *,
    size_px: int = 560,
) -> str:
    """The premises, its circle, the outlet circle, nearby premises, incident
    locations (counted), wards and any cumulative impact area, as SVG."""
    premises = check["premises"]
    cx, cy = float(premises["easting"]), float(premises["northing"])
    outlet_r = float(check["outlets"]["radius_m"])
    half = max(outlet_r, float(check["radius_m"])) + 60
    scale = size_px / (2 * half)

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (x - cx + half) * scale, (cy + half - y) * scale

    box = shapely.box(cx - half, cy - half, cx + half, cy + half)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size_px} {size_px}" '
        f'width="{size_px}" height="{size_px}" class="premises-map" role="img" '
        f'aria-label="Map of {escape(str(premises["name"]))} and its surroundings">',
        f'<rect width="{size_px}" height="{size_px}" fill="#dbe9f4"/>',
    ]
    land = wards[wards.intersects(box)]
    for geom in land.geometry:
        out.append(
            f'<path d="{_path(geom.intersection(box), to_px)}" fill="#f4f1ea" '
            'stroke="#9a9a9a" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    if cia is not None:
        for _, row in cia[cia.intersects(box)].iterrows():
            out.append(
                f'<path d="{_path(row.geometry.intersection(box), to_px)}" '
                'fill="#fdd49e" fill-opacity="0.45" stroke="#e6550d" '
                'stroke-width="2"/>'
            )
    for loc in check.get("locations", []):
        px, py = to_px(loc["easting"], loc["northing"])
        r = 2 + 1.6 * math.sqrt(loc["n"])
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="#555" '
            'fill-opacity="0.35"/>'
        )
    mx, my = to_px(cx, cy)
    out.append(
        f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="{outlet_r * scale:.1f}" fill="none" '
        'stroke="#444" stroke-width="1.2" stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="{check["radius_m"] * scale:.1f}" '
        'fill="#e31a1c" fill-opacity="0.08" stroke="#e31a1c" stroke-width="2.5"/>'
    )
    stacked: dict[tuple[float, float], list[str]] = {}
    for other in check["outlets"]["nearby"]:
        stacked.setdefault((other["easting"], other["northing"]), []).append(
            other["type"]
        )
    for (x, y), kinds in stacked.items():
        px, py = to_px(x, y)
        colour = TYPE_COLOURS.get(kinds[0], _OTHER_COLOUR)
        out.append(
            f'<rect x="{px - 5:.1f}" y="{py - 5:.1f}" width="10" height="10" '
            f'fill="{colour}" stroke="#fff" stroke-width="1.2"/>'
        )
        if len(kinds) > 1:
            out.append(
                f'<text x="{px + 7:.1f}" y="{py + 4:.1f}" font-size="11" '
                f'fill="#222">×{len(kinds)}</text>'
            )
    out.append(
        f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="7" fill="#e31a1c" stroke="#fff" '
        'stroke-width="2"/>'
    )
    label = escape(str(premises["name"]))
    width = 9.0 * len(str(premises["name"])) + 10
    lx = min(mx + 11, size_px - width - 4)
    out.append(
        f'<rect x="{lx - 4:.1f}" y="{my - 27:.1f}" width="{width:.1f}" height="20" '
        'fill="#fff" fill-opacity="0.9" stroke="#e31a1c" stroke-width="1"/>'
        f'<text x="{lx:.1f}" y="{my - 12:.1f}" font-size="14" font-weight="bold" '
        f'fill="#111">{label}</text>'
    )
    bar = 100 * scale
    out.append(
        f'<g transform="translate(16,{size_px - 22})">'
        f'<rect x="-6" y="-16" width="{bar + 52:.0f}" height="28" fill="#fff" '
        'fill-opacity="0.85"/>'
        f'<line x1="0" y1="0" x2="{bar:.1f}" y2="0" stroke="#111" stroke-width="3"/>'
        f'<text x="{bar + 6:.1f}" y="4" font-size="12">100 m</text></g>'
    )
    out.append(
        f'<g transform="translate({size_px - 28},30)"><path d="M0,-18 L7,4 L0,0 '
        'L-7,4 Z" fill="#111"/><text x="-4" y="18" font-size="12">N</text></g>'
    )
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    width: int = 640,
    height: int = 190,
    highlight: Sequence[int] = (),
    label_every: int = 1,
) -> str:
    """A labelled vertical bar chart (values over the bars) as SVG."""
    top, bottom, left = 26, 26, 8
    n = max(len(values), 1)
    peak = max(max(values, default=0), 1)
    slot = (width - 2 * left) / n
    plot = height - top - bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{left}" y="15" font-size="13" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" '
        f'y2="{height - bottom}" stroke="#444"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot * value / peak
        x = left + i * slot + slot * 0.12
        y = height - bottom - h
        colour = "#c0392b" if i in highlight else "#4a6fa5"
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.76:.1f}" '
            f'height="{h:.1f}" fill="{colour}"/>'
        )
        out.append(
            f'<text x="{x + slot * 0.38:.1f}" y="{y - 3:.1f}" font-size="10" '
            f'text-anchor="middle">{value:g}</text>'
        )
        if i % label_every == 0:
            out.append(
                f'<text x="{x + slot * 0.38:.1f}" y="{height - bottom + 14}" '
                f'font-size="10" text-anchor="middle">{escape(label)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
