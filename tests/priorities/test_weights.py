"""Harm weighting on a tiny hand-made example: one robbery outweighs ten ASB."""

from __future__ import annotations

import pandas as pd

import geopandas as gpd

from hotspots.analysis.grid import grid_counts
from hotspots.priorities.weights import HarmWeights

WEIGHTS = HarmWeights.from_dict(
    {
        "name": "t",
        "label": "test weights",
        "source": "a test",
        "default": 1.0,
        "weights": {"Robbery": 30, "Anti-social behaviour": 0.5},
    },
    "test",
)


def _incidents() -> gpd.GeoDataFrame:
    # Cell A (0-100 m): ten ASB reports; cell B (500-600 m): one robbery.
    rows = [("Anti-social behaviour", 50.0, 50.0)] * 10 + [("robbery", 550.0, 50.0)]
    frame = pd.DataFrame(rows, columns=["category", "x", "y"])
    frame["harm_weight"] = WEIGHTS.of(frame["category"])
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame.x, frame.y), crs=27700
    )


def test_weights_by_category_ignoring_case_and_hyphens() -> None:
    series = pd.Series(["ROBBERY", "anti-social-behaviour", "Burglary", None])
    assert WEIGHTS.of(series).tolist() == [30.0, 0.5, 1.0, 1.0]


def test_weighting_changes_the_ranking_as_expected() -> None:
    points = _incidents()
    counted = grid_counts(points, cell_size_m=100.0)
    weighted = grid_counts(points, cell_size_m=100.0, weight="harm_weight")
    by_count = counted.features.sort_values("n", ascending=False).iloc[0]
    by_harm = weighted.features.sort_values("w", ascending=False).iloc[0]
    assert by_count.geometry.contains(points.geometry.iloc[0])  # the ASB cell
    assert by_harm.geometry.contains(points.geometry.iloc[-1])  # the robbery cell
    assert sorted(weighted.features["w"])[-2:] == [5.0, 30.0]


def test_a_layer_says_how_it_is_weighted(sample_store) -> None:
    from hotspots.layers import LayerRequest, compute_layer

    plain = compute_layer(
        sample_store,
        LayerRequest("grid", priority="young_people", month_from="2017-07"),
    )
    heavy = compute_layer(
        sample_store,
        LayerRequest(
            "grid", priority="young_people", month_from="2017-07", harm_weights=WEIGHTS
        ),
    )
    assert plain["parameters"]["weighting"]["weighted"] is False
    assert heavy["parameters"]["weighting"]["label"] == "test weights"
    assert "w" in heavy["features"][0]["properties"]
