"""Coordinate reference systems: British National Grid for analysis, WGS84 at the edge.

All transformations go through pyproj with ``always_xy=True`` so that the axis
order is always (x, y) = (longitude, latitude) or (easting, northing).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pyproj import Transformer

__all__ = ["BNG", "WGS84", "bng_to_wgs84", "wgs84_to_bng"]

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def wgs84_to_bng(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project WGS84 longitude/latitude (degrees) to BNG easting/northing (metres)."""
    x, y = _transformer(WGS84, BNG).transform(
        np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    )
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def bng_to_wgs84(
    easting: ArrayLike, northing: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unproject BNG easting/northing (metres) to WGS84 longitude/latitude (degrees)."""
    lon, lat = _transformer(BNG, WGS84).transform(
        np.asarray(easting, dtype="float64"), np.asarray(northing, dtype="float64")
    )
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
