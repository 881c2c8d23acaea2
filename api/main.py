"""The web service: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.assets import mount_assets
from api.cache import LayerCache
from api.compute import CancelOnDisconnect, ProcessComputer, layer_body
from api.docs import install_docs
from api.downloads import FileCache
from api.errors import install_error_handlers
from api.ogc import install_ogc
from api.route_rules import RouteRules
from api.routes import (
    areas,
    boundaries,
    incidents,
    layers,
    maps,
    premises,
    status,
    tiles,
)
from api.routes.maps import page_default_choice
from api.security import EdgeGuard
from api.shortcut import CachedAnswerShortcut
from api.warm import watch_and_warm
from hotspots import __version__
from hotspots.memo import Memo
from hotspots.settings import Settings, unknown_variables
from hotspots.store import open_store

__all__ = ["create_app"]

_log = logging.getLogger("hotspots")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the layer workers; freeze what start-up built for the collector.

    New layers are computed in worker processes (``compute_processes``), so a
    computation never holds the GIL the event loop needs (see api/compute.py).

    The service imports ~190,000 long-lived objects (pandas, scipy, sklearn,
    FastAPI, Folium); a full collection walks them all, ~100 ms that stalls
    every open request (it was the p99 latency under load). Frozen objects are
    never collected, which is right for modules and the app itself.
    """
    settings: Settings = app.state.settings
    cache: LayerCache = app.state.layers
    computer = None
    if settings.compute_processes > 0:
        computer = ProcessComputer(
            settings.store_url(),  # store.url hides a PostgreSQL password
            settings.compute_processes,
            app.state.pack.folder,
            timeout_s=settings.compute_timeout_s,
        )
        await run_in_threadpool(computer.warm)
        computer.stop_on_signals()  # SIGTERM stops a computation in progress
        cache.compute = computer
    warmer = None
    if settings.warm_layers > 0:
        page = partial(page_default_choice, app.state, None, None)
        warmer = asyncio.create_task(
            watch_and_warm(cache, app.state.store, top=settings.warm_layers,
                           poll_s=settings.warm_poll_s, also=[page])
        )  # fmt: skip
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if warmer is not None:
            warmer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warmer
        if computer is not None:
            cache.compute = layer_body
            await run_in_threadpool(computer.close)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for ``settings`` (read from HOTSPOTS_* when omitted)."""
    settings = settings or Settings()
    for warning in unknown_variables():
        _log.warning(warning)
    app = FastAPI(
        title="hotspots",
        version=__version__,
        description="Crime and harm hotspot layers for a community safety partnership.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by install_docs (api/docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url())
    app.state.pack = settings.area_pack()
    app.state.layers = LayerCache(pack=app.state.pack)
    app.state.files = FileCache()  # CSV/GeoPackage bodies, for ranged reads
    app.state.summaries_kept = Memo(areas.SUMMARY_MEMO_ENTRIES)  # by request
    for module in (status, layers, incidents, boundaries, areas, maps, premises):
        app.include_router(module.router)
    app.include_router(tiles.router)  # a local tile archive (issue 12)
    from api.routes import change, evaluation  # issue 11: what changed, backtests

    for module in (change, evaluation):
        app.include_router(module.router)
    from api.routes import priorities  # issue 15: the partnership's priorities

    app.include_router(priorities.router)
    install_error_handlers(app)
    install_ogc(app)
    mount_assets(app)
    install_docs(app)
    app.add_middleware(CancelOnDisconnect)  # a computation ends with its client
    app.add_middleware(
        CachedAnswerShortcut,
        cache=app.state.layers,
        store=app.state.store,
        summaries=app.state.summaries_kept,
    )
    app.add_middleware(RouteRules, settings=settings)  # who may call what
    app.add_middleware(EdgeGuard, tiles=settings.tiles)  # outermost: every answer

    return app
