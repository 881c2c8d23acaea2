"""Input checks shared by every hotspot method, in one place.

Each check turns a likely mistake into a clear :mod:`hotspots.errors` error
before any work is done: no incidents, coordinates in degrees or with no CRS,
points that miss the study area, a grid too large to build, nonsense parameters.
Points outside a given study area are dropped *before* the grid is sized, so a
stray point at (0, 0) cannot blow the grid up to millions of cells.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

import geopandas as gpd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from hotspots.crs import BNG
from hotspots.errors import (
    CRSError,
    EmptyInputError,
    GridTooLargeError,
    InvalidParameterError,
    UnknownMethodError,
)

__all__ = [
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MIN_CELL_SIZE_M",
    "AreaLike",
    "PreparedPoints",
    "as_area",
    "check_choice",
    "check_crs",
    "check_grid_size",
    "check_positive",
    "prepare_points",
    "warn_bandwidth_below_cell",
]

DEFAULT_MAX_CELLS = 2_000_000
DEFAULT_MIN_CELL_SIZE_M = 50.0
#: Study areas (and, in grid.py, their cell masks) kept by value: a ward pack's
#: city, its wards and a few boxes.
AREA_CACHE_SIZE = 16
#: Every coordinate inside this box with a BNG label almost surely means degrees.
DEGREE_LIMITS = (180.0, 90.0)

AreaLike = BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame


@dataclass(frozen=True, eq=False)
class PreparedPoints:
    """Incident coordinates ready for analysis (copies; the input is untouched).

    Attributes
    ----------
    x, y : ndarray of float64
        Easting and northing in metres (EPSG:27700) of the points kept.
    w : ndarray of float64 or None
        Non-negative weights of the points kept, or None when unweighted.
    incidents : int
        Number of rows in the input.
    dropped_no_location : int
        Rows with a missing, empty or non-finite geometry (not analysed).
    dropped_outside_area : int
        Rows outside the study area (not analysed).
    area : shapely geometry or None
        The study area (a valid Polygon or MultiPolygon), if one was given.
    weight : str or None
        Name of the weight column used.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    w: NDArray[np.float64] | None
    incidents: int
    dropped_no_location: int
    dropped_outside_area: int
    area: BaseGeometry | None
    weight: str | None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the points kept, in metres."""
        return (
            float(self.x.min()),
            float(self.y.min()),
            float(self.x.max()),
            float(self.y.max()),
        )

    def counts_summary(self) -> dict[str, float]:
        """The input/drop counts every method reports in its summary."""
        return {
            "incidents": float(self.incidents),
            "dropped_no_location": float(self.dropped_no_location),
            "dropped_outside_area": float(self.dropped_outside_area),
        }


def check_crs(crs: Any, what: str) -> None:
    """Raise :class:`CRSError` unless ``crs`` is British National Grid (EPSG:27700).

    Parameters
    ----------
    crs : pyproj.CRS, str or None
        The reference system found on the input.
    what : str
        What the input is ("points", "study area"), for the message.
    """
    if crs is None:
        raise CRSError(
            f"the {what} have no CRS; expected {BNG} (British National Grid metres). "
            f"If the coordinates are eastings/northings use .set_crs('{BNG}'); "
            f"if they are longitude/latitude use .set_crs('EPSG:4326').to_crs('{BNG}')"
        )
    crs = CRS.from_user_input(crs)
    if crs.equals(CRS.from_epsg(27700), ignore_axis_order=True):
        return
    kind = "geographic, in degrees" if crs.is_geographic else "not BNG"
    raise CRSError(
        f"the {what} are in {crs.to_string()} ({kind}); expected {BNG} "
        f"(British National Grid metres). Reproject with .to_crs('{BNG}')"
    )


def _check_not_degrees(
    x: NDArray[np.float64], y: NDArray[np.float64], what: str
) -> None:
    lim_x, lim_y = DEGREE_LIMITS
    small = np.all(np.abs(x) <= lim_x) and np.all(np.abs(y) <= lim_y)
    at_origin_only = not (np.any(x) or np.any(y))
    if x.size and small and not at_origin_only:
        raise CRSError(
            f"the {what} are labelled {BNG} but every coordinate is within "
            f"±{lim_x:g}, ±{lim_y:g}: they look like longitude/latitude degrees. "
            f"Use .set_crs('EPSG:4326', allow_override=True).to_crs('{BNG}')"
        )


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float, raising InvalidParameterError unless finite > 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0:
        raise InvalidParameterError(
            f"{name} must be a finite number > 0, got {value!r}"
        )
    return out


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` (lower case) if it is one of ``choices``, else raise.

    Raises
    ------
    UnknownMethodError
        Listing the valid choices.
    """
    key = str(value).strip().lower()
    if key not in choices:
        raise UnknownMethodError(
            f"{name}={value!r} is not valid; choose one of: {', '.join(choices)}"
        )
    return key


def as_area(area: AreaLike | None) -> BaseGeometry | None:
    """Turn a study area into one valid (Multi)Polygon in EPSG:27700, or None.

    Parameters
    ----------
    area : shapely Polygon/MultiPolygon, GeoSeries, GeoDataFrame or None
        GeoSeries/GeoDataFrame must carry EPSG:27700; their shapes are unioned.
        A bare shapely geometry is assumed to be in BNG metres (checked against
        coordinates that look like degrees).

    Returns
    -------
    shapely geometry or None
        A polygonal geometry (the input object is not modified). An equal
        shapely geometry given again gets the same, immutable, object.
    """
    if area is None:
        return None
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        check_crs(area.crs, "study area")
        geoms = np.asarray(area.geometry.values, dtype=object)
        return _polygonal(shapely.union_all(geoms[~shapely.is_missing(geoms)]))
    if isinstance(area, BaseGeometry):
        return _polygonal_of_geometry(area)
    raise InvalidParameterError(
        "area must be a shapely Polygon/MultiPolygon or a GeoSeries/GeoDataFrame "
        f"in {BNG}, got {type(area).__name__}"
    )


@functools.lru_cache(maxsize=AREA_CACHE_SIZE)
def _polygonal_of_geometry(area: BaseGeometry) -> BaseGeometry:
    """:func:`_polygonal` of one geometry, kept by value: a layer's backtests
    check the same study area a dozen times (two unions of a city each). It is
    prepared before it is shared, so no two threads prepare it at once."""
    geom = _polygonal(shapely.union_all([area]))
    shapely.prepare(geom)
    return geom


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The valid polygonal part of ``geom``, checked non-empty and in metres."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    geom = shapely.union_all(polys) if polys.size else shapely.Polygon()
    if geom.is_empty or geom.area <= 0:
        raise EmptyInputError("the study area is empty (no polygon with any area)")
    coords = shapely.get_coordinates(geom)
    _check_not_degrees(coords[:, 0], coords[:, 1], "study area")
    return geom


def _weights(points: Any, weight: str | None, keep: NDArray[np.bool_]) -> Any:
    if weight is None:
        return None
    if not isinstance(points, gpd.GeoDataFrame) or weight not in points.columns:
        cols = list(getattr(points, "columns", []))
        raise InvalidParameterError(f"weight column {weight!r} not found; have {cols}")
    try:
        w = np.asarray(points[weight], dtype="float64")[keep]
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"weight column {weight!r} is not numeric"
        ) from None
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InvalidParameterError(
            f"weight column {weight!r} must be finite and >= 0 for every incident"
        )
    return w


def _coordinates(points: Any) -> tuple[NDArray, NDArray, NDArray]:
    if not isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InvalidParameterError(
            f"points must be a GeoDataFrame or GeoSeries of Points in {BNG}, "
            f"got {type(points).__name__}"
        )
    if len(points) == 0:
        raise EmptyInputError("there are no incidents to analyse (0 points)")
    check_crs(points.crs, "points")
    geoms = np.asarray(points.geometry.values, dtype=object)
    if np.all(shapely.get_type_id(geoms) == 0):  # all points, none missing
        xy = shapely.get_coordinates(geoms)
        if len(xy) == len(geoms):  # none empty: one (x, y) per point, in order
            x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
            return x, y, np.isfinite(x) & np.isfinite(y)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms[present])
    if np.any(types != 0):
        bad = sorted({shapely.get_type_id(g) for g in geoms[present][types != 0]})
        raise InvalidParameterError(
            f"points must all be Point geometries (found geometry type ids {bad}); "
            "use .centroid or .representative_point() first"
        )
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[present] = shapely.get_x(geoms[present])
    y[present] = shapely.get_y(geoms[present])
    keep = np.isfinite(x) & np.isfinite(y)
    return x, y, keep


def prepare_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    area: AreaLike | None = None,
    weight: str | None = None,
) -> PreparedPoints:
    """Check incident points (and the study area) and extract their coordinates.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries of Points, EPSG:27700
        The incidents. Never modified.
    area : polygon, GeoSeries or GeoDataFrame, optional
        Study area in EPSG:27700. Points outside it (boundary included as inside)
        are dropped and counted.
    weight : str, optional
        Name of a numeric, finite, non-negative weight column (e.g. harm).

    Returns
    -------
    PreparedPoints

    Raises
    ------
    EmptyInputError
        No points, or none with a location.
    CRSError
        Missing, geographic or non-BNG CRS, or BNG-labelled degrees.
    InvalidParameterError
        Non-point geometries, bad weights, or no point inside the study area.
    """
    x_all, y_all, keep = _coordinates(points)
    if not keep.any():
        raise EmptyInputError(f"none of the {len(keep)} incidents has a location")
    w = _weights(points, weight, keep)
    x, y = (x_all, y_all) if keep.all() else (x_all[keep], y_all[keep])
    _check_not_degrees(x, y, "points")
    geom = as_area(area)
    dropped_outside = 0
    if geom is not None:
        inside = shapely.intersects_xy(geom, x, y)
        if not inside.any():
            raise InvalidParameterError(
                f"none of the {x.size} points is inside the study area (points extent "
                f"{_extent(x.min(), y.min(), x.max(), y.max())}, area extent "
                f"{_extent(*geom.bounds)}): check the coordinates and the area"
            )
        dropped_outside = int(x.size - inside.sum())
        x, y = x[inside], y[inside]
        w = None if w is None else w[inside]
    return PreparedPoints(
        x=x,
        y=y,
        w=w,
        incidents=len(keep),
        dropped_no_location=int((~keep).sum()),
        dropped_outside_area=dropped_outside,
        area=geom,
        weight=weight,
    )


def _extent(minx: float, miny: float, maxx: float, maxy: float) -> str:
    return f"x {minx:.0f}..{maxx:.0f} m, y {miny:.0f}..{maxy:.0f} m"


def check_grid_size(
    ncols: int,
    nrows: int,
    cell_size_m: float,
    bounds: tuple[float, float, float, float],
    max_cells: int,
) -> None:
    """Raise :class:`GridTooLargeError` if ``ncols * nrows`` exceeds ``max_cells``.

    The message gives the cell count, the extent and what to do about it.
    """
    cells = int(ncols) * int(nrows)
    if cells > max_cells:
        minx, miny, maxx, maxy = bounds
        raise GridTooLargeError(
            f"a grid of {cell_size_m:g} m cells over {maxx - minx:.0f} m x "
            f"{maxy - miny:.0f} m ({_extent(*bounds)}) would have {cells:,} cells "
            f"({ncols:,} x {nrows:,}), more than max_cells={max_cells:,}. Use a "
            "bigger cell_size_m, or give a study area so that stray points outside "
            "it (e.g. at 0,0) are dropped"
        )


def warn_bandwidth_below_cell(bandwidth_m: float, cell_size_m: float) -> None:
    """Warn (UserWarning) when the bandwidth is smaller than the cell size."""
    if bandwidth_m < cell_size_m:
        warnings.warn(
            f"bandwidth_m={bandwidth_m:g} is smaller than cell_size_m={cell_size_m:g}: "
            "the density is sampled too coarsely to be smooth; use a smaller cell or "
            "a larger bandwidth",
            UserWarning,
            stacklevel=3,
        )
