"""The map reads its layers through the service's own API, in-process.

The map page shows what ``/api/v1/layers/...`` and ``/api/v1/incidents`` answer
a caller with no API key (the default role), so every rule those routes apply,
such as small-count suppression, reaches the map too. :func:`api_json` sends
one GET through the whole application (middleware, dependencies, route), as
the browser would, without a socket. No features are computed here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp, Message

from hotspots.errors import InvalidParameterError

__all__ = ["api_json", "incidents_url", "layer_url"]


def _filters(query: Mapping[str, str]) -> dict[str, str]:
    """The API's filters for the map's query (``all`` and ``city`` are defaults)."""
    out = {}
    if query.get("theme") not in (None, "", "all"):
        out["theme"] = query["theme"]
    for key in ("from", "to"):
        if query.get(key):
            out[key] = query[key]
    if query.get("area") not in (None, "", "city"):
        out["area"] = query["area"]
    return out


def layer_url(query: Mapping[str, str]) -> str:
    """The API address of the layer a map query shows."""
    filters = urlencode(_filters(query))
    return f"/api/v1/layers/{query['method']}" + (f"?{filters}" if filters else "")


def incidents_url(query: Mapping[str, str]) -> str:
    """The API address of the incidents per location a map query shows."""
    filters = urlencode(_filters(query))
    return "/api/v1/incidents" + (f"?{filters}" if filters else "")


async def api_json(app: ASGIApp, url: str) -> dict[str, Any]:
    """GET ``url`` (path and query) from ``app`` with no API key; its JSON body.

    Raises :class:`InvalidParameterError` with the API's message on a 4xx.
    """
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
    }
    status = 500
    chunks: list[bytes] = []
    sent = False
    answered = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # A client that went away stops its computation (api/compute.py): this
        # one stays until it has the whole answer, as a waiting browser does.
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(scope, receive, send)
    finally:
        answered.set()
    body = b"".join(chunks)
    if status >= 400:
        try:
            detail = json.loads(body).get("detail", body.decode())
        except ValueError:
            detail = body.decode(errors="replace")
        raise InvalidParameterError(f"{url}: {detail}")
    answer: dict[str, Any] = json.loads(body)
    return answer
