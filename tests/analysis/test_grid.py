"""Aligned square/hex grids, stable ids, default cell size, area masks, counts."""

from __future__ import annotations

import numpy as np
import pytest

import shapely

from hotspots.analysis.grid import (
    bin_points,
    cells_frame,
    count_points,
    default_cell_size,
    grid_counts,
    make_grid,
)
from hotspots.errors import EmptyInputError
from tests.analysis.conftest import ORIGIN, SPOT, make_points


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (12000.0, 9000.0, 100.0),  # floor(9000/5000)=1 -> 100 m
        (30000.0, 26000.0, 500.0),  # floor(26000/5000)=5 -> 500 m
        (4990.0, 8000.0, 99.0),  # floor(4990/5000)=0 -> floor(4990/50)=99 m
        (3000.0, 3000.0, 60.0),  # 3000/50 = 60 m
        (1000.0, 4000.0, 50.0),  # 1000/50 = 20 m -> floor of 50 m
    ],
)
def test_default_cell_size_rule(width, height, expected):
    assert default_cell_size((0.0, 0.0, width, height)) == expected


def test_default_cell_size_floor_can_be_lowered():
    assert default_cell_size((0.0, 0.0, 1000.0, 1000.0), min_cell_size_m=10) == 20.0


def test_ids_are_aligned_and_stable_across_point_sets(rng):
    x1, y1 = 464000 + rng.uniform(0, 900, 50), 100500 + rng.uniform(0, 900, 50)
    x2, y2 = 463731 + rng.uniform(0, 2000, 80), 100123 + rng.uniform(0, 2000, 80)
    a = grid_counts(make_points(x1, y1), cell_size_m=100).features
    b = grid_counts(make_points(x2, y2), cell_size_m=100).features
    assert "sq100_464000_100500" in set(a["cell_id"])
    shared = set(a["cell_id"]) & set(b["cell_id"])
    assert shared
    ga = a.set_index("cell_id").geometry
    gb = b.set_index("cell_id").geometry
    for cid in shared:
        assert ga[cid].equals(gb[cid])
        _, x, y = cid.split("_")
        assert ga[cid].bounds == (float(x), float(y), float(x) + 100, float(y) + 100)


def test_counts_match_cells(rng):
    x = 464000 + rng.uniform(0, 1000, 500)
    y = 100000 + rng.uniform(0, 1000, 500)
    w = rng.uniform(0, 5, 500)
    result = grid_counts(make_points(x, y, harm=w), cell_size_m=250, weight="harm")
    feats = result.features
    assert list(feats.columns) == ["cell_id", "n", "w", "geometry"]
    assert feats["n"].sum() == 500
    assert feats["w"].sum() == pytest.approx(w.sum())
    for _, row in feats.iterrows():
        minx, miny, maxx, maxy = row.geometry.bounds
        inside = (x >= minx) & (x < maxx) & (y >= miny) & (y < maxy)
        assert row.n == inside.sum()
        assert row.w == pytest.approx(w[inside].sum())
    assert result.summary["incidents_covered"] == 500


def test_area_cells_cover_area_not_just_points(square_area):
    # All points in one corner; the grid must still cover the whole study area.
    pts = make_points(
        [ORIGIN[0] + 10, ORIGIN[0] + 20], [ORIGIN[1] + 10, ORIGIN[1] + 30]
    )
    circle = shapely.Point(SPOT).buffer(1000).union(shapely.box(*ORIGIN, *SPOT))
    result = grid_counts(pts, cell_size_m=100, area=circle)
    cells = shapely.union_all(result.features.geometry.values)
    assert cells.contains(circle)
    # every kept cell shares area with the study area
    assert all(g.intersection(circle).area > 0 for g in result.features.geometry)
    assert result.parameters["cell_geometry"] == "whole"
    assert result.summary["area_km2"] == pytest.approx(circle.area / 1e6)


def test_clip_trims_boundary_cells():
    area = shapely.Point(SPOT).buffer(730)
    pts = make_points([SPOT[0]], [SPOT[1]])
    whole = grid_counts(pts, cell_size_m=100, area=area)
    clipped = grid_counts(pts, cell_size_m=100, area=area, clip=True)
    assert clipped.parameters["cell_geometry"] == "clipped"
    assert list(whole.features["cell_id"]) == list(clipped.features["cell_id"])
    assert clipped.features.area.sum() == pytest.approx(area.area, rel=1e-9)
    assert whole.features.area.sum() > area.area


def test_make_grid_square_mask_matches_exact_test(rng):
    poly = shapely.Polygon(
        [(464000, 100000), (465300, 100250), (464900, 101700), (464300, 101100)]
    ).buffer(37)
    grid = make_grid(poly, 53.0)
    geoms = make_grid(poly.bounds, 53.0).geometries()
    exact = shapely.intersects(poly, geoms) & ~shapely.touches(poly, geoms)
    assert np.array_equal(grid.mask.ravel(), exact)
    assert grid.i0 * 53.0 <= poly.bounds[0] < (grid.i0 + 1) * 53.0


def test_hex_grid_assigns_points_to_their_hexagon(rng):
    x = 464000 + rng.uniform(0, 1500, 400)
    y = 100000 + rng.uniform(0, 1200, 400)
    result = grid_counts(make_points(x, y), cell_size_m=120, shape="hex")
    feats = result.features
    assert feats["n"].sum() == 400
    assert feats["cell_id"].str.startswith("hex120_").all()
    assert feats.geometry.area.to_numpy() == pytest.approx(120**2 * np.sqrt(3) / 2)
    pts = make_points(x, y)
    joined = pts.sjoin(feats, predicate="within")
    counts = joined.groupby("cell_id").size()
    assert (feats.set_index("cell_id")["n"][counts.index] == counts).all()


def test_count_points_on_existing_grid(rng):
    grid = make_grid((464000.0, 100000.0, 464999.0, 100999.0), 100.0)
    x = rng.uniform(463500, 465500, 300)
    y = rng.uniform(99500, 101500, 300)
    feats = count_points(make_points(x, y), grid)
    inside = (x >= 464000) & (x < 465000) & (y >= 100000) & (y < 101000)
    assert len(feats) == 100
    assert feats["n"].sum() == inside.sum()
    n, w = bin_points(grid, x, y)
    assert w is None and n.sum() == inside.sum()


def test_hotspot_share_is_share_in_top_cells(planted):
    result = grid_counts(planted, cell_size_m=100, top_percent=1)
    n = np.sort(result.features["n"].to_numpy())[::-1]
    k = int(np.ceil(0.01 * n.size))
    top = n >= n[k - 1]
    assert result.summary["hotspot_share"] == pytest.approx(n[top].sum() / n.sum())


def _old_square_ids_and_boxes(grid):
    """The construction before issue 14: one f-string and one box per cell."""
    c = grid.cell_size_m
    size = f"{c:.3f}".rstrip("0").rstrip(".")
    rows, cols = np.nonzero(grid.mask)
    ids, boxes = [], []
    for r, q in zip(rows, cols, strict=True):
        x0, y0 = (grid.i0 + q) * c, (grid.j0 + r) * c
        x = f"{round(float(x0), 3) + 0.0:.3f}".rstrip("0").rstrip(".")
        y = f"{round(float(y0), 3) + 0.0:.3f}".rstrip("0").rstrip(".")
        ids.append(f"sq{size}_{x}_{y}")
        boxes.append(shapely.box(x0, y0, (grid.i0 + q + 1) * c, (grid.j0 + r + 1) * c))
    return ids, boxes


@pytest.mark.parametrize("cell", [100.0, 37.5, 0.125])
def test_vectorised_ids_and_geometries_equal_the_old_ones(cell, square_area):
    area = shapely.Point(463000.0, 100000.0).buffer(40 * cell)
    for target in (area, (-3 * cell, -2 * cell, 17.3 * cell, 11.9 * cell)):
        grid = make_grid(target, cell)
        ids, boxes = _old_square_ids_and_boxes(grid)
        got = grid.cell_ids()
        assert str(got.dtype) == "str"
        assert got.tolist() == ids
        assert (
            shapely.to_wkb(grid.geometries()).tolist()
            == shapely.to_wkb(np.array(boxes)).tolist()
        )


def test_cell_cache_reuses_polygons_and_is_never_changed_by_clipping(square_area):
    area = shapely.Point(463000.0, 100000.0).buffer(1234.5)
    grid = make_grid(area, 100.0)
    whole = cells_frame(grid, {})
    clipped = cells_frame(grid, {}, clip=True)
    again = cells_frame(grid, {})
    assert again.geometry.values[0] is whole.geometry.values[0]  # reused
    assert (
        shapely.to_wkb(again.geometry.values).tolist()
        == shapely.to_wkb(grid.geometries()).tolist()
    )
    assert (shapely.area(clipped.geometry.values) < 100.0**2).any()
    assert (shapely.area(again.geometry.values) == 100.0**2).all()
    assert again["cell_id"].tolist() == grid.cell_ids().tolist()


def test_cell_cache_is_bounded_in_cells(monkeypatch):
    from hotspots.analysis import grid as grid_module

    monkeypatch.setattr(grid_module, "CELL_CACHE_MAX_CELLS", 150)
    grid_module._cell_cache.clear()
    small = make_grid((0.0, 0.0, 999.0, 999.0), 100.0)  # 100 cells
    other = make_grid((0.0, 0.0, 799.0, 799.0), 100.0)  # 64 cells
    cells_frame(small, {})
    cells_frame(other, {})  # 164 > 150 cells: the older grid goes
    assert [v[1].size for v in grid_module._cell_cache.values()] == [64]
    cells_frame(make_grid((0.0, 0.0, 1999.0, 999.0), 100.0), {})  # 200: not kept
    assert [v[1].size for v in grid_module._cell_cache.values()] == [64]


def test_a_study_area_gridded_again_gets_the_same_mask_and_its_own_copy() -> None:
    """Backtests grid one study area a dozen times: its mask is kept by value,
    and a caller writing into its grid's mask changes no later grid."""
    from hotspots.analysis.grid import _area_mask, _square_mask
    from hotspots.analysis.validate import as_area

    area = shapely.Point(ORIGIN[0] + 730, ORIGIN[1] + 410).buffer(905, quad_segs=7)
    first = make_grid(area, 100.0)
    fresh = _square_mask(make_grid(area.bounds, 100.0), as_area(area))
    np.testing.assert_array_equal(first.mask, fresh)
    first.mask[:] = False  # a caller's own array
    again = make_grid(shapely.Polygon(area.exterior.coords), 100.0)  # equal value
    np.testing.assert_array_equal(again.mask, fresh)
    assert _area_mask.cache_info().hits >= 1
    hexes = make_grid(area, 100.0, shape="hex")
    assert make_grid(area, 100.0, shape="hex").mask.sum() == hexes.mask.sum() > 0
    with pytest.raises(EmptyInputError):  # refusals are not kept: raised each time
        as_area(shapely.Polygon())
    with pytest.raises(EmptyInputError):
        as_area(shapely.Polygon())
