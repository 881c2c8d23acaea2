"""GeoJSON geometries built from coordinate arrays equal GEOS's own writer."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import shapely

from hotspots.analysis.geojson import geojson_geometries

ring = shapely.box(0.0, 0.0, 4.0, 4.0)
holed = shapely.Polygon(ring.exterior, [shapely.box(1, 1, 2, 2).exterior.coords])
KINDS = [
    None,
    shapely.Point(-1.091234, 50.812345),
    shapely.box(-1.1, 50.8, -1.099, 50.801),
    holed,
    shapely.MultiPolygon([shapely.box(0, 0, 1, 1), holed]),
    shapely.Polygon(),
    shapely.MultiPolygon(),
    shapely.LineString([(0, 0), (1, 1)]),
    shapely.GeometryCollection([shapely.Point(1, 2), shapely.box(0, 0, 1, 1)]),
]


def geos(geoms: np.ndarray) -> list:
    """The reference: GEOS's GeoJSON text of each geometry, parsed."""
    return [None if g is None else json.loads(shapely.to_geojson(g)) for g in geoms]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, len(KINDS) - 1), max_size=25), st.integers(0, 6))
def test_equals_geos_writer(kinds: list[int], decimals: int) -> None:
    """Any mix of types, empties and None, any rounding: same dicts, same JSON."""
    geoms = np.array([KINDS[k] for k in kinds], dtype=object)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy * 1.37, decimals))
    ours = geojson_geometries(geoms)
    assert ours == geos(geoms)
    assert json.dumps(ours) == json.dumps(geos(geoms))


def test_rounded_wgs84_cells_are_byte_identical() -> None:
    """Cells in WGS84 rounded to 6 decimals (what layers send) write the same text."""
    rng = np.random.default_rng(4)
    x0 = rng.uniform(-1.2, -1.0, 500)
    y0 = rng.uniform(50.75, 50.9, 500)
    geoms = shapely.box(x0, y0, x0 + 0.0014, y0 + 0.0009)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 6))
    assert json.dumps(geojson_geometries(geoms)) == json.dumps(geos(geoms))
