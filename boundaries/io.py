"""Load boundary sets from ``boundaries/data`` as validated BNG GeoDataFrames."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd

from boundaries.catalog import BoundarySet, get_boundary_set
from hotspots.crs import BNG

__all__ = ["DATA_DIR", "read_boundaries"]

DATA_DIR = Path(str(resources.files("boundaries").joinpath("data")))


def read_boundaries(name: str) -> gpd.GeoDataFrame:
    """Areas of the boundary set ``name`` with columns ``code``, ``name``, ``geometry``.

    Geometry is in British National Grid (EPSG:27700). Each call returns a new
    frame, so callers may modify it.
    """
    return _read(get_boundary_set(name)).copy()


@cache
def _read(boundary_set: BoundarySet) -> gpd.GeoDataFrame:
    path = DATA_DIR / boundary_set.filename
    frame = gpd.read_file(path)
    if frame.crs is None:
        raise ValueError(f"{path}: boundary file has no CRS")
    areas = gpd.GeoDataFrame(
        {
            "code": frame[boundary_set.code_field].astype(str),
            "name": frame[boundary_set.name_field].astype(str),
        },
        geometry=frame.geometry.to_crs(BNG).make_valid(),
        crs=BNG,
    )
    return areas.sort_values("code", ignore_index=True)
