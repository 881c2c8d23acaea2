"""Where new layers are computed: worker processes, not the service's threads.

A layer computation is seconds of Python and numpy work that holds the GIL.
Run in the service's thread pool, it starves the event loop: every cached
answer then waits for the GIL (measured: cached p50 17 ms -> 300 ms while one
request in 16 asks for a new layer). Worker processes have their own GIL, so
cached answers stay fast while layers are computed. Each worker opens the
store by its URL once and returns the layer already serialised.
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from hotspots.areas.pack import AreaPack, load_pack
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import IncidentStore, open_store

__all__ = ["ProcessComputer", "encode_layer", "layer_body"]

_worker_store: IncidentStore | None = None
_worker_pack: AreaPack | None = None


def encode_layer(layer: dict[str, object]) -> bytes:
    """A layer as compact UTF-8 JSON, the bytes the cache keeps."""
    return json.dumps(layer, separators=(",", ":")).encode("utf-8")


def layer_body(
    store: IncidentStore, request: LayerRequest, pack: AreaPack | None = None
) -> bytes:
    """Compute a layer here, in this thread, on ``pack``'s areas; its JSON bytes."""
    return encode_layer(compute_layer(store, request, pack))


def _open_worker_store(url: str, pack_folder: str | None) -> None:
    global _worker_store, _worker_pack
    _worker_store = open_store(url)
    _worker_pack = load_pack(Path(pack_folder)) if pack_folder else None


def _worker_layer_body(request: LayerRequest) -> bytes:
    assert _worker_store is not None, "worker started without a store"
    return layer_body(_worker_store, request, _worker_pack)


def _ready() -> bool:
    return True


class ProcessComputer:
    """Computes layers in ``processes`` worker processes on the store at ``url``,
    on the areas of the pack in ``pack_folder`` (default: the bundled one)."""

    def __init__(
        self, url: str, processes: int, pack_folder: Path | None = None
    ) -> None:
        self.url = url
        self.processes = processes
        self.pack_folder = None if pack_folder is None else str(pack_folder)
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the service has threads, which fork does not copy safely.
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_worker_store,
            initargs=(self.url, self.pack_folder),
        )

    def warm(self) -> None:
        """Start every worker now (each imports the analysis stack, ~2 s)."""
        for future in [self._pool.submit(_ready) for _ in range(self.processes)]:
            future.result()

    def __call__(
        self, store: IncidentStore, request: LayerRequest, pack: AreaPack | None = None
    ) -> bytes:
        """The layer's JSON bytes, computed in a worker on its own connection
        to the same store (``store`` and ``pack`` are not used: the workers have
        their own, opened from the URL and the pack folder).

        A worker that died (killed, out of memory) breaks the pool: it is started
        again and the layer asked for once more.
        """
        try:
            return self._pool.submit(_worker_layer_body, request).result()
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(_worker_layer_body, request).result()

    def close(self) -> None:
        """Stop the workers (running computations are waited for)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
