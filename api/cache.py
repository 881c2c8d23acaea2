"""Computed layers cached by (request, parameters, data version).

A new ingest bumps the store's data version, so a cached layer from older data is
never served: the version is part of the key. Entries are evicted least recently
used first. The cache also hands out the ETag for a layer.

Concurrent requests for a layer not yet cached compute it once: the first
computes, the others wait for it (as when every open map asks for the same
layers just after a restart or an ingest). The cache also counts how often each
layer is asked for, so that the most-asked ones can be computed again as soon
as an ingest commits (:meth:`LayerCache.warm`, run by api/warm.py) instead of
by the first user to ask.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from api.compute import layer_body
from hotspots.areas.pack import AreaPack
from hotspots.layers import LayerRequest
from hotspots.store import IncidentStore

#: Computes a layer's JSON bytes on an area pack's areas (here, or in a worker).
Computer = Callable[[IncidentStore, LayerRequest, AreaPack | None], bytes]

__all__ = ["CachedLayer", "LayerCache"]


class CachedLayer:
    """A computed layer kept as bytes: its GeoJSON, a gzip copy and their ETags.

    Only bytes are kept, never the GeoJSON dict: a cached grid layer is some
    100,000 small Python objects, and every full garbage collection walks all
    of them (measured as ~150 ms pauses under load, the p99 tail). The dict is
    parsed again when asked for (downloads and the map, not the hot path).
    """

    __slots__ = ("body", "etag", "gzip_body", "gzip_etag")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = '"' + hashlib.blake2b(self.body, digest_size=12).hexdigest() + '"'
        # Compressed once here, not on every request: GeoJSON grids shrink ~10x.
        self.gzip_body = gzip.compress(self.body, compresslevel=6, mtime=0)
        self.gzip_etag = self.etag[:-1] + '-gzip"'

    @property
    def layer(self) -> dict[str, Any]:
        """The GeoJSON FeatureCollection, parsed afresh from the cached bytes."""
        layer: dict[str, Any] = json.loads(self.body)
        return layer


class LayerCache:
    """A thread-safe LRU of computed layers."""

    def __init__(
        self,
        max_entries: int = 256,
        compute: Computer = layer_body,
        pack: AreaPack | None = None,
    ) -> None:
        self.max_entries = max_entries
        self.compute = compute
        self.pack = pack  # the service's area pack (None: the bundled one)
        self._entries: OrderedDict[str, CachedLayer] = OrderedDict()
        # Another name for an entry (an exact URL and API key), with the data
        # version it was computed on: lets a repeat request skip parsing.
        self._aliases: OrderedDict[Hashable, tuple[str, int, LayerRequest]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._computing: dict[str, threading.Lock] = {}  # key -> its computer's lock
        # Requests by their key without the data version, with how often each
        # was asked for since the last warm-up (the most recent last).
        self._asked: OrderedDict[str, tuple[LayerRequest, int]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.warmed = 0

    @staticmethod
    def key(request: LayerRequest, data_version: int) -> str:
        """The cache key: every field of the request plus the data version."""
        fields = {
            "method": request.method.lower(),
            "theme": request.theme,
            "from": request.month_from,
            "to": request.month_to,
            "day_from": request.day_from,
            "day_to": request.day_to,
            "area": request.area,
            "study_area": request.study_area,
            "parameters": sorted((k, repr(v)) for k, v in request.parameters.items()),
            "categories": sorted(request.categories),
            "bbox": request.bbox_wgs84,
            "excluded_flags": sorted(request.excluded_flags),
            "disclosure": repr(request.disclosure),
            "flags": sorted(request.flags),
            "priority": request.priority,
            "harm_weights": repr(request.harm_weights),
            "data_version": data_version,
        }
        return json.dumps(fields, sort_keys=True, default=str)

    def get(
        self,
        store: IncidentStore,
        request: LayerRequest,
        alias: Hashable | None = None,
    ) -> CachedLayer:
        """The layer for ``request`` on the store's current data, computed once.

        A request that finds the layer being computed waits for that result
        instead of computing it again; if the computation fails, each waiter
        tries in turn (and so gets the error itself). ``alias``, when given,
        names the layer for :meth:`get_alias` until the data changes.
        """
        version = store.data_version()
        key = self.key(request, version)
        self._count(request)
        cached = self._get_or_compute(store, request, key)
        if alias is not None:
            with self._lock:
                self._aliases[alias] = (key, version, request)
                self._aliases.move_to_end(alias)
                while len(self._aliases) > 4 * self.max_entries:
                    self._aliases.popitem(last=False)
        return cached

    def get_alias(self, alias: Hashable, data_version: int) -> CachedLayer | None:
        """The layer last returned for ``alias``, if still cached and current."""
        with self._lock:
            named = self._aliases.get(alias)
            if named is None or named[1] != data_version:
                return None
            cached = self._hit(named[0])
        if cached is not None:
            self._count(named[2])
        return cached

    def _count(self, request: LayerRequest) -> None:
        """One more ask for ``request`` (kept for the most recent requests)."""
        key = self.key(request, -1)
        with self._lock:
            _, count = self._asked.pop(key, (request, 0))
            self._asked[key] = (request, count + 1)
            while len(self._asked) > 4 * self.max_entries:
                self._asked.popitem(last=False)

    def most_asked(self, top: int) -> list[LayerRequest]:
        """The ``top`` requests asked for most since the last warm-up (ties: the
        most recent first)."""
        with self._lock:
            asked = list(reversed(self._asked.values()))
        ranked = sorted(asked, key=lambda item: -item[1])  # stable: recent first
        return [request for request, _ in ranked[:top]]

    def warm(self, store: IncidentStore, top: int) -> int:
        """Compute the ``top`` most-asked layers on the store's current data
        (those already cached cost nothing); returns how many were computed.

        Counts are halved afterwards, so the layers warmed next follow what
        users ask for now. A layer that fails is left to its next request,
        which reports the error.
        """
        done = 0
        for request in self.most_asked(top):
            key = self.key(request, store.data_version())
            with self._lock:
                cached = key in self._entries
            if cached:
                continue
            try:
                self._get_or_compute(store, request, key)
            except Exception:  # the request that needs it reports the error
                continue
            done += 1
        with self._lock:
            self._asked = OrderedDict(
                (k, (r, n // 2)) for k, (r, n) in self._asked.items() if n > 1
            )
            self.warmed += done
        return done

    def _get_or_compute(
        self, store: IncidentStore, request: LayerRequest, key: str
    ) -> CachedLayer:
        """The entry under ``key``; computed by one caller when missing."""
        with self._lock:
            cached = self._hit(key)
            if cached is not None:
                return cached
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                cached = self._hit(key)
            if cached is not None:
                return cached
            try:
                computed = CachedLayer(self.compute(store, request, self.pack))
            except BaseException:
                with self._lock:
                    self._done(key, computing)
                raise
            with self._lock:
                self.misses += 1
                self._entries[key] = computed
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                self._done(key, computing)
        return computed

    def _done(self, key: str, computing: threading.Lock) -> None:
        """Forget that ``key`` is being computed (unless another took over)."""
        if self._computing.get(key) is computing:
            del self._computing[key]

    def _hit(self, key: str) -> CachedLayer | None:
        """The cached layer for ``key`` (counted as a hit), if any; hold the lock."""
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return cached
