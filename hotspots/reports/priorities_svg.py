"""SVG figures of the priorities pack: a hotspot map and a monthly trend chart.

Drawn from our own ward boundaries and computed cells (no tiles, no outside
request), so the HTML and the PDF need nothing but the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np

import geopandas as gpd

from hotspots.reports.svg import _path

__all__ = ["priority_map", "trend_chart"]

#: Cell shades, lowest to highest fifth of the positive scores.
SHADES = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
COLOCATION = "#6a3d9a"


def _main_bounds(wards: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of the wards' land, leaving out specks (sea forts, islets under
    5 ha) that would shrink the city on the page."""
    parts = wards.geometry.explode(index_parts=False)
    big = parts[parts.area >= 50_000]
    return tuple((big if len(big) else parts).total_bounds)  # type: ignore[return-value]


def priority_map(
    wards: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame | None,
    top: Sequence[Mapping[str, Any]] = (),
    *,
    colocated: gpd.GeoDataFrame | None = None,
    height: int = 360,
    label: str = "",
) -> str:
    """Wards, cells shaded by score (fifths of the positive scores), the top
    cells numbered and any co-location cells outlined, as SVG (BNG)."""
    x0, y0, x1, y1 = _main_bounds(wards)
    pad = 150.0
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = height / (y1 - y0)
    width = int((x1 - x0) * scale)

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * scale, (y1 - y) * scale

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="map" role="img" '
        f'aria-label="{escape(label)}">',
        f'<rect width="{width}" height="{height}" fill="#eef3f7"/>',
    ]
    for geom in wards.geometry:
        out.append(f'<path d="{_path(geom, to_px)}" fill="#ffffff" stroke="none"/>')
    if cells is not None and len(cells):
        scores = cells["score"].to_numpy(dtype=float)
        positive = scores[scores > 0]
        edges = np.quantile(positive, [0.2, 0.4, 0.6, 0.8]) if len(positive) else []
        for geom, score in zip(cells.geometry, scores, strict=True):
            if not score > 0:
                continue
            shade = SHADES[int(np.searchsorted(edges, score, side="right"))]
            out.append(f'<path d="{_path(geom, to_px)}" fill="{shade}"/>')
    if colocated is not None and len(colocated):
        for geom in colocated.geometry:
            out.append(
                f'<path d="{_path(geom, to_px)}" fill="{COLOCATION}" '
                f'fill-opacity="0.55" stroke="{COLOCATION}" stroke-width="1"/>'
            )
    for geom in wards.geometry:
        out.append(
            f'<path d="{_path(geom, to_px)}" fill="none" stroke="#555" '
            'stroke-width="0.6"/>'
        )
    placed: list[tuple[float, float]] = []
    for row in top:
        px, py = to_px(float(row["easting"]), float(row["northing"]))
        while any(abs(px - qx) < 14 and abs(py - qy) < 14 for qx, qy in placed):
            px += 14  # beside a marker already drawn, not over it
        placed.append((px, py))
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="7" fill="#fff" '
            'stroke="#000" stroke-width="1"/>'
            f'<text x="{px:.1f}" y="{py + 3.5:.1f}" font-size="10" '
            f'text-anchor="middle" font-weight="bold">{row["rank"]}</text>'
        )
    # scale bar: 1 km
    bar = 1000 * scale
    out.append(
        f'<line x1="10" y1="{height - 12}" x2="{10 + bar:.1f}" y2="{height - 12}" '
        'stroke="#000" stroke-width="2"/>'
        f'<text x="10" y="{height - 16}" font-size="9">1 km</text>'
    )
    out.append("</svg>")
    return "".join(out)


def trend_chart(
    monthly: Sequence[Mapping[str, Any]], *, title: str, width: int = 330
) -> str:
    """Monthly counts as bars: the period dark, the comparison months light,
    withheld months (a count the role may not see) marked instead of drawn."""
    height, top, bottom, left = 180, 34, 30, 6
    values = [m["shown"] if isinstance(m["shown"], int) else 0 for m in monthly]
    peak = max([*values, 1])
    n = max(len(monthly), 1)
    slot = (width - 2 * left) / n
    plot = height - top - bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" font-size="11" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" '
        f'y2="{height - bottom}" stroke="#444"/>',
    ]
    for i, (m, v) in enumerate(zip(monthly, values, strict=True)):
        x = left + i * slot + slot * 0.12
        h = plot * v / peak
        y = height - bottom - h
        colour = (
            "#4a6fa5"
            if m["in_period"]
            else ("#b9c9de" if m["in_comparison"] else "#dddddd")
        )
        label = str(m["shown"]) if isinstance(m["shown"], int) else "<5"
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.76:.1f}" '
            f'height="{h:.1f}" fill="{colour}"/>'
            f'<text x="{x + slot * 0.38:.1f}" y="{y - 3:.1f}" font-size="9" '
            f'text-anchor="middle">{escape(label)}</text>'
            f'<text x="{x + slot * 0.38:.1f}" y="{height - bottom + 12}" '
            f'font-size="9" text-anchor="middle">{escape(m["month"])}</text>'
        )
    out.append(
        f'<rect x="{left}" y="{height - 11}" width="9" height="9" fill="#4a6fa5"/>'
        f'<text x="{left + 12}" y="{height - 3}" font-size="9">period</text>'
        f'<rect x="{left + 60}" y="{height - 11}" width="9" height="9" '
        'fill="#b9c9de"/>'
        f'<text x="{left + 72}" y="{height - 3}" font-size="9">compared with</text>'
    )
    out.append("</svg>")
    return "".join(out)
