"""Input checks: clear errors before any work, inputs never modified."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import geopandas as gpd
import shapely

from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.validate import as_area, check_crs, prepare_points
from hotspots.errors import (
    CRSError,
    EmptyInputError,
    GridTooLargeError,
    InvalidParameterError,
    UnknownMethodError,
)
from tests.analysis.conftest import ORIGIN, make_points

METHODS = [grid_counts, kde, gistar]


@pytest.mark.parametrize("method", METHODS)
def test_no_points_is_empty_input(method):
    empty = make_points([], [])
    with pytest.raises(EmptyInputError, match="no incidents"):
        method(empty)


@pytest.mark.parametrize("method", METHODS)
def test_wgs84_points_raise_crs_error_naming_both_crs(method):
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([-1.09, -1.08], [50.80, 50.81]), crs="EPSG:4326"
    )
    with pytest.raises(CRSError) as err:
        method(pts)
    assert "EPSG:4326" in str(err.value)
    assert "EPSG:27700" in str(err.value)
    assert "degrees" in str(err.value)


def test_missing_crs_and_other_projected_crs():
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([464000.0], [100000.0]))
    with pytest.raises(CRSError, match="no CRS"):
        prepare_points(pts)
    with pytest.raises(CRSError, match="EPSG:3857"):
        check_crs("EPSG:3857", "points")


def test_degrees_labelled_as_bng_are_caught():
    pts = make_points([-1.09, -1.08], [50.80, 50.81])
    with pytest.raises(CRSError, match="look like longitude/latitude"):
        grid_counts(pts)


def test_no_overlap_with_area(planted):
    far = shapely.box(300000, 300000, 301000, 301000)
    with pytest.raises(
        InvalidParameterError, match="check the coordinates and the area"
    ):
        kde(planted, area=far)


def test_area_geoseries_needs_bng():
    area = gpd.GeoSeries([shapely.box(-1.1, 50.7, -1.0, 50.8)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="study area"):
        as_area(area)


def test_grid_limit_from_a_stray_point_at_origin(planted, square_area):
    stray = make_points(np.r_[planted.geometry.x, 0.0], np.r_[planted.geometry.y, 0.0])
    with pytest.raises(GridTooLargeError) as err:
        grid_counts(stray, cell_size_m=100)
    message = str(err.value)
    assert "cells" in message and "max_cells=2,000,000" in message
    assert "x 0.." in message  # the extent
    assert "cell_size_m" in message and "study area" in message
    result = grid_counts(stray, cell_size_m=100, area=square_area)
    assert result.summary["dropped_outside_area"] == 1
    assert result.summary["incidents"] == len(stray)
    assert result.summary["incidents_covered"] == len(planted)
    assert len(result.features) == 50 * 50


def test_max_cells_parameter(planted):
    with pytest.raises(GridTooLargeError, match="2,500 cells"):
        grid_counts(planted, cell_size_m=100, max_cells=1000)


def test_bandwidth_smaller_than_cell_warns(planted):
    with pytest.warns(UserWarning, match="smaller than cell_size_m"):
        kde(planted, cell_size_m=200, bandwidth_m=150)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kde(planted, cell_size_m=200, bandwidth_m=400)


def test_bad_parameters(planted):
    with pytest.raises(InvalidParameterError, match="cell_size_m"):
        grid_counts(planted, cell_size_m=-5)
    with pytest.raises(InvalidParameterError, match="min_cell_size_m"):
        grid_counts(planted, cell_size_m=20)
    with pytest.raises(UnknownMethodError, match="square, hex"):
        grid_counts(planted, shape="triangle")
    with pytest.raises(UnknownMethodError, match="silverman, sfhotspot"):
        kde(planted, bandwidth_rule="scott")
    with pytest.raises(InvalidParameterError, match="weight column 'nope'"):
        kde(planted, weight="nope")
    with pytest.raises(InvalidParameterError, match="distance_m"):
        gistar(planted, cell_size_m=100, distance_m=50)


def test_negative_weights_rejected(planted):
    bad = planted.assign(harm=-planted["harm"])
    with pytest.raises(InvalidParameterError, match=">= 0"):
        kde(bad, weight="harm")


def test_non_point_geometry_rejected():
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(464000, 100000), (464100, 100100)])],
        crs="EPSG:27700",
    )
    with pytest.raises(InvalidParameterError, match="Point"):
        grid_counts(lines)


def test_missing_locations_dropped_and_counted(planted):
    pts = planted.copy()
    pts.loc[[0, 1], "geometry"] = None
    result = grid_counts(pts)
    assert result.summary["dropped_no_location"] == 2
    assert result.summary["incidents_covered"] == len(pts) - 2


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_not_modified(method, planted, square_area):
    before = planted.copy()
    area_wkb = square_area.wkb
    method(planted, area=square_area, weight="harm")
    assert planted.equals(before)
    assert list(planted.columns) == list(before.columns)
    assert square_area.wkb == area_wkb
    assert ORIGIN[0] <= planted.geometry.x.min()


@pytest.mark.parametrize(
    "extra",
    [[], [None], [shapely.Point()], [shapely.Point(np.nan, np.nan)],
     [shapely.Point(461000.0, 98000.0, 7.0)], [shapely.Point(np.inf, 98000.0)]],
)  # fmt: skip
def test_coordinates_are_each_points_x_and_y(extra):
    rng = np.random.default_rng(5)
    xy = rng.uniform((461000.0, 98000.0), (466000.0, 103000.0), (50, 2))
    geoms = list(shapely.points(xy)) + list(extra)
    prep = prepare_points(gpd.GeoSeries(geoms, crs="EPSG:27700"))
    ok = [
        g for g in geoms
        if g is not None and not g.is_empty and np.isfinite([g.x, g.y]).all()
    ]  # fmt: skip
    assert prep.x.tolist() == [g.x for g in ok]
    assert prep.y.tolist() == [g.y for g in ok]
    assert prep.dropped_no_location == len(geoms) - len(ok)
    assert prep.x.flags.c_contiguous and prep.y.flags.c_contiguous
