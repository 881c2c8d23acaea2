"""The map page (``/``), its standalone export (``/export.html``) and the street
names it draws when there is no basemap (``/api/v1/map/streets``).

Both pages take the same query: ``theme`` (``all`` or a theme), ``priority`` (a
partnership priority's id; it replaces the theme), ``flag`` (a flag the page's
role may see; a sensitive one is refused for a public page), ``method``,
``from`` and ``to`` (``YYYY-MM``), ``area`` (``city`` or a ward/LSOA code or
name), ``view`` (``lat,lon,zoom``) and, for the page, ``print=1`` (the briefing
view). Their values are declared in the OpenAPI schema (enums and patterns) but
checked by the page itself, so a bad one answers an HTML page saying why, with a
link back, not JSON. The page's layer comes from ``/api/v1/layers/...`` through
the whole application (:func:`api.map_api.api_json`), as the browser fetches it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.assets import inline_assets
from api.errors import error_page
from api.map_api import api_json
from api.map_change import default_map_query
from api.mapdata import gather_map_data, resolve_view
from api.mappanels import THEME_LABELS, flag_label
from api.mapview import MapData, MapView, api_urls, build_map
from api.query import MONTH_PATTERN
from api.routes.evaluation import default_choice
from hotspots.access import SENSITIVE_FLAGS, parse_role, policy_for
from hotspots.analysis.registry import METHODS
from hotspots.crs import BNG
from hotspots.errors import HotspotError, InvalidParameterError
from hotspots.priorities import load_priorities
from hotspots.priorities.summary import summary_sentences
from hotspots.schema import FLAG_COLUMNS
from hotspots.street_labels import street_labels

router = APIRouter(tags=["map"])

#: Widest box of street names one request may ask for (degrees of longitude).
MAX_STREET_BOX_DEG = 0.08


def _declared(description: str, **schema: Any) -> Any:
    """A query's schema for the docs; the page checks the value (HTML errors)."""
    return {"description": description, "json_schema_extra": schema}


ThemeQ = Annotated[
    str | None, Query(**_declared("Theme or 'all'", enum=list(THEME_LABELS)))
]
MethodQ = Annotated[
    str | None,
    Query(
        **_declared(
            "Hotspot method; default: the one that backtests best", enum=list(METHODS)
        )
    ),
]
FromQ = Annotated[
    str | None,
    Query(alias="from", **_declared("First month, YYYY-MM", pattern=MONTH_PATTERN)),
]
ToQ = Annotated[
    str | None,
    Query(alias="to", **_declared("Last month, YYYY-MM", pattern=MONTH_PATTERN)),
]
PriorityQ = Annotated[
    str | None,
    Query(
        **_declared(
            "A partnership priority's id (GET /api/v1/priorities), or empty: it "
            "replaces the theme",
            pattern=r"^([a-z][a-z0-9_]{0,39})?$",
        )
    ),
]
FlagQ = Annotated[
    str | None,
    Query(
        **_declared(
            "Only incidents with this flag set; empty: any. Sensitive flags "
            f"({', '.join(SENSITIVE_FLAGS)}) are refused for a public page",
            enum=["", *FLAG_COLUMNS],
        )
    ),
]
AreaQ = Annotated[str | None, Query(description="'city' or a ward/LSOA code or name")]
ViewQ = Annotated[
    str | None,
    Query(
        **_declared("lat,lon,zoom to open at", pattern=r"^-?[\d.]+,-?[\d.]+,[\d.]+$")
    ),
]
PrintQ = Annotated[
    str | None,
    Query(alias="print", **_declared("1: the briefing view", enum=["0", "1"])),
]


def _prepare(request: Request, query: dict[str, str | None]) -> tuple[MapView, MapData]:
    """The view shown (checked, period clamped) and what the panel says."""
    store = request.app.state.store
    months = store.months()
    pack = request.app.state.pack
    settings = request.app.state.settings
    policy = policy_for(parse_role(settings.default_role))  # a page sends no key
    if not query.get("method"):  # the method that backtests best (api/map_change.py)
        query = default_map_query(query, months, _default_choice(request, query))
    view = resolve_view(
        months, **query, pack=pack, excluded_flags=policy.excluded_flags
    )
    data = gather_map_data(
        store, request.app.state.layers, view, months, policy, pack,
        methods=(), with_incidents=False,
    )  # fmt: skip
    return view, data


async def _render(
    request: Request,
    query: dict[str, str | None],
    *,
    export: bool = False,
    printable: bool = False,
) -> tuple[MapView, str]:
    """The view shown and the page's HTML (its layer read through the API)."""
    view, data = await run_in_threadpool(_prepare, request, query)
    layer_address, incidents_address = api_urls(view)
    notes = list(data.notes)
    empty = ""
    layers: dict[str, Any] = {}
    if data.months:
        try:
            layers[view.method] = await api_json(request.app, layer_address)
        except InvalidParameterError as exc:
            notes.append(f"{view.method} not shown: {exc}.")
        layer = layers.get(view.method) or {}
        if layer.get("note") and not layer.get("features"):
            empty = _no_data(request, view) or f"Nothing to map: {layer['note']}."
            notes.append(empty)
    data = replace(data, layers=layers, notes=notes, empty_note=empty)
    embedded: dict[str, Any] = {}
    if export:  # a file with no server behind it carries the API's answers
        embedded = dict(layers and {layer_address: layers[view.method]})
        for address in (
            incidents_address, "/api/v1/boundaries/ward", "/api/v1/boundaries/lsoa"
        ):  # fmt: skip
            embedded[address] = await api_json(request.app, address)
    settings = request.app.state.settings

    def page() -> str:
        fmap = build_map(
            view, data, settings, export=export, embedded=embedded, printable=printable
        )
        return str(fmap.get_root().render())

    return view, await run_in_threadpool(page)


async def map_query(
    theme: ThemeQ = None,
    method: MethodQ = None,
    month_from: FromQ = None,
    month_to: ToQ = None,
    area: AreaQ = None,
    view: ViewQ = None,
    priority: PriorityQ = None,
    flag: FlagQ = None,
) -> dict[str, str | None]:
    """The map's query parameters (shared by the page and its export)."""
    return {
        "theme": theme,
        "priority": priority,
        "flag": flag,
        "method": method,
        "month_from": month_from,
        "month_to": month_to,
        "area": area,
        "view": view,
    }


MapQuery = Annotated[dict[str, str | None], Depends(map_query)]


@router.get("/", response_class=HTMLResponse)
async def map_page(
    request: Request, query: MapQuery, printable: PrintQ = None
) -> HTMLResponse:
    """The hotspot map; defaults: the city, and the method and months that
    backtest best for the theme (else Gi*, the latest three months).
    A bad query (theme, method, area, month) answers an HTML page saying why."""
    try:
        _, html = await _render(request, query, printable=printable == "1")
    except HotspotError as exc:
        return error_page(exc)
    return HTMLResponse(html)


@router.get("/export.html", response_class=HTMLResponse)
async def map_export(request: Request, query: MapQuery) -> HTMLResponse:
    """The same map as one standalone HTML file (scripts, styles and data inlined)."""
    try:
        shown, html = await _render(request, query, export=True)
    except HotspotError as exc:
        return error_page(exc)
    return HTMLResponse(
        inline_assets(html),
        headers={"Content-Disposition": f'attachment; filename="{_filename(shown)}"'},
    )


@router.get("/api/v1/map/streets")
def street_names(
    request: Request,
    bbox: Annotated[
        str,
        Query(
            pattern=r"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$",
            description="min lon,min lat,max lon,max lat (WGS84), at most "
            f"{MAX_STREET_BOX_DEG} degrees wide",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=500)] = 300,
) -> dict[str, Any]:
    """Street names inside a box, from police.uk snap points ("On or near ..."):
    the map's labels at street zoom when it has no basemap; busiest first."""
    w, s, e, n = (float(v) for v in bbox.split(","))
    if not (w < e and s < n) or e - w > MAX_STREET_BOX_DEG:
        raise HTTPException(
            422, f"bbox {bbox!r}: min < max, at most {MAX_STREET_BOX_DEG}° wide"
        )
    labels = _street_labels(request)
    inside = labels[labels["lon"].between(w, e) & labels["lat"].between(s, n)].head(
        limit
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"name": name},
            }
            for name, lon, lat in zip(
                inside["name"], inside["lon"], inside["lat"], strict=True
            )
        ],
        "source": "police.uk snap point names (On or near ...)",
    }


def _street_labels(request: Request) -> Any:
    """Street labels (name, lon, lat), built once per data version."""
    state = request.app.state
    store = state.store
    version = store.data_version()
    held = getattr(state, "street_labels", None)
    if held is None or held[0] != version:
        import geopandas as gpd

        points = store.street_points()
        labels = street_labels(
            points["location_text"], points["easting"], points["northing"]
        )
        where = gpd.GeoSeries.from_xy(
            labels["easting_m"], labels["northing_m"], crs=BNG
        ).to_crs(4326)
        labels = labels.assign(lon=where.x.round(5), lat=where.y.round(5))
        held = (version, labels)
        state.street_labels = held
    return held[1]


def _default_choice(request: Request, query: dict[str, str | None]) -> Any:
    """The backtested default for the page's theme and area (cached per data)."""
    theme = None if query.get("priority") else query.get("theme")
    return page_default_choice(request.app.state, theme, query.get("area"))


def page_default_choice(state: Any, theme: str | None, area: str | None) -> Any:
    """The backtested default recipe a page without a key shows for ``theme``
    and ``area`` (None, "all", "city": every theme, the study area), kept per
    data version; the service also computes it ahead after an ingest."""
    role = parse_role(state.settings.default_role)
    return default_choice(
        state, state.store, state.pack,
        None if theme in (None, "all") else theme,
        None if area in (None, "city") else area,
        policy_for(role).excluded_flags,
    )  # fmt: skip


def _no_data(request: Request, view: MapView) -> str:
    """Why a priority's layer is empty: the priorities pack's plain sentence
    when it has nothing stored in the period (e.g. mental health in the
    sample), or that none of it has the flag; "" when no priority."""
    if not view.priority:
        return ""
    priority = load_priorities(request.app.state.pack).get(view.priority)
    if view.flag:
        return (
            f"Nothing to map: no incident of {priority.name} that this map may "
            f"show is flagged {flag_label(view.flag).lower()} in {_period_text(view)}."
        )
    figures = {  # the figures the pack's no-data sentence reads
        "name": priority.name,
        "total": 0,
        "period": {"text": _period_text(view)},
        "missing_flags": list(priority.missing_flags),
        "selection": {
            "themes": list(priority.match.themes),
            "categories": list(priority.match.categories),
            "flags": list(priority.match.flags),
        },
    }
    return str(summary_sentences(figures)[0]["text"])


def _period_text(view: MapView) -> str:
    """The view's months as the pack writes them: ``2017-05 to 2017-07``."""
    if view.month_from == view.month_to:
        return str(view.month_from)
    return f"{view.month_from} to {view.month_to}"


def _filename(view: MapView) -> str:
    parts = [
        "hotspots",
        view.priority or view.theme,
        view.flag,
        view.method,
        view.month_from or "",
        view.month_to or "",
        view.area,
    ]
    return "-".join(p for p in parts if p) + ".html"
