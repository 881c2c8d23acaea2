"""The layer cache computes a layer once even when many ask for it at once.

Real layers on a real SQLite store of the police.uk sample: 8 threads asking
at once for a layer nobody has computed yet.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from api.cache import LayerCache
from hotspots.errors import EmptyInputError
from hotspots.ingest import ingest_paths
from hotspots.layers import LayerRequest
from hotspots.store import SQLiteStore
from tests.conftest import PORTSMOUTH_CSV

EXTRA_DRUGS = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
    ",2017-05,Hampshire Constabulary,Hampshire Constabulary,-1.091236,50.797445,"
    "On or near Guildhall Walk,E01017012,Portsmouth 018A,Drugs,,\n"
)


@pytest.fixture
def sample_store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "cache.db")
    ingest_paths([PORTSMOUTH_CSV], store)
    return store


def _get_many(
    cache: LayerCache, store: SQLiteStore, request: LayerRequest, n: int
) -> list[Any]:
    def one(_: int) -> Any:
        try:
            return cache.get(store, request)
        except EmptyInputError as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_misses_compute_once(sample_store: SQLiteStore) -> None:
    cache = LayerCache()
    request = LayerRequest(method="gistar", theme="asb")

    results = _get_many(cache, sample_store, request, 8)

    assert all(r is results[0] for r in results)
    assert (cache.misses, cache.hits) == (1, 7)


def test_new_data_version_computes_again(
    sample_store: SQLiteStore, tmp_path: Path
) -> None:
    cache = LayerCache()
    request = LayerRequest(method="grid", theme="drugs")
    first = _get_many(cache, sample_store, request, 4)[0]

    extra = tmp_path / "extra.csv"
    extra.write_text(EXTRA_DRUGS, encoding="utf-8")
    ingest_paths([extra], sample_store)
    second = _get_many(cache, sample_store, request, 4)[0]

    assert cache.misses == 2
    before, after = first.layer, second.layer
    assert (
        after["parameters"]["data_version"] == before["parameters"]["data_version"] + 1
    )
    total = [sum(f["properties"]["n"] for f in x["features"]) for x in (before, after)]
    assert total[1] == total[0] + 1


def test_a_failed_computation_is_not_cached(sample_store: SQLiteStore) -> None:
    cache = LayerCache()
    empty = LayerRequest(method="kde", theme="asb", month_from="2020-01")

    results = _get_many(cache, sample_store, empty, 3)

    assert all(isinstance(r, EmptyInputError) for r in results)
    assert (cache.misses, cache.hits) == (0, 0)
    assert len(cache._entries) == 0 and not cache._computing
