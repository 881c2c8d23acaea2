"""The service's edge: security headers on every response, request size limits.

One pure ASGI middleware, outermost, so that every answer carries the headers
(HTML pages, JSON, errors, static files, the cached-answer shortcut) and an
oversized request is refused before any route parses it:

* ``Content-Security-Policy``: scripts, styles, data and fonts from the service
  itself only. The Folium map page is built from inline scripts and styles, so
  those are allowed inline (``'unsafe-inline'``), never from another origin;
  images may also be ``data:`` URIs and, when ``HOTSPOTS_TILES`` names a tile
  server, come from that server only. ``frame-ancestors 'none'`` (and
  ``X-Frame-Options: DENY`` for older browsers) stops the map being framed.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (map
  URLs carry areas and periods; they are not sent to the tile server).
* A query string longer than :data:`MAX_QUERY_BYTES`, with more than
  :data:`MAX_QUERY_PARAMETERS` parameters or a value longer than
  :data:`MAX_VALUE_CHARS` is answered 422 at once: resolving thousands of area
  codes costs seconds of CPU per request.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "MAX_QUERY_BYTES",
    "MAX_QUERY_PARAMETERS",
    "MAX_VALUE_CHARS",
    "EdgeGuard",
    "content_security_policy",
    "query_problem",
    "security_headers",
]

#: Longest query string accepted (bytes, percent-encoded as sent).
MAX_QUERY_BYTES = 4096
#: Most query parameters in one request (a repeated one counts each time).
MAX_QUERY_PARAMETERS = 64
#: Longest single query value (decoded): about 100 area codes.
MAX_VALUE_CHARS = 1024


def tile_origin(tiles: str) -> str | None:
    """The origin (scheme://host[:port]) of a tile URL template, if it has one.

    ``{s}`` subdomains become a wildcard (``https://*.tile.example.org``).
    """
    template = tiles.strip()
    if template.lower() in ("", "none"):
        return None
    parts = urlsplit(template.replace("{s}", "subdomain"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("subdomain", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(tiles: str = "none") -> str:
    """The CSP for every page: self only, plus the tile server's images."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(tiles)
    if origin:
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],  # Folium's inline scripts
        "style-src": ["'self'", "'unsafe-inline'"],  # and inline styles
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def security_headers(tiles: str = "none") -> list[tuple[bytes, bytes]]:
    """The headers added to every response, as ASGI header pairs."""
    headers = {
        "content-security-policy": content_security_policy(tiles),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
    }
    return [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]


def query_problem(query_string: bytes) -> str | None:
    """Why a query string is refused (too long, too many or too long values)."""
    if len(query_string) > MAX_QUERY_BYTES:
        return (
            f"the query string is {len(query_string):,} bytes, more than "
            f"{MAX_QUERY_BYTES:,}: ask for fewer areas or categories per request "
            "(a district or ward name covers its LSOAs)"
        )
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len(pairs) > MAX_QUERY_PARAMETERS:
        return (
            f"the query has {len(pairs)} parameters, more than "
            f"{MAX_QUERY_PARAMETERS}: send fewer"
        )
    for name, value in pairs:
        if len(value) > MAX_VALUE_CHARS:
            return (
                f"{name[:40]} is {len(value):,} characters long, more than "
                f"{MAX_VALUE_CHARS:,}: give fewer areas (a district or ward name "
                "covers its LSOAs)"
            )
    return None


class EdgeGuard:
    """ASGI middleware: security headers on every response; oversized queries 422."""

    def __init__(self, app: ASGIApp, tiles: str = "none") -> None:
        self.app = app
        self.headers = security_headers(tiles)
        self._names = {name for name, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k not in self._names
                ]
                message["headers"] = kept + self.headers
            await send(message)

        problem = query_problem(scope.get("query_string", b""))
        if problem is not None:
            body = json.dumps({"detail": problem}).encode("utf-8")
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 422,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)
