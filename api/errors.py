"""One mapping from the core's error types to HTTP status codes."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from hotspots.errors import (
    CRSError,
    EmptyInputError,
    GeocodeError,
    HotspotError,
    IngestError,
    InvalidParameterError,
    StoreError,
    UnknownMethodError,
)

__all__ = ["STATUS_FOR", "error_page", "install_error_handlers", "status_for"]

#: Most specific first; the message always says what to change.
STATUS_FOR: tuple[tuple[type[HotspotError], int], ...] = (
    (UnknownMethodError, 422),
    (InvalidParameterError, 422),
    (CRSError, 422),
    (GeocodeError, 422),
    (EmptyInputError, 422),  # layer routes answer an empty period with a 200
    (IngestError, 400),
    (StoreError, 503),
)


def status_for(exc: HotspotError) -> int:
    """The HTTP status for a core error (500 for an unmapped one)."""
    for error_type, status in STATUS_FOR:
        if isinstance(exc, error_type):
            return status
    return 500


def error_page(exc: HotspotError) -> HTMLResponse:
    """A core error as a small HTML page (for the map pages), with a link home."""
    message = escape(str(exc))
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,"><title>Cannot show this map</title></head>'
        '<body style="font: 15px/1.4 system-ui, sans-serif; margin: 2em; '
        'max-width: 40em"><h1 style="font-size: 1.3em">Cannot show this map</h1>'
        f'<p id="hs-error">{message}</p>'
        '<p><a href="/">Back to the map</a></p></body></html>'
    )
    return HTMLResponse(html, status_code=status_for(exc))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every core error as ``{"detail": message}`` with its status."""

    @app.exception_handler(HotspotError)
    def _hotspot_error(request: Request, exc: HotspotError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))
