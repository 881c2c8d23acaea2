"""Repeat layer and area-summary requests answered before any parsing.

Validating a request (a layer's 17 query parameters, the API key, the route's
dependencies) costs more server time than sending a kept answer. Once the route
has answered a URL for an API key, the same URL with the same key on the same
data version gets the same answer, so this middleware sends it straight from
:class:`~api.cache.LayerCache` (layers) or a :class:`~hotspots.memo.Memo` of
area summaries by request, as a caching proxy honouring ``Vary`` would.
Anything else (a first request, other data, another key, errors) goes through
the route as usual, and the route's own checks stay the only ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.cache import CachedLayer, LayerCache
from hotspots.memo import Memo
from hotspots.store import IncidentStore

__all__ = [
    "CachedAnswerShortcut",
    "cached_layer_response",
    "keep_summary",
    "kept_summary",
    "layer_headers",
    "not_modified",
    "request_alias",
]

LAYERS_PATH = "/api/v1/layers/"
AREAS_PATH = "/api/v1/areas/"
SUMMARY_SUFFIX = "/summary"
JSON_TYPE = "application/json"
#: The name area summaries are kept under, by request, in their memo.
_SUMMARY = "summary by request"
GEOJSON_TYPE = "application/geo+json"
#: Layers are sensitive: browsers may keep them, shared proxies may not.
CACHE_CONTROL = "private, max-age=300, must-revalidate"


def request_alias(scope: Scope) -> Hashable:
    """What makes two requests the same: path, query and API key."""
    api_key = None
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            api_key = value
            break
    return (scope["path"], scope["query_string"], api_key)


def layer_headers(cached: CachedLayer, etag: str | None = None) -> dict[str, str]:
    """Validator and caching rules of a layer response (any format)."""
    return {
        "ETag": etag or cached.etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "X-API-Key, Accept-Encoding",
    }


def not_modified(request_headers: Mapping[str, str], *etags: str) -> bool:
    """True if ``If-None-Match`` names one of ``etags`` (weak or not) or ``*``."""
    given = request_headers.get("if-none-match")
    if given is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or not tags.isdisjoint(etags)


def cached_layer_response(
    cached: CachedLayer, request_headers: Mapping[str, str]
) -> Response:
    """The GeoJSON answer for a cached layer: 304, gzip or plain.

    The gzip body has its own ETag (other bytes, same layer), as HTTP asks of a
    strong validator; either one revalidates.
    """
    gzipped = "gzip" in request_headers.get("accept-encoding", "")
    headers = layer_headers(cached, cached.gzip_etag if gzipped else cached.etag)
    if not_modified(request_headers, cached.etag, cached.gzip_etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(cached.gzip_body, media_type=GEOJSON_TYPE, headers=headers)
    return Response(cached.body, media_type=GEOJSON_TYPE, headers=headers)


def kept_summary(kept: Memo, scope: Scope, data_version: int) -> bytes | None:
    """The area summary kept for this request (path, query, key) on the data
    version, or None."""
    body: bytes | None = kept.peek(
        _SUMMARY, {"request": request_alias(scope)}, data_version
    )
    return body


def keep_summary(kept: Memo, scope: Scope, data_version: int, body: bytes) -> None:
    """Keep ``body``, the area summary this request got on the data version."""
    kept.put(_SUMMARY, {"request": request_alias(scope)}, data_version, body)


class CachedAnswerShortcut:
    """ASGI middleware: a repeated GeoJSON layer or area-summary request served
    from what the route kept."""

    def __init__(
        self,
        app: ASGIApp,
        cache: LayerCache,
        store: IncidentStore,
        summaries: Memo,
    ) -> None:
        self.app = app
        self.cache = cache
        self.store = store
        self.summaries = summaries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(LAYERS_PATH):
                alias = request_alias(scope)
                cached = self.cache.get_alias(alias, self.store.data_version())
                if cached is not None:
                    response = cached_layer_response(cached, Headers(scope=scope))
                    await response(scope, receive, send)
                    return
            elif path.startswith(AREAS_PATH) and path.endswith(SUMMARY_SUFFIX):
                body = kept_summary(self.summaries, scope, self.store.data_version())
                if body is not None:
                    await Response(body, media_type=JSON_TYPE)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
