"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc``, offline.

FastAPI's own pages load Swagger UI, ReDoc and Google Fonts from CDNs, so they are
blank on a closed network. The app is created with ``docs_url=None`` and
``redoc_url=None`` and these routes serve the same pages with the scripts and
styles shipped by the ``fastapi-offline`` package on PyPI (Swagger UI bundle and
CSS, ReDoc standalone), mounted at ``/assets/docs``; ReDoc's web fonts are off.
ReDoc's bundle always shows Redocly's logo from its CDN: it is served with that
image replaced by an empty inline SVG (:func:`redoc_js`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api.assets import ASSETS_URL

__all__ = ["DOCS_ASSETS", "docs_dir", "install_docs", "redoc_js"]

#: Where the documentation pages' scripts and styles are served.
DOCS_ASSETS = f"{ASSETS_URL}/docs"


def docs_dir() -> Path:
    """The installed folder with swagger-ui-bundle.js, its CSS and ReDoc."""
    return Path(fastapi_offline.__file__).parent / "static"


#: The one address on another host in ReDoc's bundle, and what replaces it.
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def redoc_js() -> bytes:
    """ReDoc's standalone bundle with its CDN logo replaced (nothing leaves)."""
    text = (docs_dir() / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(_REDOC_LOGO, _EMPTY_SVG).encode("utf-8")


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` from local files (the app has neither yet)."""
    redoc_url = f"{DOCS_ASSETS}/redoc.offline.js"

    @app.get(redoc_url, include_in_schema=False)
    def redoc_script() -> Response:  # before the mount, which would answer first
        return Response(
            redoc_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount(DOCS_ASSETS, StaticFiles(directory=docs_dir()), name="assets-docs")
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = f"{DOCS_ASSETS}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=redoc_url,
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
