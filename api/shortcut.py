"""Repeat layer requests answered from the cache before any parsing.

Validating a layer request (17 query parameters, the API key, the route's
dependencies) costs more server time than sending a cached layer. Once the
route has answered a URL for an API key, the same URL with the same key on the
same data version gets the same layer, so this middleware answers it straight
from :class:`~api.cache.LayerCache`, as a caching proxy honouring ``Vary``
would. Anything else (a first request, other data, another key, errors) goes
through the route as usual, and the route's own checks stay the only ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.cache import CachedLayer, LayerCache
from hotspots.store import IncidentStore

__all__ = [
    "CachedLayerShortcut",
    "cached_layer_response",
    "layer_alias",
    "layer_headers",
    "not_modified",
]

LAYERS_PATH = "/api/v1/layers/"
GEOJSON_TYPE = "application/geo+json"
#: Layers are sensitive: browsers may keep them, shared proxies may not.
CACHE_CONTROL = "private, max-age=300, must-revalidate"


def layer_alias(scope: Scope) -> Hashable:
    """What makes two layer requests the same: path, query and API key."""
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


class CachedLayerShortcut:
    """ASGI middleware: a repeated GeoJSON layer request served from the cache."""

    def __init__(self, app: ASGIApp, cache: LayerCache, store: IncidentStore) -> None:
        self.app = app
        self.cache = cache
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(LAYERS_PATH)
        ):
            cached = self.cache.get_alias(layer_alias(scope), self.store.data_version())
            if cached is not None:
                response = cached_layer_response(cached, Headers(scope=scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
