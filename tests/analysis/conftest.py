"""Shared fixtures for the analysis tests: synthetic incidents in Portsmouth BNG."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import geopandas as gpd
import shapely

#: South-west corner of a 5 km x 5 km square over Portsmouth (BNG metres).
ORIGIN = (461000.0, 98000.0)
SIDE_M = 5000.0
#: Planted cluster centre (inside the square, not on a cell line).
SPOT = (463217.0, 101433.0)


def make_points(x, y, **columns) -> gpd.GeoDataFrame:
    """GeoDataFrame of points in EPSG:27700 with optional extra columns."""
    return gpd.GeoDataFrame(
        dict(columns), geometry=gpd.points_from_xy(x, y), crs="EPSG:27700"
    )


@pytest.fixture
def points_factory() -> Callable[..., gpd.GeoDataFrame]:
    """The :func:`make_points` helper."""
    return make_points


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(20240501)


@pytest.fixture
def planted(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Uniform background over 5 km x 5 km plus 200 points within 50 m of SPOT."""
    n_bg = 2000
    bx = ORIGIN[0] + rng.uniform(0, SIDE_M, n_bg)
    by = ORIGIN[1] + rng.uniform(0, SIDE_M, n_bg)
    angle = rng.uniform(0, 2 * np.pi, 200)
    radius = 50 * np.sqrt(rng.uniform(0, 1, 200))
    cx = SPOT[0] + radius * np.cos(angle)
    cy = SPOT[1] + radius * np.sin(angle)
    harm = rng.choice([1.0, 2.0, 10.0], n_bg + 200)
    return make_points(np.r_[bx, cx], np.r_[by, cy], harm=harm)


@pytest.fixture
def square_area() -> shapely.Polygon:
    """The 5 km x 5 km study square."""
    return shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + SIDE_M, ORIGIN[1] + SIDE_M)
