"""One mapping from the core's error types to HTTP status codes.

Every error answer is ``{"detail": ...}``: a sentence saying what to change
(core errors, HTTP errors), or for a request FastAPI could not validate a
list of ``{"loc", "msg", "type"}``. The value sent is never echoed back (it
may be a key or a victim's street), and the OpenAPI document describes this
body (:class:`ErrorBody`) for every error status instead of FastAPI's default.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict

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

__all__ = [
    "STATUS_FOR",
    "ComputeUnavailableError",
    "ErrorBody",
    "ValidationIssue",
    "error_page",
    "install_error_handlers",
    "status_for",
    "validation_issues",
]


class ComputeUnavailableError(HotspotError):
    """No layer in time: past the compute deadline, or the service is stopping."""


#: Most specific first; the message always says what to change.
STATUS_FOR: tuple[tuple[type[HotspotError], int], ...] = (
    (UnknownMethodError, 422),
    (InvalidParameterError, 422),
    (CRSError, 422),
    (GeocodeError, 422),
    (EmptyInputError, 422),  # layer routes answer an empty period with a 200
    (IngestError, 400),
    (StoreError, 503),
    (ComputeUnavailableError, 503),
)
#: Seconds a client should wait before asking again after a 503.
RETRY_AFTER_S = 30


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


class ValidationIssue(BaseModel):
    """One parameter FastAPI could not accept: where, and why."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error's body: what to change, or the parameters refused."""

    model_config = ConfigDict(extra="forbid")

    detail: str | list[ValidationIssue]


def validation_issues(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors with only ``loc``, ``msg`` and ``type``.

    ``input`` (the value sent) and ``ctx`` are dropped: an error must not
    echo a caller's data into logs, caches or another page.
    """
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e["type"]}
        for e in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Answer every core error as ``{"detail": message}`` with its status;
    validation errors without the input; describe both in the OpenAPI."""

    @app.exception_handler(HotspotError)
    def _hotspot_error(request: Request, exc: HotspotError) -> JSONResponse:
        status = status_for(exc)
        headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = {"detail": validation_issues(exc.errors())}
        return JSONResponse(jsonable_encoder(body), status_code=422)

    from api.openapi import install_openapi  # it imports this module's models

    install_openapi(app)
