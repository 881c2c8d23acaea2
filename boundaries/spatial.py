"""Assign points to areas (wards, LSOAs) by point-in-polygon, with a coast tolerance.

The boundary files are generalised and clipped to the coastline, so seafront
police.uk snap points can fall a few tens of metres outside every polygon. A
point outside all areas but within ``tolerance_m`` of one is given the nearest
area, unless the source itself placed it in an area outside the set (police.uk
rows carry their own LSOA code), which stops a neighbouring district's points
being pulled in across a land boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

import geopandas as gpd
import shapely

__all__ = ["DEFAULT_TOLERANCE_M", "assign_areas"]

DEFAULT_TOLERANCE_M = 75.0


def assign_areas(
    easting: NDArray[np.float64],
    northing: NDArray[np.float64],
    areas: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    outside_set: NDArray[np.bool_] | None = None,
) -> NDArray[np.object_]:
    """Code of the area containing each point, or ``None`` outside all areas.

    Parameters
    ----------
    easting, northing : array of float
        Point coordinates in EPSG:27700 metres (NaN for unlocated rows).
    areas : GeoDataFrame
        Columns ``code`` and ``geometry`` in EPSG:27700.
    tolerance_m : float
        Points outside every area but within this distance get the nearest one.
    outside_set : array of bool, optional
        True where the source says the point belongs outside this set of areas;
        such points never get the tolerance.

    Returns
    -------
    numpy.ndarray of object
        Area code per point, ``None`` where unassigned.
    """
    n_points = len(easting)
    codes = np.full(n_points, None, dtype=object)
    located = np.isfinite(easting) & np.isfinite(northing)
    if not located.any():
        return codes
    # Distinct locations first: police.uk points share few snap points. Only
    # those near the areas' bounds can be in or near one (a force-wide file
    # has most of its points elsewhere): GEOS sees no others.
    inverse, unique_xy = _distinct_points(easting[located], northing[located])
    near = _near_bounds(unique_xy, areas, tolerance_m)
    unique_codes = np.full(len(unique_xy), None, dtype=object)
    inside = np.zeros(len(unique_xy), dtype=bool)
    if near.any():
        unique_codes[near] = _codes_for(unique_xy[near], areas, tolerance_m)
        if outside_set is not None:
            inside[near] = _strictly_inside(unique_xy[near], areas)
    located_codes = unique_codes[inverse]
    if outside_set is not None:
        located_codes = np.where(
            outside_set[located] & ~inside[inverse], None, located_codes
        )
    codes[located] = located_codes
    return codes


def _near_bounds(
    xy: NDArray[np.float64], areas: gpd.GeoDataFrame, tolerance_m: float
) -> NDArray[np.bool_]:
    """True for points within ``tolerance_m`` of the areas' bounding box: a
    point beyond it is farther than ``tolerance_m`` from every area."""
    pad = max(tolerance_m, 0.0)
    min_x, min_y, max_x, max_y = areas.total_bounds
    x, y = xy[:, 0], xy[:, 1]
    return (
        (x >= min_x - pad)
        & (x <= max_x + pad)
        & (y >= min_y - pad)
        & (y <= max_y + pad)
    )


def _distinct_points(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Each point's code among the distinct (x, y) pairs, and those pairs.

    Hash-based (much faster than ``np.unique(axis=0)``, which sorts a million
    rows); pairs compare bit for bit.
    """
    x_codes, _ = pd.factorize(x.view(np.int64))
    y_codes, y_uniques = pd.factorize(y.view(np.int64))
    codes, uniques = pd.factorize(x_codes * len(y_uniques) + y_codes)
    first = np.empty(len(uniques), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes.astype(np.intp), np.column_stack([x[first], y[first]])


def _codes_for(
    xy: NDArray[np.float64], areas: gpd.GeoDataFrame, tolerance_m: float
) -> NDArray[np.object_]:
    points = shapely.points(xy)
    area_codes = areas["code"].to_numpy(dtype=object)
    codes = np.full(len(points), None, dtype=object)
    point_idx, area_idx = areas.sindex.query(points, predicate="within")
    # A point on a shared edge is within neither polygon; one inside two
    # overlapping ones keeps the first.
    first = ~pd.Series(point_idx).duplicated().to_numpy()
    codes[point_idx[first]] = area_codes[area_idx[first]]
    missing = np.flatnonzero(pd.isna(codes))
    if len(missing) and tolerance_m > 0:
        near_point, near_area = areas.sindex.nearest(
            points[missing], max_distance=tolerance_m, return_all=False
        )
        codes[missing[near_point]] = area_codes[near_area]
    return codes


def _strictly_inside(
    xy: NDArray[np.float64], areas: gpd.GeoDataFrame
) -> NDArray[np.bool_]:
    point_idx, _ = areas.sindex.query(shapely.points(xy), predicate="intersects")
    inside = np.zeros(len(xy), dtype=bool)
    inside[point_idx] = True
    return inside
