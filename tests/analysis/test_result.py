"""Grid results build their cell ids and polygons only when asked, once."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import GridCells, cells_frame, grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.result import HotspotResult


@pytest.fixture
def area() -> shapely.Geometry:
    """A round study area cutting through cells."""
    return shapely.Point(463000.0, 100000.0).buffer(1234.5)


def _counting_frames(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    frame = GridCells.frame

    def counted(self: GridCells) -> gpd.GeoDataFrame:
        built.append(1)
        return frame(self)

    monkeypatch.setattr(GridCells, "frame", counted)
    return built


@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("method", ["grid", "kde", "gistar"])
def test_features_are_built_on_first_access_as_the_eager_frame(
    method, clip, planted, area, monkeypatch
):
    built = _counting_frames(monkeypatch)
    run = {"grid": grid_counts, "kde": kde, "gistar": gistar}[method]
    result = run(planted, cell_size_m=100.0, area=area, clip=clip)
    assert built == []
    cells = result.cells
    assert result.grid is cells.grid
    eager = cells_frame(cells.grid, _unmasked(cells), clip=clip)
    built.clear()
    first = result.features
    assert result.features is first and built == [1]  # built once, then kept
    pd.testing.assert_frame_equal(
        pd.DataFrame(first.drop(columns="geometry")),
        pd.DataFrame(eager.drop(columns="geometry")),
    )
    assert list(first.columns) == list(eager.columns)
    assert first.crs == eager.crs
    assert (
        shapely.to_wkb(first.geometry.values).tolist()
        == shapely.to_wkb(eager.geometry.values).tolist()
    )
    pd.testing.assert_frame_equal(
        cells.table(), pd.DataFrame(first.drop(columns="geometry"))
    )


def _unmasked(cells: GridCells) -> dict[str, np.ndarray]:
    out = {}
    for name, values in cells.columns.items():
        full = np.zeros(cells.grid.mask.shape, dtype=values.dtype)
        full[cells.grid.mask] = values
        out[name] = full
    return out


def test_threads_share_one_frame(planted, monkeypatch):
    built = _counting_frames(monkeypatch)
    result = gistar(planted, cell_size_m=100.0)
    start = threading.Barrier(8)
    seen: list[gpd.GeoDataFrame] = []

    def read() -> None:
        start.wait()
        seen.append(result.features)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1
    assert all(frame is seen[0] for frame in seen)


def test_replaced_features_drop_the_cells_and_the_result_stays_frozen(planted):
    result = grid_counts(planted, cell_size_m=100.0)
    some = result.features.iloc[:3]
    replaced = dataclasses.replace(result, features=some)
    assert replaced.features is some
    assert replaced.cells is None and replaced.grid is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.features = some  # type: ignore[misc]
    summary = dataclasses.replace(result, summary={"x": 1.0})
    assert summary.features is result.features


def test_cluster_results_keep_their_frame_and_have_no_cells():
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(0, 0, 1, 1)])
    result = HotspotResult("dbscan", frame, {"eps_m": 1.0})
    assert result.features is frame
    assert result.cells is None and result.grid is None
    with pytest.raises(TypeError):
        HotspotResult("dbscan")  # type: ignore[call-arg]


def test_cell_table_builds_no_polygons(planted, monkeypatch):
    from hotspots.analysis import grid as grid_module

    grid_module._cell_cache.clear()
    result = gistar(planted, cell_size_m=100.0)

    def refuse(self: object) -> None:
        raise AssertionError("polygons built")

    monkeypatch.setattr(grid_module.Grid, "geometries", refuse)
    table = result.cells.table()
    assert list(table.columns) == ["cell_id", *result.cells.columns]
    assert len(table) == len(result.cells)


def test_results_pickle_and_copy(planted):
    """A result survives pickling (other processes) and deepcopy, as the same
    frame, parameters, summary and auto set."""
    import copy
    import pickle

    from hotspots.analysis.clusters import dbscan
    from hotspots.analysis.gistar import gistar

    for result in (gistar(planted, cell_size_m=100), dbscan(planted)):
        for other in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
            assert other.method == result.method
            assert other.features.equals(result.features)
            assert other.features.crs == result.features.crs
            assert dict(other.parameters) == dict(result.parameters)
            assert dict(other.summary) == dict(result.summary)
            assert other.auto == result.auto
