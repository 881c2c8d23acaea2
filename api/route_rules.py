"""Every route's rule: the least trusted role that may call it, in one table.

Checked by one ASGI middleware before any route (or the cached-answer shortcut)
runs, so a route cannot forget it: a path the table does not name is refused
(404), an unknown API key is refused on every path (401), and a role below a
route's minimum gets 403. What a permitted caller then sees is the disclosure
rule's business (:mod:`hotspots.disclosure`), applied by the routes themselves.

The test suite walks every route of the app and checks the table names it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from hotspots.access import Role
from hotspots.settings import Settings

__all__ = ["ROUTE_RULES", "RouteRules", "minimum_role", "rule_matches"]

#: (path, minimum role): a path ending in "/" is a prefix, "*" stands for one
#: path segment, anything else is exact; the first match wins, so narrower
#: rules come first.
ROUTE_RULES: tuple[tuple[str, Role], ...] = (
    # The ingest history names the files the service read: analysts only.
    ("/api/v1/batches", Role.ANALYST),
    # A premises check counts incidents within 100-200 m of one address, finer
    # than any public cell: for licensing officers (partner keys) and analysts.
    ("/api/v1/premises/*/check", Role.PARTNER),
    ("/api/v1/premises/*/report", Role.PARTNER),
    ("/api/v1/premises/rank", Role.PARTNER),
    # Aggregates filtered by the caller's role (layers, locations, areas, ...).
    ("/api/v1/", Role.PUBLIC),
    # OGC API - Features: collections listed and filtered by role; the
    # record-level incidents collection checks for analysts itself.
    ("/ogc", Role.PUBLIC),
    ("/ogc/", Role.PUBLIC),
    # Map pages show what the service's default role sees (they send no key).
    ("/", Role.PUBLIC),
    ("/export.html", Role.PUBLIC),
    ("/change", Role.PUBLIC),
    # Basemap tiles from a local archive, the page's own scripts, the API docs.
    ("/tiles/", Role.PUBLIC),
    ("/assets/", Role.PUBLIC),
    ("/docs", Role.PUBLIC),
    ("/redoc", Role.PUBLIC),
    ("/openapi.json", Role.PUBLIC),
)

_RANK = {Role.PUBLIC: 0, Role.PARTNER: 1, Role.ANALYST: 2}


def rule_matches(rule: str, path: str) -> bool:
    """Whether ``rule`` (see :data:`ROUTE_RULES`) names ``path``."""
    if rule.endswith("/") and rule != "/":
        return path.startswith(rule)
    if "*" in rule:
        pattern = "[^/]+".join(re.escape(part) for part in rule.split("*"))
        return re.fullmatch(pattern, path) is not None
    return path == rule


def minimum_role(path: str) -> Role | None:
    """The least trusted role that may call ``path``; None: no such route."""
    for rule, role in ROUTE_RULES:
        if rule_matches(rule, path):
            return role
    return None


def _key(scope: Scope) -> str | None:
    """The API key: the X-API-Key header, or ``api_key`` in an OGC query."""
    for name, value in scope.get("headers", ()):
        if name == b"x-api-key":
            return value.decode("latin-1")
    if scope["path"].startswith("/ogc"):
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query):
            if name == "api_key":
                return value
    return None


class RouteRules:
    """ASGI middleware enforcing :data:`ROUTE_RULES` on every HTTP request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        needed = minimum_role(path)
        role_name = self.settings.role_for_key(_key(scope))
        if needed is None:
            await _refuse(send, 404, f"no route {path}")
        elif role_name is None:
            await _refuse(send, 401, "unknown API key")
        elif _RANK[Role(role_name)] < _RANK[needed]:
            await _refuse(
                send, 403, f"role {role_name} may not call {path} ({needed} or above)"
            )
        else:
            await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'ApiKey header="X-API-Key"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
