"""Hit rate, PAI, PEI and RRI on hand-made grids with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotspots.errors import InvalidParameterError
from hotspots.evaluation import hit_rate, pai, rank_cells, score_map, top_k

# 20 cells; the map ranks cells 0..3 highest; the test month has 10 incidents.
SCORE = np.array([9, 8, 7, 6] + [0] * 16, dtype=float)
ACTUAL = np.array([3, 0, 1, 0, 4, 2] + [0] * 14, dtype=float)
TRAIN = np.array([5, 5, 0, 0, 10, 0] + [0] * 14, dtype=float)


def test_top_k_floors_and_keeps_one() -> None:
    assert top_k(20, 0.05) == 1
    assert top_k(20, 0.2) == 4
    assert top_k(4360, 0.05) == 218
    assert top_k(10, 0.01) == 1
    with pytest.raises(InvalidParameterError, match="coverage"):
        top_k(10, 0.0)


def test_hit_rate_and_pai_known_answers() -> None:
    # 10 % of 20 cells = cells 0 and 1: 3 of 10 incidents.
    assert hit_rate(SCORE, ACTUAL, 0.10) == pytest.approx(0.3)
    assert pai(SCORE, ACTUAL, 0.10) == pytest.approx(0.3 / 0.10)
    # 20 %: cells 0-3 hold 3 + 0 + 1 + 0 = 4.
    assert hit_rate(SCORE, ACTUAL, 0.20) == pytest.approx(0.4)
    assert pai(SCORE, ACTUAL, 0.20) == pytest.approx(2.0)


def test_pei_against_best_possible_map() -> None:
    out = score_map(SCORE, ACTUAL, [0.10, 0.20], train=TRAIN)
    # Best 2 cells hold 4 + 3 = 7; the map holds 3.
    assert out[0.10]["best_hits"] == 7
    assert out[0.10]["pei"] == pytest.approx(3 / 7)
    # Best 4 cells: 4 + 3 + 2 + 1 = 10; map 4.
    assert out[0.20]["pei"] == pytest.approx(0.4)
    # PEI = PAI / PAI*.
    pai_star = (7 / 10) / 0.10
    assert out[0.10]["pei"] == pytest.approx(out[0.10]["pai"] / pai_star)


def test_rri_known_answer() -> None:
    # 10 %: cells 0, 1 hold 3 test and 10 training; totals 10 and 20.
    out = score_map(SCORE, ACTUAL, [0.10], train=TRAIN)
    assert out[0.10]["rri"] == pytest.approx((3 / 10) / (10 / 20))


def test_ties_broken_by_cell_order() -> None:
    flat = np.zeros(20)
    assert list(rank_cells(flat)[:3]) == [0, 1, 2]
    # All equal scores: the top 10 % are cells 0 and 1 (3 incidents).
    assert hit_rate(flat, ACTUAL, 0.10) == pytest.approx(0.3)
    nan_first = np.array([np.nan, 1.0, 1.0])
    assert list(rank_cells(nan_first)) == [1, 2, 0]


def test_no_test_incidents_is_nan() -> None:
    out = score_map(SCORE, np.zeros(20), [0.05])
    assert math.isnan(out[0.05]["hit_rate"])
    assert math.isnan(out[0.05]["pei"])


def test_perfect_map_has_pei_one() -> None:
    out = score_map(ACTUAL, ACTUAL, [0.05, 0.10, 0.20])
    assert all(v["pei"] == pytest.approx(1.0) for v in out.values())
