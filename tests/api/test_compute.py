"""Layers computed in worker processes: same bytes; a dead worker is replaced;
a computation past the deadline is stopped and answered 503."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.compute import ProcessComputer, layer_body
from api.main import create_app
from hotspots.settings import Settings
from tests.api.conftest import ANALYST

#: A Gi* layer within the cost budget that takes seconds: 50 m cells, a 150 m
#: band (29 neighbours) and 999 permutations over the city.
SLOW_LAYER = {"cell_size_m": 50, "distance_m": 150, "permutations": 999, "seed": 1}


def test_workers_compute_the_same_layer_and_survive_a_killed_worker(
    sample_url: str,
) -> None:
    settings = Settings(database_url=sample_url, compute_processes=1)
    app = create_app(settings)
    layer = {"theme": "violence", "from": "2017-04"}
    plain = {"Accept-Encoding": "identity"}
    with TestClient(app) as client:
        computer = app.state.layers.compute
        assert isinstance(computer, ProcessComputer)
        served = client.get("/api/v1/layers/gistar", params=layer, headers=plain)
        assert served.status_code == 200
        in_thread = create_app(Settings(database_url=sample_url, compute_processes=0))
        with TestClient(in_thread) as here:
            assert here.app.state.layers.compute is layer_body  # type: ignore[attr-defined]
            same = here.get("/api/v1/layers/gistar", params=layer, headers=plain)
        assert served.content == same.content

        workers = computer.pids()
        assert workers and os.getpid() not in workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        again = client.get("/api/v1/layers/grid", params={"theme": "drugs"})
        assert again.status_code == 200 and again.json()["features"]
    assert app.state.layers.compute is layer_body  # workers stopped with the app


def test_a_layer_past_the_deadline_is_stopped_and_answered_503(
    sample_url: str,
) -> None:
    settings = Settings(
        database_url=sample_url,
        compute_processes=1,
        compute_timeout_s=1.0,
        api_keys="analyst-key=analyst",  # 50 m cells are for analysts
    )
    app = create_app(settings)
    with TestClient(app) as client:
        computer = app.state.layers.compute
        assert isinstance(computer, ProcessComputer)
        before = set(computer.pids())

        slow = client.get("/api/v1/layers/gistar", params=SLOW_LAYER, headers=ANALYST)

        assert slow.status_code == 503, slow.text
        detail = slow.json()["detail"]
        assert "not ready within 1 s" in detail
        assert "HOTSPOTS_COMPUTE_TIMEOUT_S" in detail
        assert slow.headers["Retry-After"]
        assert computer.timeouts == 1
        for pid in before:  # the busy worker was killed, not left computing
            assert _ended(pid), f"worker {pid} still running"
        assert computer.pids() and set(computer.pids()).isdisjoint(before)

        computer.timeout_s = 120.0  # its replacement answers the next layer
        quick = client.get("/api/v1/layers/grid", params={"theme": "drugs"})
        assert quick.status_code == 200 and quick.json()["features"]


def _ended(pid: int, within_s: float = 10.0) -> bool:
    """True once ``pid`` has ended (generous: a kill is delivered at once)."""
    deadline = time.monotonic() + within_s
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _running(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
