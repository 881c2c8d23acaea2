"""The OpenAPI document says what the service really sends.

FastAPI describes every answer as ``application/json`` and every 422 as its
own validation-error list. Here the document is corrected once, when first
asked for: each route that sends GeoJSON, CSV, GeoPackage, PDF, SVG or HTML
lists those media types (:data:`MEDIA_TYPES`), and every error status is the
:class:`~api.errors.ErrorBody` the error handlers send (``detail`` a string,
or a list of ``loc``/``msg``/``type``). ``tests/api/test_security_schema.py``
walks the document and checks it against real answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.errors import ErrorBody, ValidationIssue

__all__ = ["MEDIA_TYPES", "install_openapi"]

_GEOJSON = {
    "type": "object",
    "description": "GeoJSON FeatureCollection (RFC 7946, WGS84)",
}
_TEXT = {"type": "string"}
_BINARY = {"type": "string", "format": "binary"}
_JSON = {"type": "object"}
_DOWNLOADS = {
    "application/geo+json": _GEOJSON,
    "text/csv": _TEXT,
    "application/geopackage+sqlite3": _BINARY,
}
#: Media types of the 200 answer of each GET route that does not send JSON.
MEDIA_TYPES: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/layers/{method}": _DOWNLOADS,
    "/api/v1/incidents": _DOWNLOADS,
    "/api/v1/boundaries/{name}": _DOWNLOADS,
    "/api/v1/premises/{premises_id}/report": {
        "text/html": _TEXT,
        "application/pdf": _BINARY,
        "text/csv": _TEXT,
    },
    "/api/v1/priorities/report": {
        "text/html": _TEXT,
        "application/pdf": _BINARY,
        "application/json": _JSON,
    },
    "/api/v1/evaluation": {
        "application/json": _JSON,
        "text/csv": _TEXT,
        "image/svg+xml": _TEXT,
    },
    "/ogc/collections/{collection_id}/items": {"application/geo+json": _GEOJSON},
    "/ogc/collections/{collection_id}/items/{feature_id}": {
        "application/geo+json": {"type": "object", "description": "GeoJSON Feature"}
    },
    "/ogc/collections/{collection_id}/queryables": {"application/schema+json": _JSON},
    "/tiles/{z}/{x}/{y}.{ext}": {
        "image/png": _BINARY,
        "image/jpeg": _BINARY,
        "image/webp": _BINARY,
    },
}
ERROR_REF = "#/components/schemas/ErrorBody"
INVALID_TEXT = "A parameter cannot be used: detail says which and why"
UNAVAILABLE_TEXT = (
    "The store or the layer workers cannot answer in time (a computation past "
    "its deadline, the service stopping); Retry-After says when to ask again"
)


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi`` return the corrected document (built once)."""
    app.openapi = _openapi(app)  # type: ignore[method-assign]


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
            separate_input_output_schemas=app.separate_input_output_schemas,
        )
        _error_schemas(schema)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                _errors(path, responses)
                if method == "get" and path in MEDIA_TYPES and "200" in responses:
                    responses["200"]["content"] = {
                        media: {"schema": body}
                        for media, body in MEDIA_TYPES[path].items()
                    }
        app.openapi_schema = schema
        return schema

    return openapi


def _error_schemas(schema: dict[str, Any]) -> None:
    """Our error body in the components, FastAPI's validation error out."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ValidationIssue, ErrorBody):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[model.__name__] = body
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)


def _errors(path: str, responses: dict[str, Any]) -> None:
    """422 and (under /api/) 503 answered with :class:`ErrorBody`."""
    error = {"content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
    if "422" in responses:
        responses["422"] = {"description": INVALID_TEXT, **error}
    if path.startswith("/api/") and "503" not in responses:
        responses["503"] = {"description": UNAVAILABLE_TEXT, **error}
