from __future__ import annotations

import numpy as np
import pytest

from boundaries.io import read_boundaries
from boundaries.spatial import assign_areas
from hotspots.errors import AreaPackError


def test_boundary_sets_load_in_bng_with_codes_and_names() -> None:
    wards = read_boundaries("ward")
    assert len(wards) == 14
    assert wards.crs.to_epsg() == 27700
    assert wards["code"].str.startswith("E05").all()
    assert len(read_boundaries("lsoa")) == 125
    with pytest.raises(AreaPackError, match="it has: ward, lsoa, city"):
        read_boundaries("beat")


def test_points_get_the_area_they_fall_in() -> None:
    wards = read_boundaries("ward")
    centres = wards.geometry.representative_point()
    codes = assign_areas(centres.x.to_numpy(), centres.y.to_numpy(), wards)
    assert list(codes) == list(wards["code"])


def test_tolerance_and_the_source_area_hint() -> None:
    wards = read_boundaries("ward")
    city = wards.union_all()
    # A point 40 m out to sea from the city edge, and one 5 km away.
    edge = city.exterior.interpolate(0) if city.geom_type == "Polygon" else None
    ring = max(city.geoms, key=lambda g: g.area).exterior if edge is None else None
    edge = edge or ring.interpolate(0)
    outward = city.centroid
    dx, dy = edge.x - outward.x, edge.y - outward.y
    norm = float(np.hypot(dx, dy))
    near = (edge.x + 40 * dx / norm, edge.y + 40 * dy / norm)
    far = (edge.x + 5000 * dx / norm, edge.y + 5000 * dy / norm)
    east = np.array([near[0], far[0], np.nan])
    north = np.array([near[1], far[1], np.nan])
    codes = assign_areas(east, north, wards, tolerance_m=75)
    assert codes[0] is not None and codes[1] is None and codes[2] is None
    strict = assign_areas(east, north, wards, tolerance_m=0)
    assert strict[0] is None
    hinted = assign_areas(
        east, north, wards, tolerance_m=75, outside_set=np.array([True, False, False])
    )
    assert hinted[0] is None


def test_points_beyond_the_areas_bounds_are_decided_as_near_ones() -> None:
    """Points far from the areas skip GEOS; every point still gets what a plain
    per-point check gives: the area it is in, else the nearest within the
    tolerance, else none (edges of the padded bounding box included)."""
    import geopandas as gpd
    import shapely

    areas = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 50)],
        crs=27700,
    )
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-300, 500, 2000), [-75, -75.001, 275, 275.0001]])
    y = np.concatenate([rng.uniform(-300, 400, 2000), [50, 50, 25, 25]])
    codes = assign_areas(x, y, areas, tolerance_m=75)
    for px, py, code in zip(x, y, codes, strict=True):
        point = shapely.Point(px, py)
        pairs = zip(areas["code"], areas.geometry, strict=True)
        within = [c for c, g in pairs if g.contains(point)]
        distances = [g.distance(point) for g in areas.geometry]
        nearest = areas["code"].iloc[int(np.argmin(distances))]
        expected = within[0] if within else nearest if min(distances) <= 75 else None
        if within or min(distances) > 0:  # points on an edge: either side may do
            assert code == expected, (px, py)
    assert list(codes[-4:]) == ["A", None, "B", None]
