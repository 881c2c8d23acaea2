"""The trust figure in every layer, and the default method chosen by backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.result import HotspotResult
from hotspots.evaluation.forecasters import Counts, GiStar
from hotspots.evaluation.run import backtest_store, choose_default, layer_recipes
from hotspots.evaluation.trust import _counts_in
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import SQLiteStore
from tests.conftest import PORTSMOUTH_CSV


def test_repeated_months_give_a_perfect_count_map(repeated_store: SQLiteStore) -> None:
    layer = compute_layer(
        repeated_store,
        LayerRequest(
            method="grid", theme="asb", month_from="2017-03", month_to="2017-05",
            parameters={"cell_size_m": 100.0},
        ),
    )  # fmt: skip
    trust = layer["parameters"]["trust"]
    # One origin: May, built from February to April (the same three months).
    assert trust["origins"] == ["2017-05"]
    assert trust["window_months"] == 3
    # Every month is the same, so the count map is the best possible map.
    assert trust["pei"] == pytest.approx(1.0)
    assert trust["rri"] == pytest.approx(1.0)
    summary = layer["summary"]
    assert trust["coverage"] == pytest.approx(
        summary["hotspot_cells"] / summary["cells"]
    )
    assert "following month's asb incidents" in trust["text"]


def test_longer_maps_train_on_the_months_there_are(repeated_store: SQLiteStore) -> None:
    layer = compute_layer(
        repeated_store,
        LayerRequest(method="grid", theme="asb", month_from="2017-02",
                     month_to="2017-05", parameters={"cell_size_m": 100.0}),
    )  # fmt: skip
    trust = layer["parameters"]["trust"]
    # A 4-month map, 4 months stored: tested on May from February to April.
    assert trust["origins"] == ["2017-05"]
    assert trust["window_months"] == 4 and trust["min_train_months"] == 3
    assert trust["pei"] == pytest.approx(1.0)


def test_too_few_months_say_so(repeated_store: SQLiteStore) -> None:
    from shapely import box

    from hotspots.analysis.grid import grid_counts
    from hotspots.evaluation.trust import layer_trust

    trust = layer_trust(
        grid_counts, "grid", {}, gpd.GeoDataFrame({"month": []}, geometry=[]),
        ["2017-02", "2017-03"], ("2017-02", "2017-03"), box(0, 0, 1, 1), 0.05,
    )  # fmt: skip
    assert trust["note"] == "not enough months to backtest: needs 3 months of data"


@pytest.mark.parametrize("method", ["grid", "kde", "gistar", "dbscan", "hdbscan"])
def test_every_layer_carries_its_trust_figure(
    sample_store: SQLiteStore, method: str
) -> None:
    layer = compute_layer(
        sample_store,
        LayerRequest(method=method, theme="asb", month_from="2017-05",
                     month_to="2017-07"),
    )  # fmt: skip
    trust = layer["parameters"]["trust"]
    assert trust["origins"] == ["2017-05", "2017-06", "2017-07"]
    assert 0 < trust["coverage"] < 0.2
    assert 0 < trust["hit_rate"] < 1
    assert trust["pai"] == pytest.approx(
        trust["hit_rate"] / trust["coverage"], rel=0.02
    )
    assert trust["text"].startswith("This map's top")


def test_gistar_trust_matches_the_evaluation_grid(sample_store: SQLiteStore) -> None:
    """The layer's own backtest and the fast evaluation-grid backtest agree."""
    layer = compute_layer(
        sample_store,
        LayerRequest(method="gistar", theme="violence", month_from="2017-05",
                     month_to="2017-07", parameters={"cell_size_m": 100.0}),
    )  # fmt: skip
    trust = layer["parameters"]["trust"]
    bt = backtest_store(
        sample_store, {"gi": GiStar(window=3)}, theme="violence",
        coverages=[trust["coverage"]],
    )  # fmt: skip
    fast = bt.summary().iloc[0]
    assert trust["hit_rate"] == pytest.approx(fast["hit_rate"], abs=0.03)


def test_default_method_is_the_one_that_backtests_best(
    sample_store: SQLiteStore,
) -> None:
    choice = choose_default(sample_store, theme="asb")
    assert choice is not None
    table = choice.table.set_index("method")
    assert choice.pei == pytest.approx(table["pei"].max())
    gistar = next(r for r in layer_recipes() if r.method == "gistar")
    # The old default (Gi*, 3 months) predicts worse than the chosen map.
    assert table.loc[gistar.label, "pei"] < choice.pei
    assert choice.recipe.method == "grid"
    assert choice.origins == 3


def test_counts_beat_gi_star_on_held_back_months(sample_store: SQLiteStore) -> None:
    bt = backtest_store(
        sample_store,
        {"counts": Counts(window=None), "gistar": GiStar(window=3)},
        theme="violence",
        coverages=[0.05],
    )
    s = bt.summary().set_index("method")
    assert s.loc["counts", "pai"] > 1.3 * s.loc["gistar", "pai"]
    assert bt.parameters["grid_cell_size_m"] == 100.0
    assert bt.parameters["origins"] == ["2017-05", "2017-06", "2017-07"]


def test_a_whole_period_layer_backtests_the_points_it_read(
    sample_store: SQLiteStore,
) -> None:
    # Over every month the layer's points are the history: read once, and the
    # trust figure is the one computed on a history read on its own.
    from hotspots.analysis.gistar import gistar
    from hotspots.areas import resolve_area
    from hotspots.evaluation.trust import layer_coverage, layer_trust, trust_text
    from hotspots.layers import analysis_area, incident_points

    request = LayerRequest(method="gistar", theme="asb")
    layer = compute_layer(sample_store, request)
    study = resolve_area(None)
    history = incident_points(sample_store, request, study)
    area = analysis_area(study.geometry, history)
    result = gistar(history, area=area)
    months = sample_store.months()
    trust = layer_trust(
        gistar, "gistar", {}, history, months, (months[0], months[-1]), area,
        layer_coverage(result, float(area.area)),
    )  # fmt: skip
    trust["text"] = trust_text(trust, "asb")
    assert layer["parameters"]["trust"] == trust
    assert trust["origins"]


def _by_polygons(features: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> np.ndarray:
    """The reference: the first cell polygon the spatial index gives each point."""
    pts, feats = features.sindex.query(
        points.geometry.to_numpy(), predicate="intersects"
    )
    _, first = np.unique(pts, return_index=True)
    return np.bincount(feats[first], minlength=len(features)).astype("float64")


@pytest.mark.parametrize(
    "options",
    [
        {"cell_size_m": 100.0},
        {"cell_size_m": 150.0, "clip": True},
        {"cell_size_m": 50.0, "clip": True},
        {"cell_size_m": 120.0, "shape": "hex"},
        {"cell_size_m": 120.0, "shape": "hex", "clip": True},
    ],
)
def test_grid_places_points_in_the_cells_the_polygons_do(options) -> None:
    rng = np.random.default_rng(14)
    centre = np.array([463217.0, 101433.0])
    xy = centre + rng.normal(0, 900, (3000, 2))
    c = options["cell_size_m"]
    on_lines = np.vstack(
        [
            np.c_[np.round(xy[:300, 0] / c) * c, xy[:300, 1]],  # vertical edges
            np.c_[xy[300:600, 0], np.round(xy[300:600, 1] / c) * c],  # horizontal
            np.round(xy[600:900] / c) * c,  # corners
        ]
    )
    area = shapely.Point(*centre).buffer(1500.0)
    rim = shapely.get_coordinates(area.boundary)  # on trimmed cells' edges
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(*np.vstack([xy, on_lines, rim]).T),
        crs="EPSG:27700",
    )
    method = gistar if options.get("shape") is None else grid_counts
    result = method(points.iloc[:3000], area=area, **options)
    got = _counts_in(result, points)
    assert np.array_equal(got, _by_polygons(result.features, points))
    assert got.sum() > 3000


@pytest.mark.parametrize("options", [{}, {"clip": True}, {"cell_size_m": 50.0}])
def test_grid_places_real_incidents_in_the_cells_the_polygons_do(options) -> None:
    rows = pd.read_csv(PORTSMOUTH_CSV).dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rows["Longitude"], rows["Latitude"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:27700")
    area = shapely.Point(464000.0, 101000.0).buffer(2500.0)
    for method in (gistar, kde, grid_counts):
        result = method(points, area=area, **options)
        got = _counts_in(result, points)
        assert np.array_equal(got, _by_polygons(result.features, points))
        assert got.sum() > 1000


def test_only_the_last_year_of_origins_is_tested() -> None:
    """Five years of months: the trust figure tests the last 12 origins only,
    each trained on the months before it, and says so."""
    from hotspots.evaluation.trust import MAX_ORIGINS, layer_trust

    months = [f"{y}-{m:02d}" for y in range(2013, 2018) for m in range(1, 13)]
    rng = np.random.default_rng(3)
    n = 40 * len(months)
    x = 455_000 + rng.normal(0, 300, n).round(-1)
    y = 100_000 + rng.normal(0, 300, n).round(-1)
    points = gpd.GeoDataFrame(
        {"month": np.repeat(months, 40)},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:27700",
    )
    area = shapely.box(453_000, 98_000, 457_000, 102_000)
    seen: list[tuple[str, str, int]] = []

    def method(train: gpd.GeoDataFrame, **kwargs: object) -> HotspotResult:
        seen.append((train["month"].min(), train["month"].max(), len(train)))
        return grid_counts(train, cell_size_m=500, **kwargs)

    trust = layer_trust(method, "grid", {}, points, months, ("2017-01", "2017-12"),
                        area, 0.1)  # fmt: skip
    assert MAX_ORIGINS == 12
    assert trust["origins"] == months[-12:] and trust["max_origins"] == 12
    assert len(seen) == 12
    for origin, (first, last, size) in zip(months[-12:], seen, strict=True):
        i = months.index(origin)
        assert (first, last, size) == (months[i - 12], months[i - 1], 12 * 40)


def test_a_ward_reuses_its_study_areas_trust_figure(sample_store: SQLiteStore) -> None:
    """A layer of one ward or box has its study area's statistic, so its trust
    figure is the city's, taken from the memo; another theme is computed."""
    from hotspots.layers import _TRUST_MEMO

    city = compute_layer(sample_store, LayerRequest("grid", theme="violence"))
    hits = _TRUST_MEMO.hits
    ward = compute_layer(
        sample_store, LayerRequest("grid", theme="violence", area="E05002446")
    )
    assert _TRUST_MEMO.hits == hits + 1
    assert ward["parameters"]["trust"] == city["parameters"]["trust"]
    assert len(ward["features"]) < len(city["features"])
    other = compute_layer(sample_store, LayerRequest("grid", theme="asb"))
    assert _TRUST_MEMO.hits == hits + 1
    assert "asb incidents" in other["parameters"]["trust"]["text"]
