"""The map page (served at ``/``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import StoreDep
from api.mapview import build_overview_map

router = APIRouter(tags=["map"])


@router.get("/", response_class=HTMLResponse)
def map_page(store: StoreDep) -> HTMLResponse:
    """The map: incident counts per ward (aggregates only)."""
    return HTMLResponse(build_overview_map(store).get_root().render())
