"""Layers computed in worker processes: same bytes; a dead worker is replaced."""

from __future__ import annotations

import os
import signal

from fastapi.testclient import TestClient

from api.compute import ProcessComputer, layer_body
from api.main import create_app
from hotspots.access import Role, policy_for
from hotspots.layers import LayerRequest
from hotspots.settings import Settings
from hotspots.store import open_store


def test_workers_compute_the_same_layer_and_survive_a_killed_worker(
    sample_url: str,
) -> None:
    settings = Settings(database_url=sample_url, compute_processes=1)
    app = create_app(settings)
    with TestClient(app) as client:
        computer = app.state.layers.compute
        assert isinstance(computer, ProcessComputer)
        served = client.get(
            "/api/v1/layers/gistar",
            params={"theme": "violence", "from": "2017-04"},
            headers={"Accept-Encoding": "identity"},
        )
        assert served.status_code == 200
        here = layer_body(
            open_store(sample_url),
            LayerRequest(
                method="gistar",
                theme="violence",
                month_from="2017-04",
                excluded_flags=policy_for(Role.PUBLIC).excluded_flags,
                disclosure=policy_for(Role.PUBLIC).disclosure,
            ),
        )
        assert served.content == here

        workers = list(computer._pool._processes)  # type: ignore[union-attr]
        assert workers and os.getpid() not in workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        again = client.get("/api/v1/layers/grid", params={"theme": "drugs"})
        assert again.status_code == 200 and again.json()["features"]
    assert app.state.layers.compute is layer_body  # workers stopped with the app
