"""The web service: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.cache import LayerCache
from api.routes import maps, status
from hotspots import __version__
from hotspots.errors import HotspotError
from hotspots.settings import Settings
from hotspots.store import open_store

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for ``settings`` (read from HOTSPOTS_* when omitted)."""
    settings = settings or Settings()
    app = FastAPI(
        title="hotspots",
        version=__version__,
        description="Crime and harm hotspot layers for a community safety partnership.",
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url())
    app.state.layers = LayerCache()
    app.include_router(status.router)
    app.include_router(maps.router)

    @app.exception_handler(HotspotError)
    def hotspot_error(request: Request, exc: HotspotError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    return app
