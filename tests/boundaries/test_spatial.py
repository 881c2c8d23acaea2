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
