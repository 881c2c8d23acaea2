"""The web service: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI

from api.assets import mount_assets
from api.cache import LayerCache
from api.errors import install_error_handlers
from api.routes import areas, boundaries, incidents, layers, maps, status
from hotspots import __version__
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
    for module in (status, layers, incidents, boundaries, areas, maps):
        app.include_router(module.router)
    install_error_handlers(app)
    mount_assets(app)

    return app
