"""Where new layers are computed: worker processes, not the service's threads.

A layer computation is seconds of Python and numpy work that holds the GIL.
Run in the service's thread pool, it starves the event loop: every cached
answer then waits for the GIL (measured: cached p50 17 ms -> 300 ms while one
request in 16 asks for a new layer). Worker processes have their own GIL, so
cached answers stay fast while layers are computed. Each worker opens the
store by its URL once and returns the layer already serialised.

Each worker is its own single-process pool, so one computation can be
stopped without touching the others: a layer not ready within the deadline
(``HOTSPOTS_COMPUTE_TIMEOUT_S``, waiting for a free worker included) has its
worker killed and replaced, and the request answers 503. A client that
disconnects has its computation stopped the same way within a quarter of a
second (:class:`CancelOnDisconnect`); the deadline bounds it in any case.
When the service is told to stop (SIGTERM, SIGINT) the workers are killed at
once, so requests waiting on them answer 503 and the server exits in a moment
instead of after the computation.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ComputeUnavailableError
from hotspots.areas.pack import AreaPack, load_pack
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import IncidentStore, open_store

__all__ = [
    "CLIENT_GONE",
    "DEFAULT_TIMEOUT_S",
    "CancelOnDisconnect",
    "ComputeUnavailableError",
    "ProcessComputer",
    "encode_layer",
    "layer_body",
]

DEFAULT_TIMEOUT_S = 60.0
#: How often a computation checks whether its client is still there (s).
GONE_POLL_S = 0.25
#: Set (by :class:`CancelOnDisconnect`) once the client of this request has
#: disconnected; the route's thread sees it (threads run in the request's
#: context), so the computation waiting for a worker can be stopped.
CLIENT_GONE: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "hotspots_client_gone", default=None
)
#: Paths of requests that may start a layer computation (the map page and
#: layers); other requests pass straight through.
LAYERS_PREFIX = "/api/v1/layers/"

_worker_store: IncidentStore | None = None
_worker_pack: AreaPack | None = None


class _ClientGone(Exception):
    """The client of the computation disconnected."""


class CancelOnDisconnect:
    """ASGI middleware: notes when the client of a layer request disconnects.

    The app reads the request from a queue this middleware fills, so it can
    watch for ``http.disconnect`` meanwhile; when it comes, :data:`CLIENT_GONE`
    is set and the worker computing for the request is stopped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (
            path == "/" or path.startswith(LAYERS_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        gone = threading.Event()
        messages: asyncio.Queue[Message] = asyncio.Queue()

        async def watch() -> None:
            while True:
                message = await receive()
                await messages.put(message)
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        watcher = asyncio.create_task(watch())
        token = CLIENT_GONE.set(gone)
        try:
            await self.app(scope, messages.get, send)
        finally:
            CLIENT_GONE.reset(token)
            watcher.cancel()


def encode_layer(layer: dict[str, object]) -> bytes:
    """A layer as compact UTF-8 JSON, the bytes the cache keeps."""
    return json.dumps(layer, separators=(",", ":")).encode("utf-8")


def layer_body(
    store: IncidentStore, request: LayerRequest, pack: AreaPack | None = None
) -> bytes:
    """Compute a layer here, in this thread, on ``pack``'s areas; its JSON bytes."""
    return encode_layer(compute_layer(store, request, pack))


#: How often a worker checks that the service that started it is alive (s).
PARENT_POLL_S = 1.0


def _exit_with_parent(parent: int) -> None:
    """End this worker once ``parent`` (the service) is gone.

    A service that is killed outright (SIGKILL, the out-of-memory killer) cannot
    stop its workers, and each would then live on, idle, holding its memory.
    The worker is re-parented when the service dies, which this thread notices.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _open_worker_store(url: str, pack_folder: str | None, parent: int) -> None:
    global _worker_store, _worker_pack
    # The service stops its workers itself (kill on SIGTERM); a Ctrl-C sent to
    # the whole process group must not print a traceback from every worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    _worker_store = open_store(url)
    _worker_pack = load_pack(Path(pack_folder)) if pack_folder else None


def _worker_layer_body(request: LayerRequest) -> bytes:
    assert _worker_store is not None, "worker started without a store"
    return layer_body(_worker_store, request, _worker_pack)


def _ready() -> bool:
    return True


class _Worker:
    """One worker process, in a pool of its own so that it can be killed alone."""

    def __init__(self, url: str, pack_folder: str | None) -> None:
        # spawn, not fork: the service has threads, which fork does not copy safely.
        self.pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_worker_store,
            initargs=(url, pack_folder, os.getpid()),
        )

    def pids(self) -> list[int]:
        """Process ids of the worker (none before its first task)."""
        processes = self.pool._processes or {}  # no public way to get them
        try:
            return [pid for pid in list(processes) if pid is not None]
        except RuntimeError:  # changed while read (a signal handler can ask)
            return []

    def kill(self) -> None:
        """Kill the process now (its computation is lost); safe in a signal handler."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Kill the process and release the pool's threads."""
        self.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)


class ProcessComputer:
    """Computes layers in ``processes`` worker processes on the store at ``url``,
    on the areas of the pack in ``pack_folder`` (default: the bundled one),
    each within ``timeout_s`` seconds."""

    def __init__(
        self,
        url: str,
        processes: int,
        pack_folder: Path | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.processes = processes
        self.pack_folder = None if pack_folder is None else str(pack_folder)
        self.timeout_s = float(timeout_s)
        self.stopping = False
        self.timeouts = 0  # computations stopped at the deadline
        self.cancelled = 0  # computations stopped because their client went away
        self._lock = threading.Lock()
        self._workers = [self._new_worker() for _ in range(processes)]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for worker in self._workers:
            self._idle.put(worker)

    def _new_worker(self) -> _Worker:
        return _Worker(self.url, self.pack_folder)

    def pids(self) -> list[int]:
        """Process ids of every worker started."""
        with self._lock:
            return [pid for worker in self._workers for pid in worker.pids()]

    def warm(self) -> None:
        """Start every worker now (each imports the analysis stack, ~2 s)."""
        with self._lock:
            futures = [w.pool.submit(_ready) for w in self._workers]
        for future in futures:
            future.result()

    def __call__(
        self, store: IncidentStore, request: LayerRequest, pack: AreaPack | None = None
    ) -> bytes:
        """The layer's JSON bytes, computed in a worker on its own connection
        to the same store (``store`` and ``pack`` are not used: the workers have
        their own, opened from the URL and the pack folder).

        A worker that died (killed, out of memory) is replaced and the layer
        asked for once more. Past the deadline (waiting for a worker included)
        the worker is killed and replaced.

        Raises
        ------
        ComputeUnavailableError
            Over the deadline, the client went away, or the service is stopping.
        """
        deadline = time.monotonic() + self.timeout_s
        worker = self._take(deadline)
        try:
            try:
                return self._run(worker, request, deadline)
            except BrokenProcessPool:
                self._check_running()
                worker = self._replace(worker)
                return self._run(worker, request, deadline)
        except _ClientGone:
            self.cancelled += 1
            worker = self._replace(worker)
            raise ComputeUnavailableError(
                "the client went away: its layer computation was stopped"
            ) from None
        except FutureTimeout:
            self.timeouts += 1
            worker = self._replace(worker)
            raise ComputeUnavailableError(
                f"the layer was not ready within {self.timeout_s:g} s and its "
                "computation was stopped: ask for a smaller area, a shorter period, "
                "a larger cell_size_m or fewer permutations, or try again later "
                "(HOTSPOTS_COMPUTE_TIMEOUT_S sets the limit)"
            ) from None
        except BrokenProcessPool:
            self._check_running()
            worker = self._replace(worker)
            raise
        finally:
            if not self.stopping:
                self._idle.put(worker)

    def _take(self, deadline: float) -> _Worker:
        """A free worker, waiting for one until the deadline."""
        self._check_running()
        try:
            return self._idle.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            self.timeouts += 1
            raise ComputeUnavailableError(
                f"every layer worker stayed busy for {self.timeout_s:g} s: try again "
                "in a minute (cached layers are still answered)"
            ) from None

    def _run(self, worker: _Worker, request: LayerRequest, deadline: float) -> bytes:
        """The worker's answer, waited for until the deadline or until the
        client that asked for it goes away (:data:`CLIENT_GONE`)."""
        future = worker.pool.submit(_worker_layer_body, request)
        gone = CLIENT_GONE.get()
        while True:
            left = max(deadline - time.monotonic(), 0.0)
            try:
                body: bytes = future.result(
                    timeout=left if gone is None else min(left, GONE_POLL_S)
                )
                return body
            except FutureTimeout:
                if gone is not None and gone.is_set():
                    raise _ClientGone from None
                if time.monotonic() >= deadline:
                    raise

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill ``worker`` and start another in its place (not yet warm)."""
        worker.close()
        fresh = self._new_worker()
        fresh.pool.submit(_ready)  # start it now, not on the next request
        with self._lock:
            self._workers = [fresh if w is worker else w for w in self._workers]
        return fresh

    def _check_running(self) -> None:
        if self.stopping:
            raise ComputeUnavailableError(
                "the service is stopping: try again when it is back"
            )

    def stop(self) -> None:
        """Kill every worker now: computations in progress end with a 503.

        Only sets a flag and sends signals, so it is safe in a signal handler.
        """
        self.stopping = True
        for worker in list(self._workers):
            worker.kill()

    def stop_on_signals(self) -> None:
        """Stop the workers as soon as the server is told to stop (SIGTERM,
        SIGINT), then let the server's own handler run.

        Without this the server waits for requests in progress, which wait for
        their computation, before it stops. Only possible in the main thread
        (as under ``hotspots serve``); elsewhere :meth:`close` still stops them.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)

            def handler(
                number: int, frame: FrameType | None, previous: Any = previous
            ) -> None:
                self.stop()
                if callable(previous):
                    previous(number, frame)
                elif previous == signal.SIG_DFL:
                    signal.signal(number, signal.SIG_DFL)
                    signal.raise_signal(number)

            signal.signal(signum, handler)

    def close(self) -> None:
        """Stop the workers (a computation still running is killed)."""
        self.stop()
        for worker in list(self._workers):
            worker.close()
