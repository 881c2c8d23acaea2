"""The hotspot map, built with Folium on the server: a pure function of its inputs.

:func:`build_map` takes what to show (:class:`MapView`), the computed layers and
boundaries (:class:`MapData`) and the settings, and returns a ``folium.Map`` whose
page links only the app's own ``/assets`` (see :mod:`api.assets`). No FastAPI
here: the route gathers the data (:mod:`api.mapdata`), this draws it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import folium
import pandas as pd
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

import geopandas as gpd

from api.assets import folium_css, folium_js
from api.map_change import info_extras, with_trust
from api.map_premises import add_premises_layer
from api.maplayers import StyledLayer, style_layer
from api.mappanels import (
    PAGE_CSS,
    LegendEntry,
    Source,
    controls_html,
    info_html,
    legend_html,
    method_label,
    sources_html,
    theme_label,
)
from hotspots.settings import Settings

__all__ = ["MapData", "MapView", "build_map", "tiles_enabled"]


@dataclass(frozen=True)
class MapView:
    """What to show: theme, method, period and area (the page's query)."""

    theme: str = "all"
    method: str = "gistar"
    month_from: str | None = None
    month_to: str | None = None
    area: str = "city"  # "city" or a ward/LSOA code
    view: tuple[float, float, float] | None = None  # lat, lon, zoom; None = fit area
    notice: str = ""  # why the period shown is not the one asked for

    def query(self) -> dict[str, str]:
        """The query parameters that reproduce this view."""
        query = {
            "theme": self.theme,
            "method": self.method,
            "from": self.month_from or "",
            "to": self.month_to or "",
            "area": self.area,
        }
        return {k: v for k, v in query.items() if v}


@dataclass(frozen=True)
class MapData:
    """Everything drawn: layers per method, boundaries, incidents, sources."""

    layers: Mapping[str, Mapping[str, Any]]  # method -> layer GeoJSON (WGS84)
    wards: gpd.GeoDataFrame  # code, name, geometry
    lsoas: gpd.GeoDataFrame
    area_name: str
    area_bounds: tuple[float, float, float, float]  # WGS84 min lon/lat, max lon/lat
    title: str = "Crime and harm hotspots"  # the area pack's map title
    study_name: str = "Study area"  # the whole study area, in the area selector
    districts: Sequence[tuple[str, str]] = ()  # (code, name), when several
    centre: tuple[float, float] = (50.8058, -1.0872)  # lat, lon before fitting
    zoom: float = 13
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)  # lat, lon, n
    incident_note: str = ""
    months: Sequence[str] = ()
    methods: Sequence[str] = ("gistar", "kde", "grid")
    sources: Sequence[Source] = ()
    notes: Sequence[str] = ()  # e.g. why a layer is missing


def tiles_enabled(settings: Settings) -> bool:
    """Whether a basemap tile URL is configured (else no request leaves the page)."""
    return settings.tiles.strip().lower() not in ("", "none")


def build_map(
    view: MapView, data: MapData, settings: Settings, *, export: bool = False
) -> folium.Map:
    """The map page: hotspot layers per method, incidents, boundaries, panels.

    ``export=True`` leaves out the form (a standalone file has no server behind it).
    """
    wards = data.wards.to_crs(4326)
    fmap = _base_map(view, data, settings)
    if not tiles_enabled(settings):
        _land(wards).add_to(fmap)
    legends: dict[str, LegendEntry] = {}
    for method in data.methods:
        layer = data.layers.get(method)
        if layer is None:
            continue
        styled = style_layer(method, layer, wards)
        group = _hotspot_group(method, view, styled)
        group.add_to(fmap)
        legends[group.get_name()] = with_trust(styled.legend, layer)
    if len(data.incidents):
        _incident_group(view, data).add_to(fmap)
    _outline_group(
        "LSOA outlines", data.lsoas.to_crs(4326), "#777777", False, dash="3 3"
    ).add_to(fmap)
    _ward_group(wards).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    _add_panels(fmap, view, data, settings, list(legends.values()), export)
    _PageScript(fmap, {name: e.section_id for name, e in legends.items()}).add_to(fmap)
    if not export:  # the premises layer reads this service (api/map_premises.py)
        add_premises_layer(fmap)
    if view.view is None:
        w, s, e, n = data.area_bounds
        _FitToScreen(fmap, ((s, w), (n, e))).add_to(fmap)
    return fmap


def _base_map(view: MapView, data: MapData, settings: Settings) -> folium.Map:
    location, zoom = data.centre, data.zoom
    if view.view is not None:
        location, zoom = view.view[:2], view.view[2]
    fmap = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        max_zoom=19,
        zoom_snap=0.25,
        font_size="12px",
    )
    fmap.default_js = folium_js()  # instance copies: Folium's class lists untouched
    fmap.default_css = folium_css()
    if tiles_enabled(settings):
        folium.TileLayer(
            tiles=settings.tiles.strip(),
            attr=settings.tiles_attribution or "Basemap",
            name="Basemap",
            max_zoom=19,
        ).add_to(fmap)
    return fmap


def _land(wards: gpd.GeoDataFrame) -> folium.GeoJson:
    """The city's land, drawn pale on the sea-coloured background (no tiles)."""
    land = gpd.GeoDataFrame(geometry=[wards.union_all()], crs=wards.crs)
    return folium.GeoJson(
        json.loads(land.to_json()),
        name="Land",
        control=False,
        interactive=False,
        style_function=lambda _: {
            "fillColor": "#fbfbf7",
            "fillOpacity": 1,
            "stroke": False,
        },
    )


def _hotspot_group(method: str, view: MapView, styled: StyledLayer) -> folium.Element:
    name = f"{method_label(method)}: {theme_label(view.theme)}"
    group = folium.FeatureGroup(name=name, show=method == view.method)
    if not styled.features:
        return group
    # Styled in the browser from each feature's colour "c": a Python
    # style_function would embed a per-feature switch as large as the data.
    style = JsCode(
        "function (f) { return {fillColor: f.properties.c, color: '#555555', "
        f"weight: {styled.outline}, stroke: {str(styled.outline > 0).lower()}, "
        f"fillOpacity: {styled.fill_opacity}}}; }}"
    )
    folium.GeoJson(
        styled.collection(),
        name=name,
        style=style,
        popup=folium.GeoJsonPopup(
            fields=list(styled.fields), aliases=list(styled.aliases), labels=True
        ),
    ).add_to(group)
    return group


#: Incident locations: grey circles, area growing with the count.
_INCIDENT_MARKER = JsCode(
    "function (f, latlng) { return L.circleMarker(latlng, {radius: 1.5 + "
    "Math.sqrt(Math.min(f.properties.n, 100)) / 2, weight: 0.6, color: '#222222', "
    "fillColor: '#555555', fillOpacity: 0.5}); }"
)


def _incident_group(view: MapView, data: MapData) -> folium.FeatureGroup:
    name = f"Incidents per location: {theme_label(view.theme)}"
    group = folium.FeatureGroup(name=name, show=False)  # on top, they hide cells
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(r.lon, 5), round(r.lat, 5)],
            },
            "properties": {"n": int(r.n), "themes": _themes_text(r.themes)},
        }
        for r in data.incidents.itertuples(index=False)
    ]
    fields, aliases = ["n", "themes"], ["Incidents here", "By theme"]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        point_to_layer=_INCIDENT_MARKER,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, labels=True),
        # A phone has no hover: a tap (or click) opens the same text.
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, labels=True),
    ).add_to(group)
    return group


def _themes_text(themes: object) -> str:
    if not isinstance(themes, Mapping):
        return ""
    return ", ".join(f"{theme_label(t)} {n}" for t, n in sorted(themes.items()))


def _outline_group(
    name: str, areas: gpd.GeoDataFrame, colour: str, show: bool, dash: str = ""
) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        json.loads(areas[["code", "name", "geometry"]].to_json()),
        interactive=False,
        style_function=lambda _: {
            "color": colour,
            "weight": 1,
            "fill": False,
            "dashArray": dash or None,
        },
    ).add_to(group)
    return group


def _ward_group(wards: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Ward outlines with their names as labels, readable without tiles."""
    group = _outline_group("Ward outlines and names", wards, "#333333", True)
    for row in wards.itertuples(index=False):
        point = row.geometry.representative_point()
        folium.Marker(
            (point.y, point.x),
            icon=folium.DivIcon(
                html=f'<div class="ward-label">{escape(str(row.name))}</div>',
                icon_size=(160, 14),
                icon_anchor=(80, 7),
                class_name="hs-ward-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(group)
    return group


def _summary(view: MapView, data: MapData) -> dict[str, str]:
    layer = data.layers.get(view.method) or {}
    period = f"{view.month_from or '…'} to {view.month_to or '…'}"
    rows = {
        "Theme": theme_label(view.theme),
        "Period": period,
        "Area": data.area_name,
        "Method": method_label(view.method),
    }
    summary = layer.get("summary") or {}
    parameters = layer.get("parameters") or {}
    if "area_incidents" in summary:
        rows["Incidents in area"] = f"{int(summary['area_incidents']):,}"
    if "incidents" in summary:
        study = parameters.get("study_area_name", "the study area")
        rows["Statistic over"] = f"{study} ({int(summary['incidents']):,} incidents)"
    if data.incident_note:
        rows["Incident points"] = data.incident_note
    for note in data.notes:
        rows.setdefault("Note", "")
        rows["Note"] = (rows["Note"] + " " + note).strip()
    return rows


def _add_panels(
    fmap: folium.Map,
    view: MapView,
    data: MapData,
    settings: Settings,
    legends: list[LegendEntry],
    export: bool,
) -> None:
    root = fmap.get_root()
    root.header.add_child(
        folium.Element(f'<link rel="icon" href="data:,"><style>{PAGE_CSS}</style>')
    )
    info = info_html(data.title, _summary(view, data), data.layers.get(view.method))
    # The trust figure and the "what changed" link (api/map_change.py).
    extras = info_extras(view.query(), data.layers.get(view.method), link=not export)
    if not export:
        wards = [(r.code, r.name) for r in data.wards.itertuples(index=False)]
        areas = [("city", data.study_name), *data.districts, *wards]
        extras = controls_html(view.query(), data.months, areas, data.methods) + extras
    if view.notice:
        notice = (
            f'<p class="hs-note" id="hs-notice" role="status">{escape(view.notice)}</p>'
        )
        extras = notice + extras
    info = info.replace("</h1>", "</h1>" + extras, 1)
    extra = []
    if tiles_enabled(settings) and settings.tiles_attribution:
        extra.append(f"Basemap: {settings.tiles_attribution}")
    html = (
        f'<div class="hs-panel hs-info" id="hs-info">{info}</div>'
        f'<div class="hs-panel hs-legend" id="hs-legend">{legend_html(legends)}</div>'
        f'<div class="hs-panel hs-sources" id="hs-sources">'
        f"{sources_html(data.sources, extra)}</div>"
    )
    root.html.add_child(folium.Element(html))


class _PageScript(MacroElement):
    """Show each legend section only while its layer is on; export the view."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }};
  var sections = {{ this.sections }};
  function sync() {
    Object.keys(sections).forEach(function (layer) {
      var el = document.getElementById(sections[layer]);
      if (el) { el.style.display = map.hasLayer(window[layer]) ? "" : "none"; }
    });
  }
  map.on("overlayadd overlayremove", sync);
  sync();
  // A tap opens both a point's tooltip and its popup: keep only the popup.
  map.on("popupopen", function () {
    setTimeout(function () {  // after the tooltip's own click handler
      map.eachLayer(function (l) {
        var t = l.getTooltip && l.getTooltip();
        if (t && !t.options.permanent) { l.closeTooltip(); }
      });
    }, 0);
  });
  var link = document.getElementById("export-link");
  if (link) {
    link.addEventListener("click", function () {
      var c = map.getCenter();
      var url = new URL(link.getAttribute("href"), window.location.href);
      url.searchParams.set("view", c.lat.toFixed(5) + "," + c.lng.toFixed(5)
        + "," + map.getZoom());
      link.href = url.toString();
    });
  }
})();
{% endmacro %}"""
    )

    def __init__(self, fmap: folium.Map, sections: dict[str, str]) -> None:
        super().__init__()
        self._name = "PageScript"
        self.map_name = fmap.get_name()
        self.sections = json.dumps(sections)


class _FitToScreen(MacroElement):
    """Fit the area, padded for the panels only where the screen has room for them.

    The info panel (left, 360 px) and the layer control (right, 300 px) are
    cleared on a wide screen, scaled down on a tablet, left out under 700 px: on a
    phone that padding is wider than the map (infinite zoom, NaN coordinates).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }};
  var width = map.getSize().x || window.innerWidth;
  // At least 240 px of map between the panels; no side padding under 700 px.
  var k = width < 700 ? 0 : Math.min(1, (width - 240) / {{ this.left + this.right }});
  map.fitBounds({{ this.bounds }}, {
    paddingTopLeft: [Math.max(10, k * {{ this.left }}), 10],
    paddingBottomRight: [Math.max(10, k * {{ this.right }}), 10]
  });
})();
{% endmacro %}"""
    )

    def __init__(
        self,
        fmap: folium.Map,
        bounds: tuple[tuple[float, float], tuple[float, float]],
        left: int = 360,
        right: int = 300,
    ) -> None:
        super().__init__()
        self._name = "FitToScreen"
        self.map_name = fmap.get_name()
        self.bounds = json.dumps([list(b) for b in bounds])
        self.left = left
        self.right = right
