"""Layers computed in worker processes: same bytes; a dead worker is replaced;
a computation past the deadline is stopped and answered 503; SIGTERM stops
``hotspots serve`` at once even while a worker computes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from fastapi.testclient import TestClient

from api.compute import ProcessComputer, layer_body
from api.main import create_app
from hotspots.settings import Settings
from tests.api.conftest import ANALYST
from tests.live_server import free_port

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


#: Near the work budget (16,841 cells x 145 neighbours x 1,000): tens of seconds.
LONG_LAYER = {"cell_size_m": 50, "distance_m": 340, "permutations": 999, "seed": 2}


def test_sigterm_stops_the_server_while_a_worker_computes(
    sample_url: str, tmp_path: Path
) -> None:
    server, base = _start_server(sample_url, tmp_path)
    try:
        workers = _workers_of(server.pid)
        assert workers, "the layer worker was started"
        answers: list[int | str] = []
        query = urllib.parse.urlencode(LONG_LAYER)
        asking = threading.Thread(
            target=_ask, args=(f"{base}/api/v1/layers/gistar?{query}", answers)
        )
        asking.start()
        assert _busy(workers[0]), "the worker started computing"

        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)  # generous; before: after the computation (minutes)
        stopped_in = time.monotonic() - started
        asking.join(timeout=20)
    finally:
        _stop(server)
    assert stopped_in < 20
    assert answers and answers[0] != 200, answers  # stopped, not finished
    for pid in workers:
        assert _ended(pid), f"worker {pid} outlived the server"


def test_a_client_that_disconnects_frees_its_worker(
    sample_url: str, tmp_path: Path
) -> None:
    server, base = _start_server(sample_url, tmp_path)
    try:
        workers = _workers_of(server.pid)
        port = int(base.rsplit(":", 1)[1])
        query = urllib.parse.urlencode(LONG_LAYER)
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(
                f"GET /api/v1/layers/gistar?{query} HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nX-API-Key: {ANALYST['X-API-Key']}\r\n\r\n".encode()
            )
            assert _busy(workers[0]), "the worker started computing"
        # The client is gone: its worker is killed (before: it computed on for
        # tens of seconds, and the next layer waited for it).
        assert _ended(workers[0]), "the worker kept computing for nobody"
        replacement = _workers_of(server.pid)
        assert replacement and workers[0] not in replacement
        with urllib.request.urlopen(f"{base}/api/v1/layers/grid", timeout=60) as ok:
            assert ok.status == 200
    finally:
        _stop(server)


def test_workers_end_when_the_service_is_killed_outright(
    sample_url: str, tmp_path: Path
) -> None:
    """SIGKILL (or the out-of-memory killer) gives the service no chance to stop
    its workers: they notice they lost their parent and end (before: they lived
    on, idle, ~250 MB each)."""
    server, _ = _start_server(sample_url, tmp_path)
    workers = _workers_of(server.pid)
    assert workers, "the layer worker was started"
    server.kill()
    server.wait()
    for pid in workers:
        assert _ended(pid), f"worker {pid} outlived the killed server"


def _start_server(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``hotspots serve`` on the store at ``url`` with one layer worker."""
    port = free_port()
    env = {
        **os.environ,
        "HOTSPOTS_DATABASE_URL": url,
        "HOTSPOTS_DATA_DIR": str(folder),
        "HOTSPOTS_COMPUTE_PROCESSES": "1",
        "HOTSPOTS_COMPUTE_TIMEOUT_S": "600",
        "HOTSPOTS_API_KEYS": "analyst-key=analyst",
    }
    hotspots = Path(sys.executable).with_name("hotspots")
    server = subprocess.Popen(
        [str(hotspots), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/v1/health", server)
    except BaseException:
        _stop(server)
        raise
    return server, base


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.kill()
        server.wait()


def _ask(url: str, answers: list[int | str]) -> None:
    request = urllib.request.Request(url, headers=ANALYST)
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            answers.append(answer.status)
    except urllib.error.HTTPError as exc:
        answers.append(exc.code)
    except (urllib.error.URLError, ConnectionError) as exc:
        answers.append(f"closed: {exc}")


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def _workers_of(parent: int) -> list[int]:
    """Worker processes of ``parent`` (spawned pool processes, not its tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = stat.with_name("cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _busy(pid: int, within_s: float = 30.0) -> bool:
    """True once ``pid`` has used 0.3 s of CPU since the call (it is computing).

    Counted in CPU seconds, not as a rate, so a machine whose cores other jobs
    share still answers (the worker gets less of a core, not none).
    """

    def cpu_s() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    start = cpu_s()
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        time.sleep(0.25)
        if cpu_s() - start > 0.3:
            return True
    return False
