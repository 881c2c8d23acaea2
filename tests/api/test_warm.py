"""Layers asked for most are computed again as soon as an ingest commits.

A real service (lifespan started) on a SQLite file; the new month is ingested by
another store object, as ``hotspots ingest`` in another process would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.cache import LayerCache
from api.main import create_app
from api.memo import memo_of
from hotspots.access import parse_role, policy_for
from hotspots.ingest import ingest_paths
from hotspots.layers import LayerRequest
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import portsmouth_months


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the layers were not warmed in time"
        time.sleep(0.05)


def test_most_asked_layers_are_ready_after_an_ingest(tmp_path: Path) -> None:
    early = portsmouth_months(tmp_path / "early.csv",
                    {"2017-02", "2017-03", "2017-04", "2017-05"})  # fmt: skip
    late = portsmouth_months(tmp_path / "late.csv", {"2017-06", "2017-07"})
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    ingest_paths([early], store)
    settings = Settings(database_url=url, data_dir=tmp_path, compute_processes=0,
                        warm_layers=2, warm_poll_s=0.1)  # fmt: skip
    app = create_app(settings)
    cache: LayerCache = app.state.layers
    with TestClient(app) as client:
        for path in ("gistar", "gistar", "grid", "kde", "kde", "kde"):
            assert client.get(f"/api/v1/layers/{path}").status_code == 200
        before = client.get("/api/v1/layers/kde").json()["parameters"]
        assert before["period_to"] == "2017-05"
        misses = cache.misses
        ingest_paths([late], store)  # commits: a new data version
        _wait_for(lambda: cache.warmed >= 2)
        assert cache.misses == misses + 2  # the two most asked, computed once each
        for path in ("kde", "gistar"):  # ready: no computation on request
            after = client.get(f"/api/v1/layers/{path}").json()["parameters"]
            assert after["period_to"] == "2017-07"
            assert after["data_version"] == store.data_version()
        assert cache.misses == misses + 2
        grid = client.get("/api/v1/layers/grid").json()["parameters"]
        assert grid["period_to"] == "2017-07"  # asked once: computed on request
        assert cache.misses == misses + 3
        # The map page's default recipe was backtested on the new data too.
        flags = policy_for(parse_role(settings.default_role)).excluded_flags
        args = {"theme": None, "area": None, "flags": flags}
        memo = memo_of(app.state)
        _wait_for(lambda: memo.holds("default", args, store.data_version()))
    store.close()


def test_most_asked_follows_recent_demand(tmp_path: Path) -> None:
    """Counts order the warm-up (ties: most recent first); a warm-up halves them,
    forgetting layers asked for once."""
    computed: list[str] = []

    def compute(store: object, request: LayerRequest, pack: object) -> bytes:
        computed.append(request.method)
        return b"{}"

    cache = LayerCache(compute=compute)
    for method in ["grid", "kde", "kde", "gistar", "gistar", "dbscan"]:
        cache._count(LayerRequest(method))
    assert [r.method for r in cache.most_asked(3)] == ["gistar", "kde", "dbscan"]
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    assert cache.warm(store, 2) == 2 and computed == ["gistar", "kde"]
    assert [r.method for r in cache.most_asked(9)] == ["gistar", "kde"]
    assert cache.warm(store, 2) == 0  # both already computed for this version
    store.close()
