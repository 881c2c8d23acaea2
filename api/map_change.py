"""The "what changed" view and the trust figure on the map. No FastAPI here.

:func:`build_change_map` draws emerging hot spot classes (and the change
between two periods per cell) for an area, with a legend that explains each
class in plain words and per-ward trend sparklines. :func:`with_trust` adds a
layer's backtested trust figure to its legend section, and
:func:`default_map_query` gives the main map the method that backtests best.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from html import escape
from typing import Any
from urllib.parse import urlencode

import folium

import geopandas as gpd

from api.assets import folium_css, folium_js
from api.mappanels import THEME_LABELS, LegendEntry
from hotspots.areas import Area
from hotspots.crs import BNG
from hotspots.errors import InvalidParameterError
from hotspots.temporal import CLASS_TEXT

__all__ = [
    "CHANGE_COLOURS",
    "CLASS_COLOURS",
    "build_change_map",
    "change_periods",
    "default_map_query",
    "info_extras",
    "sparkline_svg",
    "with_trust",
]

_HOT = ("#67000d", "#cb181d", "#a50f15", "#ef3b2c", "#fb6a4a", "#fc9272", "#d8864b",
        "#fcbba1")  # fmt: skip
_COLD = ("#08306b", "#2171b5", "#08519c", "#4292c6", "#6baed6", "#9ecae1", "#5e8fb0",
         "#c6dbef")  # fmt: skip
#: Colour of each emerging class (ArcGIS's order: reds hot, blues cold).
CLASS_COLOURS: dict[str, str] = {
    **{f"{k} hot spot": c for k, c in zip(CLASS_TEXT, _HOT, strict=True)},
    **{f"{k} cold spot": c for k, c in zip(CLASS_TEXT, _COLD, strict=True)},
}
#: Colour of each change direction.
CHANGE_COLOURS = {
    "up": ("#d6604d", "more, beyond chance"),
    "down": ("#4393c3", "fewer, beyond chance"),
    "no significant change": ("#e0e0e0", "changed within chance"),
}

CSS = """
body .leaflet-container { background: #cddfeb; }
body .leaflet-control-layers { font-size: 12px; }
.hs-panel { position: fixed; z-index: 1000; background: rgba(255,255,255,.95);
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35); padding: 8px 10px;
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; }
.hs-info { top: 10px; left: 54px; width: 320px; }
.hs-info h1 { font-size: 15px; margin: 0 0 4px; font-weight: 600; }
.hs-info form { display: flex; flex-wrap: wrap; gap: 4px 8px; margin: 4px 0; }
.hs-legend { bottom: 44px; left: 10px; width: 300px; max-height: 45%;
  overflow-y: auto; }
.hs-legend h2, .hs-wards h2 { font-size: 12px; font-weight: 600; margin: 0 0 3px; }
.hs-legend ul { list-style: none; margin: 0 0 4px; padding: 0; }
.hs-legend li { margin: 1px 0; }
.hs-swatch { display: inline-block; width: 14px; height: 11px; margin-right: 5px;
  border: 1px solid #888; vertical-align: -1px; }
.hs-wards { top: 110px; right: 10px; width: 330px; max-height: calc(100% - 140px);
  overflow-y: auto; font-size: 11px; }
.hs-wards table { border-collapse: collapse; width: 100%; }
.hs-wards td { padding: 1px 3px; white-space: nowrap; }
.hs-wards tr.hs-chosen { background: #fff3c4; }
.hs-up { color: #b2182b; font-weight: 600; } .hs-down { color: #2166ac;
  font-weight: 600; }
@media (max-width: 640px) {
  .hs-info { left: 50px; right: 8px; width: auto; top: 8px; padding: 6px 8px; }
  .hs-info h1 { font-size: 13px; }
  .leaflet-control-scale { display: none; }
  .leaflet-top.leaflet-right { top: 118px; }
  body .leaflet-control-layers { font-size: 11px; }
  .leaflet-control-layers-expanded { padding: 3px 6px; }
  .hs-legend { left: 8px; right: 8px; width: auto; bottom: 8px; max-height: 24%; }
  .hs-wards { top: auto; bottom: calc(24% + 16px); left: 8px; right: 8px;
    width: auto; max-height: 20%; }
}
"""


def with_trust(entry: LegendEntry, layer: Mapping[str, Any]) -> LegendEntry:
    """The legend section with the layer's trust figure as its note."""
    trust = layer.get("parameters", {}).get("trust") or {}
    text = trust.get("text") or trust.get("note")
    if not text:
        return entry
    note = f"{entry.note} " if entry.note else ""
    return replace(entry, note=f"{note}How far to trust it: {text}.")


def default_map_query(
    query: Mapping[str, str | None], months: Sequence[str], choice: Any
) -> dict[str, str | None]:
    """The map's query with the backtested default method (and its months)
    when the page asked for none."""
    out = dict(query)
    if out.get("method") or choice is None:
        return out
    out["method"] = choice.recipe.method
    if not out.get("month_from") and not out.get("month_to") and months:
        n = min(choice.recipe.window_months, len(months))
        out["month_from"] = months[-n]
    return out


def change_periods(
    months: Sequence[str], month_from: str | None, month_to: str | None
) -> tuple[tuple[tuple[str, str], tuple[str, str]] | None, str]:
    """ "This period" (asked, clamped to the data as on the map) and the one before
    it, as long, and a notice when they are not as asked; None: the default
    (the latest quarter against the one before).
    """
    from api.mapdata import clamp_period  # api.mapdata imports this module

    if not month_from and not month_to:
        return None, ""
    start, end, notice = clamp_period(months, month_from, month_to)
    if len(months) < 2 or start is None or end is None:
        raise InvalidParameterError("a change needs at least two months of data")
    after = [m for m in months if start <= m <= end]
    why = notice.split(": showing")[0] if notice else ""
    if after[0] == months[0]:  # nothing before it to compare with
        after = after[1:] or [months[1]]
        why = why or f"No data before {months[0]} to compare with"
    before = [m for m in months if m < after[0]][-len(after) :]
    periods = ((before[0], before[-1]), (after[0], after[-1]))
    if not why:
        return periods, ""
    return periods, (
        f"{why}: showing {after[0]} to {after[-1]} against {before[0]} to {before[-1]}"
    )


def sparkline_svg(counts: Sequence[int], width: int = 84, height: int = 18) -> str:
    """A tiny inline SVG line of monthly counts (last point marked)."""
    if not counts:
        return ""
    top = max(max(counts), 1)
    step = width / max(len(counts) - 1, 1)
    pts = [
        (i * step, height - 2 - (height - 4) * c / top) for i, c in enumerate(counts)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x, y = pts[-1]
    return (
        f'<svg class="hs-spark" width="{width}" height="{height}" role="img" '
        f'aria-label="monthly counts {escape(", ".join(map(str, counts)))}">'
        f'<polyline points="{line}" fill="none" stroke="#444" stroke-width="1.3"/>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#c00"/></svg>'
    )


def _in_area(layer: Mapping[str, Any], area: Area) -> dict[str, Any]:
    """The layer's features that cross the area (all for the whole city)."""
    out = dict(layer)
    if area.is_city or not layer.get("features"):
        return out
    frame = gpd.GeoDataFrame.from_features(layer["features"], crs=4326).to_crs(BNG)
    keep = frame.intersects(area.geometry).to_numpy()
    out["features"] = [f for f, k in zip(layer["features"], keep, strict=True) if k]
    return out


def _legend(emerging: Mapping[str, Any], change: Mapping[str, Any]) -> str:
    counts: dict[str, int] = {}
    for f in emerging.get("features", []):
        name = f["properties"]["pattern"]
        counts[name] = counts.get(name, 0) + 1
    rows = []
    for name, colour in CLASS_COLOURS.items():
        if name not in counts:
            continue
        meaning = _meaning(name)
        rows.append(
            f'<li><span class="hs-swatch" style="background:{colour}"></span>'
            f"<strong>{escape(name)}</strong> ({counts[name]} cells): "
            f"{escape(meaning)}</li>"
        )
    if not rows:
        rows.append("<li>No cell shows a pattern in this period.</li>")
    p = emerging.get("parameters", {})
    change_rows = "".join(
        f'<li><span class="hs-swatch" style="background:{c}"></span>{escape(t)}</li>'
        for c, t in CHANGE_COLOURS.values()
    )
    cp = change.get("parameters", {})
    return (
        "<h2>Emerging hot spots</h2>"
        f'<ul id="hs-classes">{"".join(rows)}</ul>'
        f"<small>Each month's Gi* (100 m cells, neighbours in this and the "
        f"previous month, FDR {p.get('alpha', 0.05)}) and the Mann-Kendall trend "
        f"of its z ({len(p.get('slices', []))} months). Hot/cold = significantly "
        "more/fewer incidents around a cell than across the city.</small>"
        f"<h2>Change: {escape(str(cp.get('after_from')))} to "
        f"{escape(str(cp.get('after_to')))} against "
        f"{escape(str(cp.get('before_from')))} to {escape(str(cp.get('before_to')))}"
        f"</h2><ul>{change_rows}</ul>"
        "<small>Per cell and ward: counts before and after; beyond chance = "
        "exact binomial test given the total, Benjamini-Hochberg across cells."
        "</small>"
    )


#: What a tooltip shows for a value the disclosure rule withheld (JSON null).
WITHHELD = "withheld (small count)"


def _withheld_said(features: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Features whose withheld values read as such in a tooltip, not "null"."""
    return [
        {**f, "properties": {k: WITHHELD if v is None else v
                             for k, v in f["properties"].items()}}
        for f in features
    ]  # fmt: skip


def _meaning(name: str) -> str:
    key = name.split(" ")[0]
    text = CLASS_TEXT.get(key, name)
    return text.replace("hot", "cold") if "cold" in name else text


def _wards_html(
    change: Mapping[str, Any], trends: Sequence[Mapping[str, Any]], area: Area
) -> str:
    by_code = {w["id"]: w for w in change.get("areas", [])}
    rows = []
    for t in sorted(trends, key=lambda w: w["name"]):
        c = by_code.get(t["code"], {})
        arrow, cls = "", ""
        if c.get("direction") == "up":
            arrow, cls = "▲", "hs-up"
        elif c.get("direction") == "down":
            arrow, cls = "▼", "hs-down"
        chosen = (
            ' class="hs-chosen"'
            if t["code"] in area.ward_codes and not area.is_city
            else ""
        )
        trend = "no clear trend"
        if t.get("trend_p", 1) < 0.05:
            trend = "rising" if t.get("trend_z", 0) > 0 else "falling"
        rows.append(
            f'<tr{chosen} title="{escape(t["name"])}: {trend} (Mann-Kendall tau '
            f'{t.get("trend_tau", 0):.2f})"><td>{escape(t["name"])}</td>'
            f"<td>{sparkline_svg(t['counts'])}</td>"
            f"<td>{c.get('n_before', '')}→{c.get('n_after', '')}</td>"
            f'<td class="{cls}">{arrow}</td></tr>'
        )
    return (
        "<details open><summary><h2 style='display:inline'>Wards: monthly "
        "trend</h2></summary><table>" + "".join(rows) + "</table>"
        "<small>▲/▼: change beyond chance (before → after).</small></details>"
    )


def _info(
    title: str, theme: str, area: Area, areas: Sequence[tuple[str, str]],
    query: Mapping[str, str],
) -> str:  # fmt: skip
    def options(values: Sequence[tuple[str, str]], chosen: str) -> str:
        return "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>'
            f"{escape(t)}</option>" for v, t in values
        )  # fmt: skip

    chosen_area = "city" if area.is_city else area.code
    back = "/?" + urlencode({k: v for k, v in query.items() if k in ("theme", "area")})
    return (
        f"<h1>{escape(title)}</h1>"
        f'<form method="get" action="">'
        f'<label>Theme <select name="theme" onchange="this.form.submit()">'
        f"{options(list(THEME_LABELS.items()), theme)}</select></label>"
        f'<label>Area <select name="area" onchange="this.form.submit()">'
        f"{options(areas, chosen_area)}</select></label></form>"
        f'<a href="{escape(back)}">Back to the hotspot map</a>'
    )


def build_change_map(
    *,
    title: str,
    theme: str,
    area: Area,
    areas: Sequence[tuple[str, str]],
    change: Mapping[str, Any],
    emerging: Mapping[str, Any],
    trends: Sequence[Mapping[str, Any]],
    wards: gpd.GeoDataFrame,
    centre: tuple[float, float],
    query: Mapping[str, str],
    notice: str = "",
) -> folium.Map:
    """The "what changed" page for an area: classes, change, ward sparklines;
    ``notice`` says why the period shown is not the one asked for."""
    fmap = folium.Map(location=centre, zoom_start=12, tiles=None, control_scale=True,
                      max_zoom=19, zoom_snap=0.25)  # fmt: skip
    fmap.default_js, fmap.default_css = folium_js(), folium_css()
    w84 = wards.to_crs(4326)
    land = gpd.GeoDataFrame(geometry=[w84.union_all()], crs=4326)
    folium.GeoJson(json.loads(land.to_json()), name="Land", control=False,
                   interactive=False,
                   style_function=lambda _: {"fillColor": "#fbfbf7", "fillOpacity": 1,
                                             "stroke": False}).add_to(fmap)  # fmt: skip
    shown_change = _in_area(change, area)
    if shown_change.get("features"):
        folium.GeoJson(
            {"type": "FeatureCollection",
             "features": _withheld_said(shown_change["features"])},
            name="Change (this period against the last)", show=False,
            style_function=lambda f: {
                "fillColor": CHANGE_COLOURS[f["properties"]["direction"]][0]
                if f["properties"]["direction"] in CHANGE_COLOURS else "#ffffff",
                "fillOpacity": 0.75, "weight": 0.3, "color": "#666"},
            tooltip=folium.GeoJsonTooltip(
                ["n_before", "n_after", "change", "p", "q", "direction"]),
        ).add_to(fmap)  # fmt: skip
    shown = _in_area(emerging, area)
    if shown.get("features"):
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shown["features"]},
            name="Emerging hot spots",
            style_function=lambda f: {
                "fillColor": CLASS_COLOURS.get(f["properties"]["pattern"], "#999"),
                "fillOpacity": 0.8, "weight": 0.4, "color": "#444"},
            tooltip=folium.GeoJsonTooltip(
                ["pattern", "meaning", "hot_slices", "trend_tau", "trend_p",
                 "z_by_slice"]),
        ).add_to(fmap)  # fmt: skip
    folium.GeoJson(json.loads(w84.to_json()), name="Wards",
                   style_function=lambda _: {"fill": False, "color": "#333",
                                             "weight": 1.2},
                   tooltip=folium.GeoJsonTooltip(["name"])).add_to(fmap)  # fmt: skip
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    root = fmap.get_root()
    root.header.add_child(folium.Element(
        f'<link rel="icon" href="data:,"><style>{CSS}</style>'))  # fmt: skip
    html = (
        f'<div class="hs-panel hs-info" id="hs-info">'
        f"{_info(title, theme, area, areas, query)}"
        + (
            f'<p id="hs-notice" role="status" style="color:#8a3b00;margin:4px 0">'
            f"{escape(notice)}</p>"
            if notice
            else ""
        )
        + "</div>"
        f'<div class="hs-panel hs-legend" id="hs-legend">{_legend(shown, change)}</div>'
        f'<div class="hs-panel hs-wards" id="hs-wards">'
        f"{_wards_html(change, trends, area)}</div>"
    )
    root.html.add_child(folium.Element(html))
    bounds = gpd.GeoSeries([area.geometry], crs=BNG).to_crs(4326).total_bounds
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap


def info_extras(
    query: Mapping[str, str], layer: Mapping[str, Any] | None, *, link: bool = True
) -> str:
    """Under the map's controls: the shown layer's trust figure, and (``link``)
    a link to the "what changed" view of its area."""
    keep = {k: v for k, v in query.items() if k in ("theme", "area")}
    trust = ((layer or {}).get("parameters") or {}).get("trust") or {}
    text = trust.get("text") or trust.get("note")
    box = ""
    if text:
        box = (
            '<p id="hs-trust" style="margin:4px 0;padding:4px 6px;'
            'background:#eef5e9;border-left:3px solid #4a8a3a">'
            f"<strong>How far to trust this map:</strong> {escape(text)}.</p>"
        )
    if not link:
        return box
    return box + (
        f'<p style="margin:4px 0"><a id="hs-change-link" '
        f'href="/change?{escape(urlencode(keep))}">'
        "What changed here? This quarter against the last</a></p>"
    )
