"""Layer downloads: GeoJSON, CSV (for Excel) and GeoPackage (for QGIS).

A file's bytes are kept per ETag (:class:`FileCache`), so a client reading a
GeoPackage in place with byte ranges (GDAL's ``/vsicurl/``: many small ranged
GETs) gets parts of one and the same file, built once.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
from fastapi import Response

import geopandas as gpd

__all__ = ["FileCache", "Format", "download_response", "file_body", "ranged_response"]


class Format(StrEnum):
    """Download formats of a layer."""

    GEOJSON = "geojson"
    CSV = "csv"
    GPKG = "gpkg"


_MEDIA = {
    Format.GEOJSON: "application/geo+json",
    Format.CSV: "text/csv; charset=utf-8",
    Format.GPKG: "application/geopackage+sqlite3",
}


def download_response(
    collection: dict[str, Any], fmt: Format, name: str, headers: dict[str, str]
) -> Response:
    """The FeatureCollection as a file download in ``fmt``."""
    body = file_body(collection, fmt, name)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'}
    return Response(body, media_type=_MEDIA[fmt], headers={**headers, **disposition})


def file_body(collection: dict[str, Any], fmt: Format, name: str) -> bytes:
    """The bytes of the FeatureCollection as a file in ``fmt``."""
    if fmt is Format.GEOJSON:
        return json.dumps(collection, separators=(",", ":")).encode("utf-8")
    if fmt is Format.CSV:
        return _to_csv(collection)
    return _to_gpkg(collection, name)


class FileCache:
    """The last ``max_entries`` file bodies, by ETag (thread-safe)."""

    def __init__(self, max_entries: int = 16) -> None:
        self.max_entries = max_entries
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str, build: Callable[[], bytes]) -> bytes:
        """The body for ``etag``, built (once, under the lock) when missing."""
        with self._lock:
            if etag in self._bodies:
                self._bodies.move_to_end(etag)
                return self._bodies[etag]
            body = build()
            self._bodies[etag] = body
            while len(self._bodies) > self.max_entries:
                self._bodies.popitem(last=False)
            return body


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged_response(
    body: bytes,
    fmt: Format,
    name: str,
    headers: dict[str, str],
    range_header: str | None,
) -> Response:
    """The file whole (200), one byte range of it (206) or 416 (RFC 9110).

    One range per request (what GDAL asks for); a list of ranges is answered
    with the whole file, which HTTP allows.
    """
    disposition = f'attachment; filename="{name}.{fmt.value}"'
    headers = {**headers, "Accept-Ranges": "bytes", "Content-Disposition": disposition}
    size = len(body)
    match = _RANGE.match((range_header or "").replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        return Response(body, media_type=_MEDIA[fmt], headers=headers)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(
        body[start : end + 1], status_code=206, media_type=_MEDIA[fmt], headers=headers
    )


def _frame(collection: dict[str, Any]) -> gpd.GeoDataFrame:
    features = collection.get("features", [])
    if not features:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame.from_features(features, crs=4326)


def _to_csv(collection: dict[str, Any]) -> bytes:
    """Properties, a representative point's lon/lat and the geometry as WKT."""
    frame = _frame(collection)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    if len(frame):
        points = frame.geometry.representative_point()
        table["point_lon"] = points.x.round(6)
        table["point_lat"] = points.y.round(6)
        table["geometry_wkt"] = frame.geometry.to_wkt(rounding_precision=6)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def _to_gpkg(collection: dict[str, Any], name: str) -> bytes:
    """The features as one layer plus a ``parameters`` table (key, value)."""
    frame = _frame(collection)
    parameters = pd.DataFrame(
        [
            {"key": str(k), "value": json.dumps(v) if not isinstance(v, str) else v}
            for k, v in collection.get("parameters", {}).items()
        ],
        columns=["key", "value"],
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.gpkg"
        frame.to_file(path, driver="GPKG", layer=name)
        if len(parameters):
            pyogrio.write_dataframe(parameters, path, layer="parameters", driver="GPKG")
        return path.read_bytes()
