"""Layer downloads: GeoJSON, CSV (for Excel) and GeoPackage (for QGIS)."""

from __future__ import annotations

import io
import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
from fastapi import Response

import geopandas as gpd

__all__ = ["Format", "download_response"]


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
    if fmt is Format.GEOJSON:
        body = json.dumps(collection, separators=(",", ":")).encode("utf-8")
    elif fmt is Format.CSV:
        body = _to_csv(collection)
    else:
        body = _to_gpkg(collection, name)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'}
    return Response(body, media_type=_MEDIA[fmt], headers={**headers, **disposition})


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
