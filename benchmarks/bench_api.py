"""API load benchmark: the layer endpoints under concurrent load on loopback.

Loads the sample data into a temporary SQLite store, starts the real service
(uvicorn, ``api.main:create_app --factory``) in its own process on 127.0.0.1,
and drives it with ``--clients`` concurrent HTTP/1.1 keep-alive connections for
``--seconds`` per scenario. The load generator is this script: asyncio streams,
one coroutine per client, each sending its next request as soon as the last
response has been read in full (a closed loop, like ``wrk``).

Scenarios (each against a freshly started server):

* ``cached``      a fixed set of layers (every method x two themes, whole city,
                  whole period), computed once before the run, then repeated;
* ``gzip``        the same set with ``Accept-Encoding: gzip``, as browsers
                  send it (the body is the precomputed gzip copy);
* ``revalidate``  the same set with ``If-None-Match: <its ETag>`` (expects 304);
* ``cold``        the cached set on a just-started server, no warm-up: all
                  clients ask for layers nobody has computed yet (as after a
                  restart or a new ingest); shows duplicate work on misses;
* ``uncached``    every request a new parameter combination (method, theme,
                  period and cell size / eps / cluster size), so each is computed;
* ``mixed``       the cached set, with every 16th request a new combination as in
                  ``uncached`` (map users while an analyst explores): shows
                  what computations do to cached answers;
* ``summary``     area summaries (``/api/v1/areas/{code}/summary``) of the city
                  and each of its wards, whole period, repeated (issue 14).

Reported per scenario: requests/s, p50/p90/p99/max latency, errors (any
unexpected status, a short body, a socket error or a request over
``--timeout``), bytes/s, the CPU the server, this client and every other
process used meanwhile (client and server share the machine's cores), and the
server's peak resident memory (VmHWM, summed over its processes).
Requests still in flight when the time is up are waited for (up to
``--timeout``) and counted in the latencies but not in requests/s.

Usage::

    .venv/bin/python benchmarks/bench_api.py [--seconds 30] [--clients 64]
        [--workers 1]
        [--scenarios cached,gzip,revalidate,cold,uncached,mixed,summary]
        [--json out.json]

Only 127.0.0.1 is ever contacted. Exits non-zero if any scenario had errors.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SAMPLE_PATHS = (
    REPO / "sample_data" / "police_uk" / "portsmouth-street-2017-02_to_2017-07.csv",
    REPO / "sample_data" / "local",
)
HOST = "127.0.0.1"
LAYERS = "/api/v1/layers"
METHODS = ("grid", "kde", "gistar", "dbscan", "hdbscan")
THEMES = ("asb", "violence", "drugs", "alcohol", "other")
MONTHS = ("2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07")
CACHED_THEMES = ("asb", "violence")
MIXED_EVERY = 16  # in ``mixed``, every 16th request is a new layer


# --------------------------------------------------------------------------
# What to request
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request: path with query, extra headers, the status expected."""

    path: str
    label: str
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200


def layer_path(method: str, **query: Any) -> str:
    """``/api/v1/layers/{method}?...`` with the query parameters given."""
    given = {k: v for k, v in query.items() if v is not None}
    return f"{LAYERS}/{method}" + (f"?{urlencode(given)}" if given else "")


def cached_targets() -> list[Target]:
    """The repeated set: every method for two themes, whole city and period."""
    return [
        Target(layer_path(method, theme=theme), label=method)
        for theme in CACHED_THEMES
        for method in METHODS
    ]


def uncached_target(i: int) -> Target:
    """Request number ``i``: a parameter combination no other ``i`` uses.

    The method, theme and period cycle; the method's size parameter grows with
    ``i`` (0.25 m a step, or one point of ``min_cluster_size``), so the
    combination (and so the cache key) is new every time.
    """
    method = METHODS[i % len(METHODS)]
    theme = THEMES[(i // len(METHODS)) % len(THEMES)]
    start = (i // 3) % 3
    month_from, month_to = MONTHS[start], MONTHS[start + 3]
    step = i // len(METHODS)
    size: dict[str, Any]
    if method in ("grid", "kde", "gistar"):
        size = {"cell_size_m": f"{100 + 0.25 * step:g}"}
    elif method == "dbscan":
        size = {"eps_m": f"{120 + 0.25 * step:g}"}
    else:
        size = {"min_cluster_size": 5 + step}
    query = {"theme": theme, "from": month_from, "to": month_to, **size}
    return Target(layer_path(method, **query), label=method)


def summary_targets() -> list[Target]:
    """The summary of the city and of each of its wards."""
    from boundaries.io import read_boundaries

    codes = ["city", *read_boundaries("ward")["code"]]
    return [Target(f"/api/v1/areas/{c}/summary", label="summary") for c in codes]


@dataclass
class Scenario:
    """A named stream of requests and how to prepare the server for it."""

    name: str
    description: str
    next_target: Callable[[int], Target]
    warm: list[Target] = field(default_factory=list)
    warm_with_load: bool = False


def make_scenarios(etags: dict[str, str]) -> dict[str, Scenario]:
    """The scenarios; ``revalidate`` uses ``etags`` (path -> ETag) once known."""
    cached = cached_targets()
    summaries = summary_targets()

    def cycle(i: int) -> Target:
        return cached[i % len(cached)]

    def summary(i: int) -> Target:
        return summaries[i % len(summaries)]

    def mixed(i: int) -> Target:
        if i % MIXED_EVERY == 0:
            target = uncached_target(i // MIXED_EVERY)
            return Target(target.path, "new " + target.label)
        return cached[i % len(cached)]

    def gzipped(i: int) -> Target:
        target = cached[i % len(cached)]
        return Target(target.path, target.label, (("Accept-Encoding", "gzip"),))

    def revalidate(i: int) -> Target:
        target = cached[i % len(cached)]
        etag = etags.get(target.path, '"unknown"')
        return Target(target.path, target.label, (("If-None-Match", etag),), 304)

    return {
        "cached": Scenario(
            "cached",
            f"{len(cached)} layers ({len(METHODS)} methods x "
            f"{len(CACHED_THEMES)} themes, city, all months) repeated",
            cycle,
            warm=cached,
            warm_with_load=True,
        ),
        "gzip": Scenario(
            "gzip",
            "the same layers asked for as a browser does (Accept-Encoding: gzip)",
            gzipped,
            warm=cached,
            warm_with_load=True,
        ),
        "revalidate": Scenario(
            "revalidate",
            "the same layers with If-None-Match (304, no body)",
            revalidate,
            warm=cached,
            warm_with_load=True,
        ),
        "cold": Scenario(
            "cold",
            "the cached set on a fresh server, no warm-up: every client at once",
            cycle,
        ),
        "mixed": Scenario(
            "mixed",
            "cached layers, every 16th request a new combination",
            mixed,
            warm=cached,
            warm_with_load=False,
        ),
        "uncached": Scenario(
            "uncached",
            "every request a new method/theme/period/size combination",
            uncached_target,
            warm=cached,  # pays one-time costs (imports, boundaries); never reused
        ),
        "summary": Scenario(
            "summary",
            f"{len(summaries)} area summaries (the city and its wards) repeated",
            summary,
            warm=summaries,
            warm_with_load=True,
        ),
    }


# --------------------------------------------------------------------------
# The load generator: raw HTTP/1.1 keep-alive over asyncio streams
# --------------------------------------------------------------------------


class HttpError(Exception):
    """A malformed or truncated response."""


@dataclass
class Response:
    """Status, body length and the headers of one response."""

    status: int
    body_bytes: int
    headers: dict[str, str]


class _ResponseReader(asyncio.BufferedProtocol):
    """Reads responses into one reused buffer, counting body bytes, not keeping them.

    The load generator shares the machine's cores with the server, so it must
    be cheap: bodies (up to 1.5 MB) are received into a fixed 256 KiB buffer
    and only counted, never copied or joined.
    """

    def __init__(self) -> None:
        self._buffer = memoryview(bytearray(256 * 1024))
        self._head = bytearray()
        self._response: Response | None = None
        self._remaining = 0
        self._keep_alive = True
        self._waiter: asyncio.Future[tuple[Response, bool]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def expect(self) -> asyncio.Future[tuple[Response, bool]]:
        """A future for the next response (call before sending the request)."""
        self._head.clear()
        self._response = None
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = self._buffer[:nbytes]
        try:
            if self._response is None:
                data = self._read_head(data)
            if self._response is not None and data is not None:
                if len(data) > self._remaining:
                    raise HttpError("more bytes than Content-Length")
                self._response.body_bytes += len(data)
                self._remaining -= len(data)
                self._finish_if_done()
        except HttpError as exc:
            self._fail(exc)

    def _read_head(self, data: memoryview) -> memoryview | None:
        """Collect the status line and headers; the body bytes after them."""
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            return None
        status_line, *header_lines = self._head[:end].decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise HttpError(f"bad status line {status_line!r}")
        headers = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        status = int(parts[1])
        self._keep_alive = headers.get("connection", "").lower() != "close"
        if status in (204, 304) or status < 200:
            self._remaining = 0
        elif "content-length" in headers:
            self._remaining = int(headers["content-length"])
        else:
            raise HttpError("no Content-Length (chunked bodies are not read)")
        self._response = Response(status, 0, headers)
        return memoryview(self._head)[end + 4 :]

    def _finish_if_done(self) -> None:
        if self._remaining == 0 and self._waiter and not self._waiter.done():
            assert self._response is not None
            self._waiter.set_result((self._response, self._keep_alive))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(HttpError("connection closed before a full response"))


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._protocol: _ResponseReader | None = None

    async def get(self, target: Target) -> Response:
        """Send ``GET target`` and read the whole response."""
        if self._protocol is None or self._protocol.transport is None:
            loop = asyncio.get_running_loop()
            _, self._protocol = await loop.create_connection(
                _ResponseReader, HOST, self.port
            )
        protocol = self._protocol
        assert protocol.transport is not None
        lines = [f"GET {target.path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in target.headers]
        waiter = protocol.expect()
        protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        response, keep_alive = await waiter
        if not keep_alive:
            self.close()
        return response

    def close(self) -> None:
        """Drop the socket (the next request opens a new one)."""
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


@dataclass
class Sample:
    """One request's outcome, times relative to the start of the run."""

    started: float
    latency: float
    label: str
    status: int
    body_bytes: int
    error: str | None


async def client_loop(
    port: int,
    next_index: Iterator[int],
    next_target: Callable[[int], Target],
    deadline: float,
    timeout: float,
    t0: float,
    samples: list[Sample],
) -> None:
    """One client: request after request on one connection until the deadline."""
    conn = Connection(port)
    for index in next_index:
        start = time.perf_counter()
        if start >= deadline:
            break
        target = next_target(index)
        status, body, error = 0, 0, None
        try:
            response = await asyncio.wait_for(conn.get(target), timeout)
            status, body = response.status, response.body_bytes
            if status != target.expect:
                error = f"status {status}"
        except TimeoutError:
            error = "timeout"
            conn.close()
        except (OSError, HttpError, ValueError) as exc:
            error = type(exc).__name__
            conn.close()
        elapsed = time.perf_counter() - start
        samples.append(Sample(start - t0, elapsed, target.label, status, body, error))
    conn.close()


async def run_load(
    port: int,
    next_target: Callable[[int], Target],
    clients: int,
    seconds: float,
    timeout: float,
    max_requests: int,
) -> tuple[list[Sample], float]:
    """``clients`` closed-loop clients for ``seconds``; samples and wall time."""
    samples: list[Sample] = []
    counter = iter(range(max_requests))  # shared: bounds the total, numbers targets
    # The client's own garbage collector would walk the growing list of samples
    # (600,000 at 20,000 req/s for 30 s) and stall every client for up to 0.4 s,
    # time that would be counted as server latency. Samples hold no cycles.
    collecting = gc.isenabled()
    gc.disable()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    try:
        await asyncio.gather(
            *(
                client_loop(port, counter, next_target, deadline, timeout, t0, samples)
                for _ in range(clients)
            )
        )
    finally:
        if collecting:
            gc.enable()
    return samples, time.perf_counter() - t0


# --------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------


def build_store(folder: Path) -> str:
    """Ingest the sample data into a new SQLite store; its URL."""
    from hotspots.ingest import ingest_paths
    from hotspots.store import open_store

    url = f"sqlite:///{folder / 'bench.db'}"
    store = open_store(url)
    ingest_paths(list(SAMPLE_PATHS), store)
    print(f"store: {store.count():,} incidents, data version {store.data_version()}")
    return url


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    url: str, args: argparse.Namespace, folder: Path
) -> Iterator[tuple[int, int]]:
    """Start ``uvicorn api.main:create_app --factory``; yield (port, pid)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--app-dir", str(args.app_dir),
        "--host", HOST, "--port", str(port), "--workers", str(args.workers),
        "--log-level", "info" if args.access_log else "warning",
        "--access-log" if args.access_log else "--no-access-log",
    ]  # fmt: skip
    env = {**os.environ, "HOTSPOTS_DATABASE_URL": url, "HOTSPOTS_DATA_DIR": str(folder)}
    log_path = folder / f"server-{port}.log"
    log = log_path.open("wb")
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    try:
        wait_until_ready(port, server, log_path)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_until_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``/api/v1/health`` until it answers 200 (60 s at most)."""
    target = Target("/api/v1/health", "health")
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {server.returncode}:\n{tail}")
        try:
            if asyncio.run(fetch_once(port, target)).status == 200:
                return
        except (OSError, HttpError):
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready after 60 s")


async def fetch_once(port: int, target: Target) -> Response:
    """One request on a new connection."""
    conn = Connection(port)
    try:
        return await conn.get(target)
    finally:
        conn.close()


def machine_busy_cpu() -> float:
    """CPU seconds all processes have used since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> dict[int, list[str]]:
    """``pid`` and its live descendants, each with its ``/proc/<pid>/stat`` fields."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        stats[int(entry.name)] = fields
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return {p: stats[p] for p in tree if p in stats}


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum(
        (int(fields[11]) + int(fields[12])) / tick
        for fields in process_tree(pid).values()
    )


def process_tree_peak_mb(pid: int) -> float:
    """Sum of the peak resident memory (VmHWM) of ``pid`` and its descendants."""
    total_kb = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


# --------------------------------------------------------------------------
# Running scenarios and summarising
# --------------------------------------------------------------------------


def warm_up(port: int, scenario: Scenario, etags: dict[str, str]) -> None:
    """Request each warm-up target once, in turn; remember the ETags."""
    for target in scenario.warm:
        response = asyncio.run(fetch_once(port, target))
        if response.status != 200:
            raise RuntimeError(f"warm-up {target.path}: status {response.status}")
        etags[target.path] = response.headers.get("etag", "")


def run_scenario(
    scenario: Scenario, url: str, args: argparse.Namespace, folder: Path
) -> dict[str, Any]:
    """Fresh server, warm-up, the timed run; the summary."""
    etags: dict[str, str] = {}
    with running_server(url, args, folder) as (port, pid):
        warm_up(port, scenario, etags)
        next_target = make_scenarios(etags)[scenario.name].next_target
        if scenario.warm_with_load and args.warmup_seconds > 0:
            # every worker process and pool thread sees the set before timing
            asyncio.run(
                run_load(
                    port, next_target, args.clients, args.warmup_seconds,
                    args.timeout, args.max_requests,
                )
            )  # fmt: skip
        load_1m = os.getloadavg()[0]
        samples, wall, cpu = measured_load(port, pid, next_target, args)
        peak_mb = process_tree_peak_mb(pid)
    summary = summarise(samples, args.seconds, wall)
    summary.update(
        scenario=scenario.name,
        description=scenario.description,
        load_avg_1m_before=round(load_1m, 2),
        **{f"{who}_cpu_cores": round(cpu[who] / wall, 2) for who in cpu},
        server_cpu_ms_per_request=round(cpu["server"] / max(len(samples), 1) * 1e3, 2),
        server_peak_mb=round(peak_mb),
    )
    return summary


def measured_load(
    port: int, pid: int, next_target: Callable[[int], Target], args: argparse.Namespace
) -> tuple[list[Sample], float, dict[str, float]]:
    """The timed run; samples, wall time and CPU s of server, client and others."""
    server0, client0, busy0 = (
        process_tree_cpu(pid), time.process_time(), machine_busy_cpu()
    )  # fmt: skip
    samples, wall = asyncio.run(
        run_load(
            port, next_target, args.clients, args.seconds, args.timeout,
            args.max_requests,
        )
    )  # fmt: skip
    server = process_tree_cpu(pid) - server0
    client = time.process_time() - client0
    other = max(machine_busy_cpu() - busy0 - server - client, 0.0)
    return samples, wall, {"server": server, "client": client, "other": other}


def latency_stats(latencies: np.ndarray) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds (linear-interpolated percentiles)."""
    if latencies.size == 0:
        return {"p50_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    p50, p90, p99 = np.percentile(latencies, [50, 90, 99]) * 1000
    return {
        "p50_ms": round(float(p50), 1),
        "p90_ms": round(float(p90), 1),
        "p99_ms": round(float(p99), 1),
        "max_ms": round(float(latencies.max()) * 1000, 1),
    }


def summarise(samples: list[Sample], seconds: float, wall: float) -> dict[str, Any]:
    """Throughput within the window, latencies of every response, errors."""
    in_window = [s for s in samples if s.started + s.latency <= seconds]
    errors: dict[str, int] = {}
    for s in samples:
        if s.error is not None:
            errors[s.error] = errors.get(s.error, 0) + 1
    ok_in_window = [s for s in in_window if s.error is None]
    by_label = {
        label: {
            "requests": len(group),
            "mean_body_kb": round(np.mean([s.body_bytes for s in group]) / 1024, 1),
            **latency_stats(np.array([s.latency for s in group])),
        }
        for label, group in _grouped(samples).items()
    }
    return {
        "requests": len(samples),
        "completed_in_window": len(in_window),
        "finished_after_window": len(samples) - len(in_window),
        "requests_per_s": round(len(ok_in_window) / seconds, 1),
        **latency_stats(np.array([s.latency for s in samples])),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "mb_per_s": round(sum(s.body_bytes for s in in_window) / seconds / 2**20, 1),
        "wall_s": round(wall, 1),
        "by_method": by_label,
    }


def _grouped(samples: list[Sample]) -> dict[str, list[Sample]]:
    ordered = sorted(samples, key=lambda s: s.label)
    return {k: list(g) for k, g in itertools.groupby(ordered, key=lambda s: s.label)}


def machine_facts(args: argparse.Namespace) -> dict[str, str]:
    """CPU count, Python and library versions, the run's settings."""
    import fastapi
    import h11
    import starlette
    import uvicorn

    loops = [m for m in ("uvloop", "httptools") if _importable(m)]
    return {
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "fastapi": fastapi.__version__,
        "starlette": starlette.__version__,
        "uvicorn": uvicorn.__version__,
        "h11": h11.__version__,
        "uvicorn_extras": ", ".join(loops) or "none (asyncio loop, h11 parser)",
        "commit": _git_commit(),
        "load_avg": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "workers": str(args.workers),
        "clients": str(args.clients),
        "seconds": str(args.seconds),
        "access_log": str(args.access_log),
    }


def _git_commit() -> str:
    """The checkout's commit (with ``+dirty`` if api/ or hotspots/ changed)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "api", "hotspots")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _git(*arguments: str) -> str:
    """Output of ``git arguments`` in the repository."""
    done = subprocess.run(
        ["git", *arguments], cwd=REPO, text=True, capture_output=True, check=True
    )
    return done.stdout.strip()


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def markdown_table(results: list[dict[str, Any]]) -> str:
    """One row per scenario."""
    rows = [
        "| scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | MB/s "
        "| server CPU | client CPU | other CPU | server peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r['scenario']} | {r['requests_per_s']} | {r['p50_ms']} "
            f"| {r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['errors']} "
            f"| {r['mb_per_s']} | {r['server_cpu_cores']} | {r['client_cpu_cores']} "
            f"| {r['other_cpu_cores']} | {r['server_peak_mb']:,} |"
        )
    return "\n".join(rows)


def method_table(result: dict[str, Any]) -> str:
    """Per-method latencies of one scenario."""
    rows = [
        f"{result['scenario']}: method | requests | body KB | p50 | p99 | max",
    ]
    for label, s in result["by_method"].items():
        rows.append(
            f"  {label:8} {s['requests']:7} {s['mean_body_kb']:9} "
            f"{s['p50_ms']:8} {s['p99_ms']:8} {s['max_ms']:8}"
        )
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per scenario")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument(
        "--scenarios",
        default="cached,gzip,revalidate,cold,uncached,mixed",
        help="comma-separated",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, s")
    parser.add_argument("--warmup-seconds", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument(
        "--access-log", action="store_true", help="log each request (as `serve`)"
    )
    parser.add_argument(
        "--app-dir", type=Path, default=REPO, help="serve api/ from this checkout"
    )
    parser.add_argument(
        "--database-url", help="use this store as it is (default: ingest samples)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios; print tables; non-zero exit if any request failed."""
    args = parse_args(argv)
    facts = machine_facts(args)
    print(" ".join(f"{k}={v}" for k, v in facts.items()))
    scenarios = make_scenarios({})
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        folder = Path(tmp)
        url = args.database_url or build_store(folder)
        for name in names:
            print(f"-- {name}: {scenarios[name].description}", flush=True)
            result = run_scenario(scenarios[name], url, args, folder)
            print(json.dumps({k: v for k, v in result.items() if k != "by_method"}))
            print(method_table(result), flush=True)
            results.append(result)
    print()
    print(markdown_table(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": facts, "results": results}))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
