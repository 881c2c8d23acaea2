"""Change and emerging layers on the real sample months, checked against the store."""

from __future__ import annotations

import pytest
from scipy import stats

from hotspots.areas import resolve_area
from hotspots.change_layers import (
    change_layer,
    default_periods,
    emerging_layer,
    ward_trends,
)
from hotspots.errors import InvalidParameterError
from hotspots.store import IncidentQuery, SQLiteStore
from hotspots.temporal import CLASSES

MONTHS = ["2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07"]


def _count(store: SQLiteStore, theme: str, lo: str, hi: str, ward: str = "") -> int:
    city = resolve_area(None)
    q = IncidentQuery(
        themes=[theme], month_from=lo, month_to=hi,
        ward_codes=[ward] if ward else list(city.ward_codes),
    )  # fmt: skip
    return len(store.incidents(q))


def test_default_periods_this_quarter_against_the_last() -> None:
    assert default_periods(MONTHS) == (("2017-02", "2017-04"), ("2017-05", "2017-07"))
    assert default_periods(MONTHS[:4]) == (
        ("2017-02", "2017-03"),
        ("2017-04", "2017-05"),
    )
    with pytest.raises(InvalidParameterError, match="two months"):
        default_periods(MONTHS[:1])


def test_change_layer_counts_and_ward_test(sample_store: SQLiteStore) -> None:
    layer = change_layer(sample_store, theme="asb")
    p = layer["parameters"]
    assert (p["before_from"], p["after_to"]) == ("2017-02", "2017-07")
    cells = [f["properties"] for f in layer["features"]]
    assert sum(c["n_before"] for c in cells) == _count(
        sample_store, "asb", "2017-02", "2017-04"
    )
    assert sum(c["n_after"] for c in cells) == _count(
        sample_store, "asb", "2017-05", "2017-07"
    )
    assert all(c["change"] == c["n_after"] - c["n_before"] for c in cells)
    wards = {w["name"]: w for w in layer["areas"]}
    cs = wards["Central Southsea"]
    code = cs["id"]
    assert cs["n_before"] == _count(sample_store, "asb", "2017-02", "2017-04", code)
    assert cs["p"] == pytest.approx(
        stats.binomtest(cs["n_after"], cs["n_before"] + cs["n_after"], 0.5).pvalue
    )
    assert cs["direction"] == "down" and cs["significant"]


def test_emerging_layer_classes_and_per_slice_z(sample_store: SQLiteStore) -> None:
    layer = emerging_layer(sample_store, theme="asb")
    props = [f["properties"] for f in layer["features"]]
    assert props and all(p["pattern"] in CLASSES for p in props)
    assert all(len(p["z_by_slice"]) == 6 for p in props)
    assert layer["parameters"]["slices"] == MONTHS
    assert layer["parameters"]["time_lag"] == 1
    new = [p for p in props if p["pattern"] == "new hot spot"]
    # "new": hot only in the last slice, so exactly one hot slice.
    assert all(p["hot_slices"] == 1 for p in new)
    assert sum(layer["summary"].values()) == len(props)
    # The trend can be checked by hand from the per-slice z (Mann-Kendall S).
    p = props[0]
    zs = p["z_by_slice"]
    s = sum(
        (zs[j] > zs[i]) - (zs[j] < zs[i]) for i in range(6) for j in range(i + 1, 6)
    )
    assert p["trend_s"] == s
    sf = emerging_layer(sample_store, theme="asb", scheme="sfhotspot")
    assert {f["properties"]["pattern"] for f in sf["features"]} <= {
        f"{c} hotspot" for c in ("persistent", "emerging", "former", "intermittent")
    } | {f"{c} coldspot" for c in ("persistent", "emerging", "former", "intermittent")}


def test_ward_trends_match_store(sample_store: SQLiteStore) -> None:
    trends = {w["name"]: w for w in ward_trends(sample_store, theme="violence")}
    row = trends["Charles Dickens"]
    assert row["months"] == MONTHS
    assert row["counts"][0] == _count(
        sample_store, "violence", "2017-02", "2017-02", row["code"]
    )
    assert sum(w["counts"][-1] for w in trends.values()) == _count(
        sample_store, "violence", "2017-07", "2017-07"
    )
    ref = stats.kendalltau(range(6), row["counts"])
    assert row["trend_tau"] == pytest.approx(ref.statistic)
