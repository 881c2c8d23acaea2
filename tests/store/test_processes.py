"""Two API processes and an ingest in a third, on one PostGIS database.

Each API process keeps its own layer cache; both key it by the data version
read from the database, so after the ingest commits neither serves a layer
computed before it, and readers never see part of a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hotspots.ingest import ingest_paths
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, MONTHLY_FILES, PORTSMOUTH_CSV
from tests.live_server import free_port
from tests.store.postgres import PostgresServer

HOTSPOTS = str(Path(sys.executable).with_name("hotspots"))
LAYER = "/api/v1/layers/grid"
PARAMS = {"theme": "violence", "from": "2017-02", "to": "2017-07"}
NEW_FILES = [MONTHLY_FILES[0], LOCAL_DIR]  # whole-force month overlaps the city file


def _environment(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    env.update(
        HOTSPOTS_DATABASE_URL=url,
        HOTSPOTS_DATA_DIR=str(data_dir),
        HOTSPOTS_COMPUTE_PROCESSES="0",
    )
    return env


@contextmanager
def _service(env: dict[str, str], log: Path) -> Iterator[str]:
    """``hotspots serve`` in its own process; yields its base URL, then stops it."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [HOTSPOTS, "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "service did not start"
            try:
                _get(f"{base}/api/v1/health", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(url: str, timeout: float = 120) -> tuple[dict[str, object], str]:
    """The JSON body and ETag of a GET (an HTTP error raises)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read()), str(response.headers.get("etag", ""))


def _layer(base: str) -> tuple[str, int]:
    body, etag = _get(f"{base}{LAYER}?{urllib.parse.urlencode(PARAMS)}")
    return etag, int(body["parameters"]["data_version"])  # type: ignore[index]


@pytest.mark.slow
def test_two_services_and_an_ingest_share_one_database(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    ingest_paths([PORTSMOUTH_CSV, *NEW_FILES], reference)
    url = pg_server.new_database()
    store = open_store(url)
    ingest_paths([PORTSMOUTH_CSV], store)
    before = store.count()
    env = _environment(url, tmp_path / "data")
    with (
        _service(env, tmp_path / "a.log") as a,
        _service(env, tmp_path / "b.log") as b,
    ):
        old = {base: _layer(base) for base in (a, b)}
        assert old[a] == old[b]  # same data, same layer
        assert _layer(a) == old[a]  # and cached

        seen: list[tuple[str, int, int]] = []
        stop = threading.Event()

        def watch() -> None:  # readers while the third process ingests
            while not stop.is_set():
                for base in (a, b):
                    health, _ = _get(f"{base}/api/v1/health", timeout=30)
                    seen.append(
                        (base, int(health["data_version"]), int(health["incidents"]))  # type: ignore[call-overload]
                    )

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            done = subprocess.run(
                [HOTSPOTS, "ingest", *map(str, NEW_FILES), "--json"],
                env=env, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
        finally:
            stop.set()
            watcher.join()
        assert done.returncode == 0, done.stderr[-2000:]
        report = json.loads(done.stdout)

        # No lost or duplicated rows: the same incidents as one SQLite store.
        assert store.count() == reference.count() == before + report["stored"]
        # Readers saw whole files only: each count is the count after some
        # number of committed batches, and versions never went back.
        cumulative = [before]
        for stored in store.batches()["rows_stored"].iloc[1:]:
            cumulative.append(cumulative[-1] + int(stored))
        assert seen and {count for _, _, count in seen} <= set(cumulative)
        for base in (a, b):
            versions = [v for where, v, _ in seen if where == base]
            assert versions == sorted(versions)

        # No stale layer once the ingest has committed, in either process.
        new = {base: _layer(base) for base in (a, b)}
        assert new[a] == new[b]
        assert new[a][0] != old[a][0]
        assert new[a][1] == store.data_version() > old[a][1]
    store.close()
