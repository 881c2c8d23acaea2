"""The hotspot map page, built with Folium on the server: a pure function of its inputs.

:func:`build_map` takes what to show (:class:`MapView`), what the panel says
(:class:`MapData`) and the settings, and returns a ``folium.Map`` whose page
links only the app's own ``/assets`` (see :mod:`api.assets`). The page carries
no features: its script (``api/static/hsmap.js``) fetches the layer, incidents
and boundaries from the API, as the page's role sees them, and styles them with
:func:`api.maplayers.style_config`. A standalone export carries those same API
answers in ``embedded``. No FastAPI here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

import geopandas as gpd

from api.assets import PAGE_ASSETS, folium_css, folium_js
from api.map_api import incidents_url, layer_url
from api.map_change import info_extras
from api.map_premises import add_premises_layer, premises_search_html
from api.maplayers import style_config
from api.mappanels import (
    THEME_LABELS,
    Source,
    controls_html,
    flag_label,
    info_html,
    method_label,
    page_html,
    parameters_html,
    sources_html,
    theme_label,
)
from api.route_rules import minimum_role
from hotspots.access import Role, parse_role
from hotspots.settings import Settings
from hotspots.tiles import TileInfo, is_archive_path, open_archive

__all__ = [
    "STREET_ZOOM",
    "TILES_URL",
    "MapData",
    "MapView",
    "api_urls",
    "basemap",
    "build_map",
    "shown_label",
    "tiles_enabled",
]

#: Street names are drawn from this zoom when there is no basemap.
STREET_ZOOM = 15
#: Where the service serves a local tile archive (api/routes/tiles.py).
TILES_URL = "/tiles/{z}/{x}/{y}"


@dataclass(frozen=True)
class MapView:
    """What to show: theme or priority, flag, method, period and area (the
    page's query). A priority replaces the theme (``theme`` is then ``all``);
    a flag narrows either to incidents with that flag set."""

    theme: str = "all"
    method: str = "gistar"
    month_from: str | None = None
    month_to: str | None = None
    area: str = "city"  # "city" or a ward/LSOA code
    view: tuple[float, float, float] | None = None  # lat, lon, zoom; None = fit area
    notice: str = ""  # why the view shown is not the one asked for
    priority: str = ""  # a partnership priority's id; "" = none
    flag: str = ""  # a flag column (hotspots.schema.FLAG_COLUMNS); "" = any

    def query(self) -> dict[str, str]:
        """The query parameters that reproduce this view."""
        query = {
            "theme": self.theme,
            "priority": self.priority,
            "flag": self.flag,
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
    ward_labels: Sequence[tuple[str, float, float]] = ()  # name, lat, lon
    chosen: Mapping[str, Any] | None = None  # the area's GeoJSON geometry and label
    priorities: Sequence[tuple[str, str]] = ()  # (id, name) for the selector
    flags: Sequence[str] = ()  # the flags the page's role may see
    priority: tuple[str, str] | None = None  # the chosen one: name, what it selects
    empty_note: str = ""  # why the layer has nothing to draw, said on the map


def api_urls(view: MapView) -> tuple[str, str]:
    """The API addresses of the view's layer and its incidents per location.

    The theme, period and area as :mod:`api.map_api` writes them, then the
    view's priority and flag (the API's ``priority`` and ``flag`` filters).
    """
    query = {"method": view.method, **view.query()}
    extra = urlencode(
        {k: v for k, v in (("priority", view.priority), ("flag", view.flag)) if v}
    )

    def joined(url: str) -> str:
        return url + ("&" if "?" in url else "?") + extra if extra else url

    return joined(layer_url(query)), joined(incidents_url(query))


def shown_label(view: MapView, data: MapData) -> str:
    """What incidents the view shows: its priority or theme, and its flag."""
    what = (
        f"Priority: {data.priority[0]}"
        if view.priority and data.priority
        else theme_label(view.theme)
    )
    return f"{what} · Flag: {flag_label(view.flag)}" if view.flag else what


def tiles_enabled(settings: Settings) -> bool:
    """Whether a basemap is configured: a tile URL or a local archive."""
    return settings.tiles.strip().lower() not in ("", "none")


def basemap(settings: Settings) -> tuple[str, str, TileInfo | None] | None:
    """The basemap's tile URL, attribution and (for an archive) its description."""
    if not tiles_enabled(settings):
        return None
    value = settings.tiles.strip()
    if is_archive_path(value):
        info = open_archive(value).info
        attribution = settings.tiles_attribution or info.attribution or "Basemap"
        return f"{TILES_URL}.{info.format}", attribution, info
    return value, settings.tiles_attribution or "Basemap", None


def build_map(
    view: MapView,
    data: MapData,
    settings: Settings,
    *,
    export: bool = False,
    embedded: Mapping[str, Any] | None = None,
    printable: bool = False,
) -> folium.Map:
    """The map page: the panel, and the script that fetches and draws the layers.

    ``export=True`` leaves out the form and the premises (a standalone file has
    no server behind it) and draws from ``embedded`` (URL -> the API's answer).
    ``printable`` is the briefing view: map large, then legend, period, sources
    and parameters, no controls.
    """
    tiles = basemap(settings)
    fmap = _base_map(view, data, tiles)
    root = fmap.get_root()
    links = "".join(
        f'<link rel="stylesheet" href="{a.url}"/>'
        if a.kind == "css"
        else f'<script src="{a.url}"></script>'
        for a in PAGE_ASSETS
    )
    root.header.add_child(folium.Element(f'<link rel="icon" href="data:,">{links}'))
    root.html.add_child(folium.Element(_panel(view, data, settings, tiles, export)))
    if not export:  # the premises layer reads this service (api/map_premises.py)
        add_premises_layer(fmap, checks=_may_check_premises(settings))
    config = _config(view, data, tiles, export, embedded or {}, printable)
    _PageScript(fmap, config).add_to(fmap)
    return fmap


def _may_check_premises(settings: Settings) -> bool:
    """Whether the page's role (it sends no key) may open premises area checks."""
    required = minimum_role("/api/v1/premises/0/check")
    if required is None:
        return True
    roles = list(Role)
    return roles.index(parse_role(settings.default_role)) >= roles.index(required)


def _base_map(
    view: MapView, data: MapData, tiles: tuple[str, str, TileInfo | None] | None
) -> folium.Map:
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
    # Leaflet only: the page uses neither jQuery, Bootstrap nor Font Awesome
    # (~0.4 MB a phone need not fetch). Instance copies: Folium's lists untouched.
    fmap.default_js = [(n, u) for n, u in folium_js() if n == "leaflet"]
    fmap.default_css = [(n, u) for n, u in folium_css() if n == "leaflet_css"]
    if tiles is not None:
        url, attribution, info = tiles
        options: dict[str, Any] = {}
        if info is not None:  # never ask the archive for tiles it cannot have
            options["max_native_zoom"] = info.max_zoom
            options["min_native_zoom"] = info.min_zoom
            if info.bounds is not None:
                w, s, e, n = info.bounds
                options["bounds"] = [[s, w], [n, e]]
        folium.TileLayer(
            tiles=url, attr=attribution, name="Basemap", max_zoom=19, **options
        ).add_to(fmap)
    return fmap


def _summary(view: MapView, data: MapData) -> dict[str, str]:
    layer = data.layers.get(view.method) or {}
    period = f"{view.month_from or '…'} to {view.month_to or '…'}"
    rows: dict[str, str] = {}
    if view.priority and data.priority:
        rows["Priority"] = data.priority[0]
        rows["Priority covers"] = data.priority[1]
        rows["Theme"] = "not used: the priority chooses the incidents"
    else:
        rows["Theme"] = theme_label(view.theme)
    if view.flag:
        rows["Flag"] = f"{flag_label(view.flag)}: only incidents with this flag"
    rows |= {
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


def _panel(
    view: MapView,
    data: MapData,
    settings: Settings,
    tiles: tuple[str, str, TileInfo | None] | None,
    export: bool,
) -> str:
    layer = data.layers.get(view.method)
    # The trust figure and the "what changed" link (api/map_change.py).
    shown = info_html(_summary(view, data)) + info_extras(
        view.query(), layer, link=not export
    )
    controls = ""
    if not export:
        wards = [(r.code, r.name) for r in data.wards.itertuples(index=False)]
        areas = [("city", data.study_name), *data.districts, *wards]
        controls = controls_html(
            view.query(), data.months, areas, data.methods,
            priorities=data.priorities, flags=data.flags,
        )  # fmt: skip
    if view.notice:
        controls = (
            f'<p class="hs-note" id="hs-notice" role="status">{escape(view.notice)}</p>'
            + controls
        )
    extra = [f"Basemap: {tiles[1]}"] if tiles is not None else []
    bar = " · ".join(
        (shown_label(view, data), f"{view.month_from} to {view.month_to}",
         data.area_name, method_label(view.method))
    )  # fmt: skip
    return page_html(
        title=data.title,
        bar_text=bar,
        controls=controls,
        shown=shown,
        parameters=parameters_html(layer),
        sources=sources_html(data.sources, extra),
        premises="" if export else premises_search_html(),
    )


def _config(
    view: MapView,
    data: MapData,
    tiles: tuple[str, str, TileInfo | None] | None,
    export: bool,
    embedded: Mapping[str, Any],
    printable: bool,
) -> dict[str, Any]:
    """What the page script needs: the view, the API addresses, labels, styles."""
    query = {"method": view.method, **view.query()}
    shown = shown_label(view, data)
    layer, incidents = api_urls(view)
    w, s, e, n = data.area_bounds
    return {
        "query": query,
        "labels": {
            "hotspots": f"Hotspots: {method_label(view.method)}: {shown}",
            "method": method_label(view.method),
            "incidents": f"Incidents per location: {shown}",
            "wards": "Ward outlines and names",
            "lsoa": "LSOA outlines",
            "chosen": f"Chosen area: {data.area_name}",
            "streets": "Street names (police.uk locations)",
        },
        "urls": {
            "layer": layer,
            "incidents": incidents,
            "ward": "/api/v1/boundaries/ward",
            "lsoa": "/api/v1/boundaries/lsoa",
        },
        "empty": data.empty_note,
        "styles": style_config(),
        "theme_labels": THEME_LABELS,
        "ward_labels": [list(w) for w in data.ward_labels],
        "chosen": data.chosen,
        "bounds": [[s, w], [n, e]],
        "view": view.view is not None,
        "tiles": tiles is not None,
        "streets": None
        if tiles is not None or export
        else {"url": "/api/v1/map/streets", "min_zoom": STREET_ZOOM},
        "embedded": dict(embedded),
        "export": export,
        "print": printable,
    }


class _PageScript(MacroElement):
    """Start the page script (api/static/hsmap.js) with the page's config."""

    _template = Template(
        """{% macro script(this, kwargs) %}
HS.init({{ this.map_name }}, {{ this.config }});
{% endmacro %}"""
    )

    def __init__(self, fmap: folium.Map, config: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "PageScript"
        self.map_name = fmap.get_name()
        # Safe inside <script>: no "</" can close it early.
        self.config = json.dumps(config, separators=(",", ":")).replace("</", "<\\/")
