"""Plain frames and boundary sets as RFC 7946 FeatureCollections (WGS84)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

import geopandas as gpd

from hotspots.analysis.geojson import jsonable

__all__ = ["areas_collection", "points_collection"]


def points_collection(
    frame: pd.DataFrame, columns: Sequence[str], *, id_column: str
) -> dict[str, Any]:
    """Points from ``lon``/``lat`` columns, with ``columns`` as properties."""
    features = [
        {
            "type": "Feature",
            "id": jsonable(row[id_column]),
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(float(row["lon"]), 6),
                    round(float(row["lat"]), 6),
                ],
            },
            "properties": {c: jsonable(row[c]) for c in columns},
        }
        for row in frame.to_dict(orient="records")
    ]
    return {"type": "FeatureCollection", "features": features}


def areas_collection(areas: gpd.GeoDataFrame) -> dict[str, Any]:
    """Areas (any CRS) as a FeatureCollection in WGS84, ``id`` = area code."""
    wgs84 = areas.to_crs(4326)
    wgs84["geometry"] = wgs84.geometry.set_precision(1e-6)
    collection: dict[str, Any] = json.loads(wgs84.to_json(drop_id=True))
    for feature in collection["features"]:
        feature["id"] = feature["properties"]["code"]
    return collection


def _round(degrees: float) -> float:
    return round(float(degrees), 6)
