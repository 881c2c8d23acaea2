"""Emerging hot spot classes on planted time series; space-time Gi* by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hotspots.analysis.gistar import gistar_z, neighbour_offsets
from hotspots.temporal import (
    CLASSES,
    classify_emerging,
    emerging_hotspots,
    sfhotspot_classify,
    spacetime_gistar,
)

T = 10


def _series(
    hot_at: list[int], cold_at: list[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    hot = np.zeros(T, dtype=bool)
    cold = np.zeros(T, dtype=bool)
    hot[list(hot_at)] = True
    cold[list(cold_at)] = True
    return hot, cold


# (name, hot slices, cold slices, trend: +1 up, -1 down, 0 none)
PLANTED = [
    ("new hot spot", [9], [], 0),
    ("consecutive hot spot", [7, 8, 9], [], 1),
    ("intensifying hot spot", list(range(10)), [], 1),
    ("intensifying hot spot", list(range(1, 10)), [], 1),  # 90 % incl. final
    ("persistent hot spot", list(range(10)), [], 0),
    ("diminishing hot spot", list(range(10)), [], -1),
    ("sporadic hot spot", [2, 5, 9], [], 0),
    ("sporadic hot spot", [0, 1, 3, 4, 5, 6, 8, 9], [], 1),  # 80 %: not intensifying
    ("oscillating hot spot", [2, 9], [5], 0),
    ("historical hot spot", list(range(9)), [], -1),
    ("no pattern", [], [], 0),
    ("no pattern", [3, 4], [], 0),  # hot once, not now, under 90 %
]


def _mirror(name: str) -> str:
    return name.replace("hot spot", "cold spot")


@pytest.mark.parametrize(("name", "hot_at", "cold_at", "trend"), PLANTED)
def test_every_class_on_planted_series(
    name: str, hot_at: list[int], cold_at: list[int], trend: int
) -> None:
    hot, cold = _series(hot_at, cold_at)
    tz = np.array([3.0 * trend])
    tp = np.array([0.001 if trend else 0.6])
    code = classify_emerging(hot[:, None], cold[:, None], tz, tp)
    assert CLASSES[code[0]] == name
    # The cold mirror: swap hot and cold, reverse the trend.
    mirror = classify_emerging(cold[:, None], hot[:, None], -tz, tp)
    assert CLASSES[mirror[0]] == _mirror(name)


def test_all_seventeen_classes_exist() -> None:
    assert len(CLASSES) == 17
    assert CLASSES[0] == "no pattern"


def test_spacetime_gistar_equals_gistar_on_explicit_neighbours() -> None:
    rng = np.random.default_rng(3)
    cube = rng.poisson(2.0, size=(4, 5, 6)).astype(float)
    mask = np.ones((5, 6), dtype=bool)
    mask[0, 0] = mask[4, 5] = False
    offsets = neighbour_offsets(100.0, 100.0 * np.sqrt(2))
    z = spacetime_gistar(cube, mask, offsets, time_lag=1)
    cells = [(r, c) for r in range(5) for c in range(6) if mask[r, c]]
    index = {(t, r, c): i for i, (t, (r, c)) in enumerate(
        (t, rc) for t in range(4) for rc in cells)}  # fmt: skip
    y = np.array([cube[t, r, c] for (t, r, c) in index])
    nbrs = []
    for t, r, c in index:
        nbrs.append(
            [index[(tt, rr, cc)] for tt in (t - 1, t)
             for rr in range(r - 1, r + 2) for cc in range(c - 1, c + 2)
             if (tt, rr, cc) in index]
        )  # fmt: skip
    ref = gistar_z(y, nbrs).reshape(4, len(cells))
    np.testing.assert_allclose(z, ref, rtol=1e-10)


def _planted_cube() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    cube = rng.poisson(1.0, size=(T, 30, 30)).astype(float)
    cube[9, 5, 5] += 40  # new
    cube[:, 20, 20] += np.linspace(15, 45, T)  # rising every slice
    cube[:, 10, 25] += 25  # steady
    return cube, np.ones((30, 30), dtype=bool)


def test_emerging_hotspots_finds_planted_cells() -> None:
    cube, mask = _planted_cube()
    res = emerging_hotspots(cube, mask, 100.0)
    label = res.labels.reshape(30, 30)
    assert label[5, 5] == "new hot spot"
    assert label[20, 20] == "intensifying hot spot"
    assert label[10, 25] == "persistent hot spot"
    assert label[0, 15] == "no pattern"
    # The trend exposed can be checked by hand against scipy.
    i = 20 * 30 + 20
    ref = stats.kendalltau(np.arange(T), res.z[:, i])
    assert res.trend_tau[i] == pytest.approx(ref.statistic)
    assert res.z.shape == (T, 900)
    assert res.parameters["time_lag"] == 1


def test_sfhotspot_classes_on_planted_cube() -> None:
    cube, mask = _planted_cube()
    cube[:6, 2, 27] += 30  # hot early (60 %), gone in the last 4 periods
    cube[2, 27, 3] += 30
    cube[9, 27, 3] += 30  # once long ago, once now
    label, z, params = sfhotspot_classify(cube, mask, 100.0)
    grid = label.reshape(30, 30)
    assert grid[10, 25] == "persistent hotspot"
    assert grid[5, 5] == "emerging hotspot"
    assert grid[2, 27] == "former hotspot"
    assert grid[27, 3] == "intermittent hotspot"
    assert grid[0, 15] == "no pattern"
    assert params["recent_periods"] == 2
    assert z.shape == (T, 900)


def test_fast_fdr_cutoff_equals_bh_threshold() -> None:
    from hotspots.analysis.significance import bh_threshold
    from hotspots.temporal.emerging import _bh_cutoff

    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=5000), rng.uniform(0, 1e-4, size=200)])
    p[::97] = np.nan
    for alpha in (0.01, 0.05, 0.1):
        assert _bh_cutoff(p, alpha) == bh_threshold(p, alpha)
    assert _bh_cutoff(np.array([0.5, 0.9]), 0.05) == -1.0
