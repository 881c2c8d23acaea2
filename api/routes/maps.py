"""The map page (``/``) and its standalone export (``/export.html``).

Both take the same query: ``theme`` (``all`` or a theme), ``method``, ``from`` and
``to`` (``YYYY-MM``), ``area`` (``city`` or a ward/LSOA code or name) and, for the
export, ``view`` (``lat,lon,zoom`` of the map as the user left it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.assets import inline_assets
from api.errors import error_page
from api.map_change import default_map_query
from api.mapdata import gather_map_data, resolve_view
from api.mapview import MapView, build_map
from api.routes.evaluation import default_choice
from hotspots.access import parse_role, policy_for
from hotspots.errors import HotspotError

router = APIRouter(tags=["map"])

ThemeQ = Annotated[
    str | None, Query(description="'all' or asb, violence, drugs, alcohol, other")
]
MethodQ = Annotated[
    str | None,
    Query(description="gistar, kde, grid, …; default: the one that backtests best"),
]
FromQ = Annotated[str | None, Query(alias="from", description="First month, YYYY-MM")]
ToQ = Annotated[str | None, Query(alias="to", description="Last month, YYYY-MM")]
AreaQ = Annotated[str | None, Query(description="'city' or a ward/LSOA code or name")]
ViewQ = Annotated[str | None, Query(description="lat,lon,zoom to open at")]


def _render(
    request: Request, query: dict[str, str | None], export: bool
) -> tuple[MapView, str]:
    """The view shown and the page's HTML."""
    store = request.app.state.store
    settings = request.app.state.settings
    months = store.months()
    pack = request.app.state.pack
    policy = policy_for(parse_role(settings.default_role))  # a page sends no key
    if not query.get("method"):  # the method that backtests best (api/map_change.py)
        query = default_map_query(query, months, _default_choice(request, query))
    view = resolve_view(months, **query, pack=pack)
    layers = request.app.state.layers
    data = gather_map_data(store, layers, view, months, policy, pack)
    fmap = build_map(view, data, settings, export=export)
    return view, fmap.get_root().render()


async def map_query(
    theme: ThemeQ = None,
    method: MethodQ = None,
    month_from: FromQ = None,
    month_to: ToQ = None,
    area: AreaQ = None,
    view: ViewQ = None,
) -> dict[str, str | None]:
    """The map's query parameters (shared by the page and its export)."""
    return {
        "theme": theme,
        "method": method,
        "month_from": month_from,
        "month_to": month_to,
        "area": area,
        "view": view,
    }


MapQuery = Annotated[dict[str, str | None], Depends(map_query)]


@router.get("/", response_class=HTMLResponse)
def map_page(request: Request, query: MapQuery) -> HTMLResponse:
    """The hotspot map; defaults: the city, and the method and months that
    backtest best for the theme (else Gi*, the latest three months).
    A bad query (theme, method, area, month) answers an HTML page saying why."""
    try:
        return HTMLResponse(_render(request, query, export=False)[1])
    except HotspotError as exc:
        return error_page(exc)


@router.get("/export.html", response_class=HTMLResponse)
def map_export(request: Request, query: MapQuery) -> HTMLResponse:
    """The same map as one standalone HTML file (scripts and styles inlined)."""
    try:
        shown, html = _render(request, query, export=True)
    except HotspotError as exc:
        return error_page(exc)
    return HTMLResponse(
        inline_assets(html),
        headers={"Content-Disposition": f'attachment; filename="{_filename(shown)}"'},
    )


def _default_choice(request: Request, query: dict[str, str | None]) -> Any:
    """The backtested default for the page's theme and area (cached per data)."""
    theme = query.get("theme")
    area = query.get("area")
    role = parse_role(request.app.state.settings.default_role)
    return default_choice(
        request.app.state, request.app.state.store, request.app.state.pack,
        None if theme in (None, "all") else theme,
        None if area in (None, "city") else area,
        policy_for(role).excluded_flags,
    )  # fmt: skip


def _filename(view: MapView) -> str:
    parts = [
        "hotspots",
        view.theme,
        view.method,
        view.month_from or "",
        view.month_to or "",
        view.area,
    ]
    return "-".join(p for p in parts if p) + ".html"
