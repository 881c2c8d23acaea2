"""Top-percent hotspot cells and dissolved, ranked hotspot polygons."""

from __future__ import annotations

import numpy as np
import pytest

import shapely

from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.polygons import hotspot_polygons, top_cells
from hotspots.errors import InvalidParameterError
from tests.analysis.conftest import SPOT, make_points


def test_top_cells_ties_in_zeros_out():
    values = np.array([5.0, 3, 3, 1, 0, 0, 0, 0, 0, 0])
    assert top_cells(values, 10).tolist() == [True] + [False] * 9
    assert top_cells(values, 20).tolist() == [True, True, True] + [False] * 7
    assert top_cells(values, 100).sum() == 4
    with pytest.raises(InvalidParameterError):
        top_cells(values, 0)


def test_adjacent_cells_dissolve_and_rank():
    # Two blocks: 3 cells in a row with 5 incidents each, one far cell with 4.
    x = np.r_[np.repeat([464050.0, 464150.0, 464250.0], 5), np.repeat(465050.0, 4)]
    y = np.r_[np.full(15, 100050.0), np.full(4, 100050.0)]
    x = np.r_[x, 464000.0 + np.arange(0, 2000, 100) + 50]
    y = np.r_[y, np.full(20, 101950.0)]
    result = grid_counts(make_points(x, y), cell_size_m=100)
    polys = hotspot_polygons(result, threshold=4, value_column="n").features
    assert polys["hotspot_rank"].tolist() == [1, 2]
    assert polys["n"].tolist() == [15, 4]
    assert polys["cells"].tolist() == [3, 1]
    assert polys["area_km2"].tolist() == pytest.approx([0.03, 0.01])
    assert polys.geometry.iloc[0].equals(shapely.box(464000, 100000, 464300, 100100))
    assert polys["peak_n"].tolist() == [5, 4]


def test_kde_hotspot_polygons(planted):
    result = kde(planted, cell_size_m=100)
    hot = hotspot_polygons(result)
    assert hot.method == "kde_polygons"
    feats = hot.features
    assert list(feats.columns) == [
        "hotspot_rank",
        "n",
        "cells",
        "area_km2",
        "peak_density_km2",
        "geometry",
    ]
    assert feats.iloc[0].geometry.contains(shapely.Point(SPOT))
    assert feats["n"].is_monotonic_decreasing
    assert hot.summary["hotspot_cells"] == result.summary["hotspot_cells"]
    assert hot.summary["hotspot_share"] == pytest.approx(
        result.summary["hotspot_share"]
    )
    assert hot.parameters["top_percent"] == 5.0
