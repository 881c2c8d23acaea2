"""Basemap tiles from a local tile archive (``HOTSPOTS_TILES=/path/area.mbtiles``).

A council's own MBTiles or PMTiles file (see ``docs/offline-tiles.md``) served at
``/tiles/{z}/{x}/{y}.{ext}``, so an offline deployment has streets under its
hotspots with no request leaving the machine. A tile the archive does not hold
answers ``204 No Content`` (the map shows the land colour there, and the browser
logs no error); without an archive every tile is a 404.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from hotspots.tiles import TileArchive, is_archive_path, open_archive

router = APIRouter(tags=["map"])

_lock = threading.Lock()


def _archive(request: Request) -> TileArchive:
    """The archive named by the settings, opened once per app."""
    state = request.app.state
    archive: TileArchive | None = getattr(state, "tile_archive", None)
    if archive is not None:
        return archive
    value = state.settings.tiles.strip()
    if not is_archive_path(value):
        raise HTTPException(404, "no local tile archive (HOTSPOTS_TILES is not a file)")
    with _lock:
        archive = getattr(state, "tile_archive", None) or open_archive(value)
        state.tile_archive = archive
    return archive


@router.get("/tiles/{z}/{x}/{y}.{ext}")
async def get_tile(
    request: Request,
    z: Annotated[int, Path(ge=0, le=24)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    ext: Annotated[str, Path(pattern=r"^(png|jpg|webp)$")],
) -> Response:
    """One basemap tile (XYZ numbering, as Leaflet asks) from the local archive."""
    archive = await run_in_threadpool(_archive, request)
    if ext != archive.info.format:
        raise HTTPException(404, f"the archive holds {archive.info.format} tiles")
    data = await run_in_threadpool(archive.tile, z, x, y)
    headers = {"Cache-Control": "public, max-age=86400"}
    if data is None:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=archive.info.media_type, headers=headers)
