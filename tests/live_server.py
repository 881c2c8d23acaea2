"""The service on a free localhost port, for clients that speak real HTTP
(headless Chromium, OWSLib, GDAL)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

from api.main import create_app
from hotspots.settings import Settings


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(settings: Settings) -> Iterator[str]:
    """Run the app for ``settings`` in a thread; yields its base URL until closed."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
