"""The layer cache computes a layer once even when many ask for it at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import api.cache
from api.cache import LayerCache
from hotspots.errors import EmptyInputError
from hotspots.layers import LayerRequest


class _Store:
    """Just enough store for the cache: a data version."""

    def __init__(self) -> None:
        self.version = 1

    def data_version(self) -> int:
        return self.version


class _SlowCompute:
    """A stand-in for compute_layer that counts calls and can fail."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error
        self._lock = threading.Lock()

    def __call__(self, store: _Store, request: LayerRequest) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        time.sleep(0.2)
        if self.error is not None:
            raise self.error
        return {"type": "FeatureCollection", "features": [], "v": store.version}


def _get_many(cache: LayerCache, store: _Store, n: int) -> list[Any]:
    request = LayerRequest(method="grid", theme="asb")

    def one(_: int) -> Any:
        try:
            return cache.get(store, request)
        except EmptyInputError as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_misses_compute_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compute = _SlowCompute()
    monkeypatch.setattr(api.cache, "compute_layer", compute)
    cache, store = LayerCache(), _Store()

    results = _get_many(cache, store, 8)

    assert compute.calls == 1
    assert all(r is results[0] for r in results)
    assert (cache.misses, cache.hits) == (1, 7)


def test_new_data_version_computes_again(monkeypatch: pytest.MonkeyPatch) -> None:
    compute = _SlowCompute()
    monkeypatch.setattr(api.cache, "compute_layer", compute)
    cache, store = LayerCache(), _Store()
    first = _get_many(cache, store, 4)[0]

    store.version = 2
    second = _get_many(cache, store, 4)[0]

    assert compute.calls == 2
    assert first.layer["v"] == 1 and second.layer["v"] == 2


def test_a_failed_computation_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    compute = _SlowCompute(EmptyInputError("no incidents"))
    monkeypatch.setattr(api.cache, "compute_layer", compute)
    cache, store = LayerCache(), _Store()

    results = _get_many(cache, store, 3)

    assert all(isinstance(r, EmptyInputError) for r in results)
    compute.error = None
    assert cache.get(store, LayerRequest(method="grid", theme="asb")).layer["v"] == 1
    assert cache.misses == 1
