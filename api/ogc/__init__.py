"""OGC API - Features: the same collections QGIS, GDAL and OWSLib read."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.ogc.params import OgcError
from api.ogc.routes import router

__all__ = ["install_ogc"]


def install_ogc(app: FastAPI) -> None:
    """Add the ``/ogc`` routes and answer their errors as OGC exceptions."""
    app.include_router(router)

    @app.exception_handler(OgcError)
    def _ogc_error(request: Request, exc: OgcError) -> JSONResponse:
        return JSONResponse(
            {"code": exc.code, "description": exc.description},
            status_code=exc.status,
        )
