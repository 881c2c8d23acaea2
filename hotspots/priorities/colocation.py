"""Co-location: cells where several harms concentrate together (county lines).

Method (stated in every layer): the study area is cut into square cells of
``cell_size_m`` (aligned to multiples of the size in British National Grid
metres). For each component (a sub-layer of the priority, e.g. drug supply,
possession of weapons, robbery, young people involved) the incidents in the
period are counted per cell; a cell is in that component's top decile when it
is among the ``ceil(top_share x cells)`` highest counts and its count is at
least 1; cells tied at the edge are all in when that keeps within the decile,
else all out (so a sparse component's many cells of 1 do not all count as
"top"). A cell is a co-location cell when it is
in the top decile of at least ``min_components`` components. Components with
no incident in the period (e.g. no source flags young people) are named and
left out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from hotspots.areas import resolve_area
from hotspots.crs import BNG
from hotspots.disclosure import shown_count
from hotspots.priorities.figures import Period, PriorityContext, read_incidents
from hotspots.priorities.model import Priority, match_frame
from hotspots.priorities.weights import UNWEIGHTED

__all__ = ["colocation_layer", "method_text"]


def method_text(priority: Priority) -> str:
    """The method in one paragraph, with this priority's settings."""
    col = priority.colocation
    if col is None:
        raise ValueError(f"priority {priority.id} has no co-location block")
    return (
        f"Cells of {col.cell_size_m:g} m over the study area; for each of "
        f"{', '.join(priority.sublayer(c).name.lower() for c in col.components)}, "
        f"a cell is in its top {100 * col.top_share:g} % when it is among the "
        f"ceil({col.top_share:g} x cells) highest counts (count >= 1; a tie at the "
        "edge is in only if all of it fits); a co-location cell is in the top "
        f"{100 * col.top_share:g} % of at "
        f"least {col.min_components} of them. Components with no incident in the "
        "period are left out and named."
    )


def _cells(outline: shapely.Geometry, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Column and row indices (x // size, y // size) of cells meeting ``outline``."""
    x0, y0, x1, y1 = outline.bounds
    ix = np.arange(math.floor(x0 / size), math.floor(x1 / size) + 1)
    iy = np.arange(math.floor(y0 / size), math.floor(y1 / size) + 1)
    gx, gy = np.meshgrid(ix, iy)
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx * size, gy * size, (gx + 1) * size, (gy + 1) * size)
    keep = shapely.intersects(outline, boxes)
    return gx[keep], gy[keep]


def top_cells(counts: np.ndarray, share: float) -> np.ndarray:
    """True for the cells in the top ``share`` of ``counts``: the ``k =
    ceil(share x cells)`` highest, the tie at the edge in only if all of it fits
    within ``k``; zero counts never."""
    if len(counts) == 0:
        return np.zeros(0, dtype=bool)
    k = max(1, math.ceil(share * len(counts)))
    edge = np.sort(counts)[::-1][k - 1]
    top = counts >= edge if (counts >= edge).sum() <= k else counts > edge
    return top & (counts > 0)


def colocation_layer(
    ctx: PriorityContext, priority: Priority, period: Period
) -> dict[str, Any]:
    """The co-location cells of ``priority`` in ``period`` (see the module docs).

    Returns ``cells`` (every cell, BNG, with per-component counts and flags),
    ``features`` (the co-location cells as GeoJSON in WGS84, counts shown under
    the caller's rule), the components used and left out, and the method.
    """
    col = priority.colocation
    if col is None:
        raise ValueError(f"priority {priority.id} has no co-location block")
    city = resolve_area(None, ctx.pack)
    frame = read_incidents(ctx, city, period.months, priority.match)
    size = col.cell_size_m
    gx, gy = _cells(city.geometry, size)
    px = np.floor(frame["easting"].to_numpy(float) / size).astype(np.int64)
    py = np.floor(frame["northing"].to_numpy(float) / size).astype(np.int64)
    extra = pd.DataFrame({"x": px, "y": py}).drop_duplicates()  # seafront points
    cells = pd.concat([pd.DataFrame({"x": gx, "y": gy}), extra]).drop_duplicates()
    cells = cells.sort_values(["y", "x"], ignore_index=True)
    index = {
        (x, y): i for i, (x, y) in enumerate(zip(cells["x"], cells["y"], strict=True))
    }
    where = np.array([index[(x, y)] for x, y in zip(px, py, strict=True)], dtype=int)
    used, left_out, in_top = [], [], []
    for sub_id in col.components:
        sub = priority.sublayer(sub_id)
        mask = match_frame(frame, sub.match) if len(frame) else np.zeros(0, bool)
        counts = np.bincount(where[mask], minlength=len(cells))
        if counts.sum() == 0:
            reason = (
                f"no source carries a {' or '.join(sub.missing_flags)} flag"
                if sub.missing_flags and not sub.match.flags
                else "no incident in the period"
            )
            left_out.append({"id": sub.id, "name": sub.name, "reason": reason})
            continue
        cells[sub.id] = counts
        top = top_cells(counts, col.top_share)
        cells[f"{sub.id}_top"] = top
        in_top.append(top)
        used.append(
            {
                "id": sub.id,
                "name": sub.name,
                "sensitive": sub.sensitive,
                "incidents": int(counts.sum()),
                "incidents_shown": shown_count(
                    int(counts.sum()), ctx.rule, sensitive=sub.sensitive
                ),
                "top_cells": int(top.sum()),
            }
        )
    tops = np.sum(in_top, axis=0) if in_top else np.zeros(len(cells), dtype=int)
    cells["components_in_top"] = tops
    possible = len(used) >= col.min_components
    cells["colocated"] = (tops >= col.min_components) if possible else False
    geometry = shapely.box(
        cells["x"] * size,
        cells["y"] * size,
        (cells["x"] + 1) * size,
        (cells["y"] + 1) * size,
    )
    cells = gpd.GeoDataFrame(cells, geometry=geometry, crs=BNG)
    return {
        "name": col.name,
        "priority": priority.id,
        "period": {"from": period.month_from, "to": period.month_to},
        "method": method_text(priority),
        "parameters": {
            "cell_size_m": size,
            "top_share": col.top_share,
            "min_components": col.min_components,
            "cell_count": len(cells),
        },
        "components": used,
        "left_out": left_out,
        "possible": possible,
        "colocated_cells": int(cells["colocated"].sum()),
        "cells": cells,
        "features": _features(cells, used, ctx),
        "disclosure": ctx.rule.describe()
        if ctx.rule
        else {"role": ctx.role, "rule": "none"},
        "weighting": UNWEIGHTED,
    }


def _features(
    cells: gpd.GeoDataFrame, used: list[dict[str, Any]], ctx: PriorityContext
) -> dict[str, Any]:
    """The co-location cells as GeoJSON (WGS84), counts as the role may see them."""
    hit = cells[cells["colocated"]]
    out = []
    wgs = hit.to_crs(4326)
    for (_, row), geom in zip(hit.iterrows(), wgs.geometry, strict=True):
        props: dict[str, Any] = {
            "cell": f"{row['x']}_{row['y']}",
            "components_in_top": int(row["components_in_top"]),
        }
        for comp in used:
            props[comp["id"]] = shown_count(
                int(row[comp["id"]]), ctx.rule, sensitive=comp["sensitive"]
            )
            props[f"{comp['id']}_top"] = bool(row[f"{comp['id']}_top"])
        out.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": out}
