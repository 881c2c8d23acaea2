"""Recompute the most-asked layers as soon as an ingest commits.

Every cached layer is keyed by the store's data version, so an ingest (in any
process) makes every layer stale at once and the first user to ask for each
waits for it. The service watches the data version instead: when it changes,
the ``warm_layers`` layers asked for most since the last change are computed
again on the workers (and the map page's default recipe, whose backtest
depends on the data), so a map opened after the ingest finds them ready. Layers
are never served from older data: a request arriving meanwhile waits for the
same computation (the cache computes each layer once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool

from api.cache import LayerCache
from hotspots.store import IncidentStore

__all__ = ["watch_and_warm"]

_log = logging.getLogger("hotspots")


async def watch_and_warm(
    cache: LayerCache,
    store: IncidentStore,
    *,
    top: int,
    poll_s: float,
    also: Sequence[Callable[[], object]] = (),
) -> None:
    """Every ``poll_s`` seconds, warm the ``top`` most-asked layers, then call
    each of ``also`` (e.g. the map page's default recipe, cached per data
    version), if the data version changed since the last look (runs until
    cancelled)."""
    seen = await run_in_threadpool(store.data_version)
    while True:
        await asyncio.sleep(poll_s)
        try:
            version = await run_in_threadpool(store.data_version)
            if version == seen:
                continue
            seen = version
            done = await run_in_threadpool(cache.warm, store, top)
            for warm in also:
                await run_in_threadpool(warm)
            _log.info("data version %s: %s layers computed ahead of use", version, done)
        except Exception:  # a store that is briefly away: look again next time
            _log.exception("warming layers after an ingest failed")
