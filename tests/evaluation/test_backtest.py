"""Forecasters and rolling backtests on planted incidents with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis.grid import make_grid
from hotspots.errors import InvalidParameterError
from hotspots.evaluation import (
    Borrow,
    Counts,
    Decay,
    GiStar,
    History,
    Kde,
    Prospective,
    default_forecasters,
    rolling_backtest,
)

GRID = make_grid((0.0, 0.0, 999.0, 999.0), 100.0)  # 10 x 10 cells of 100 m
MONTHS = ["2017-01", "2017-02", "2017-03", "2017-04", "2017-05"]


def _points() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Cell (row 2, col 3) has 5 a month; cell (7, 7) has 1 a month, 4 in May."""
    xs: list[float] = []
    ys: list[float] = []
    ms: list[str] = []
    for m in MONTHS:
        xs += [350.0] * 5
        ys += [250.0] * 5
        ms += [m] * 5
        k = 4 if m == "2017-05" else 1
        xs += [750.0] * k
        ys += [750.0] * k
        ms += [m] * k
    return np.array(xs), np.array(ys), ms


def test_history_counts_and_decay() -> None:
    x, y, m = _points()
    t = np.array([MONTHS.index(v) for v in m])
    keep = t < 3
    h = History(GRID, x[keep], y[keep], t[keep], 3)
    assert h.counts()[2, 3] == 15
    assert h.counts(window=1)[7, 7] == 1
    # Half-life 1 month: 1 + 0.5 + 0.25 per incident.
    assert Decay(half_life_months=1.0)(h)[2, 3] == pytest.approx(5 * 1.75)
    assert h.slice_counts().shape == (3, 10, 10)


def test_prospective_weights_known_answer() -> None:
    # One incident last month, one two months back (outside the 2-month window).
    h = History(
        GRID, np.array([550.0, 550.0]), np.array([550.0, 550.0]), np.array([2, 0]), 3
    )
    s = Prospective(bandwidth_m=400.0, months=2)(h)
    assert s[5, 5] == pytest.approx(1.0)
    assert s[5, 6] == pytest.approx(0.5)  # d = 1 cell
    assert s[7, 8] == pytest.approx(1 / 4)  # L-inf d = 3 cells (300 m < 400 m)
    assert s[5, 9] == 0.0  # d = 4 cells: 400 m is not < 400 m
    older = History(GRID, np.array([550.0]), np.array([550.0]), np.array([1]), 3)
    assert Prospective()(older)[5, 5] == pytest.approx(0.5)  # age 1: 1 / (1 + 1)


def test_kde_score_is_expected_incidents_per_cell() -> None:
    h = History(GRID, np.array([550.0]), np.array([550.0]), np.array([0]), 1)
    s = Kde(bandwidth_m=300.0)(h)
    # The quartic kernel integrates to 1: cell sums to ~1 incident.
    assert s.sum() == pytest.approx(1.0, rel=0.02)
    assert s.argmax() == 5 * 10 + 5


def test_rolling_backtest_known_answers() -> None:
    x, y, m = _points()
    bt = rolling_backtest(
        x, y, m, GRID, {"counts": Counts(window=3)}, coverages=[0.01, 0.02]
    )
    assert list(bt.folds["origin"].unique()) == ["2017-04", "2017-05"]
    april = bt.folds[(bt.folds["origin"] == "2017-04") & (bt.folds["coverage"] == 0.01)]
    row = april.iloc[0]
    # The top 1 % (1 cell) is the 5-a-month cell: 5 of April's 6 incidents.
    assert row["hit_rate"] == pytest.approx(5 / 6)
    assert row["pai"] == pytest.approx((5 / 6) / 0.01)
    assert row["pei"] == pytest.approx(1.0)
    may = bt.folds[(bt.folds["origin"] == "2017-05") & (bt.folds["coverage"] == 0.02)]
    assert may.iloc[0]["hit_rate"] == pytest.approx(1.0)
    summary = bt.summary(0.01)
    assert summary.iloc[0]["hit_rate"] == pytest.approx((5 / 6 + 5 / 9) / 2)
    assert bt.parameters["origins"] == ["2017-04", "2017-05"]
    assert bt.parameters["methods"]["counts"] == {"recipe": "counts", "window": 3}


def test_every_default_forecaster_runs_and_finds_the_planted_cell() -> None:
    x, y, m = _points()
    bt = rolling_backtest(x, y, m, GRID, default_forecasters(), coverages=[0.01])
    assert set(bt.folds["method"]) == set(default_forecasters())
    april = bt.folds[bt.folds["origin"] == "2017-04"].set_index("method")
    sharp = [k for k in default_forecasters() if "counts" in k]
    # Maps that keep points sharp put the planted cell first.
    assert np.allclose(april.loc[sharp, "hit_rate"], 5 / 6)
    assert len(april) == len(default_forecasters())


def test_gistar_forecaster_z_matches_layer_statistic() -> None:
    x, y, m = _points()
    t = np.array([MONTHS.index(v) for v in m])
    h = History(GRID, x, y, t, 5)
    z = GiStar(window=None)(h)
    # Every cell whose queen ring holds the planted cell ties at the top.
    top = np.isclose(z, z.max())
    assert top.sum() == 9
    assert top[1:4, 2:5].all()


def test_too_few_months_refused() -> None:
    x, y, m = _points()
    with pytest.raises(InvalidParameterError, match="at least 4"):
        rolling_backtest(x[:5], y[:5], m[:5], GRID, {"c": Counts()})


def test_borrow_adds_weighted_all_theme_counts() -> None:
    everything = History(
        GRID, np.array([350.0, 350.0, 950.0]), np.array([250.0, 250.0, 950.0]),
        np.array([0, 1, 1]), 2,
    )  # fmt: skip
    own = History(
        GRID, np.array([350.0]), np.array([250.0]), np.array([1]), 2, everything
    )
    s = Borrow(weight=0.5)(own)
    assert s[2, 3] == pytest.approx(1 + 0.5 * 2)
    assert s[9, 9] == pytest.approx(0.5)
    # Without a context it borrows from itself: (1 + w) x own counts.
    alone = History(GRID, np.array([350.0]), np.array([250.0]), np.array([1]), 2)
    assert Borrow(weight=0.5)(alone)[2, 3] == pytest.approx(1.5)


def test_backtest_passes_context_months_before_the_origin() -> None:
    x, y, m = _points()
    # Context: the theme plus a far cell with 9 other incidents every month.
    cx = np.concatenate([x, np.full(5 * 9, 50.0)])
    cy = np.concatenate([y, np.full(5 * 9, 50.0)])
    cm = list(m) + [mm for mm in MONTHS for _ in range(9)]

    def april_hit_rate(weight: float) -> float:
        bt = rolling_backtest(
            x, y, m, GRID, {"b": Borrow(weight=weight)}, coverages=[0.01],
            context=(cx, cy, cm),
        )  # fmt: skip
        return float(bt.folds[bt.folds["origin"] == "2017-04"].iloc[0]["hit_rate"])

    # Weight 1: planted cell 15 + 15 = 30 beats the far cell's 27.
    assert april_hit_rate(1.0) == pytest.approx(5 / 6)
    # Weight 2: planted 15 + 30 = 45 loses to 54; the far cell has no April
    # incidents of the theme.
    assert april_hit_rate(2.0) == 0.0
