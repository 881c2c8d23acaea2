"""Backtests: how well a map built from the past catches the incidents to come.

Hit rate, PAI, PEI and RRI (:mod:`.metrics`), the map recipes scored
(:mod:`.forecasters`), rolling-origin backtests (:mod:`.backtest`), and the
figures built on them: each layer's trust figure and the default-method choice
(:mod:`.trust`).
"""

from hotspots.evaluation.backtest import Backtest, origins, rolling_backtest, summarise
from hotspots.evaluation.forecasters import (
    Blend,
    Borrow,
    Counts,
    Decay,
    Forecaster,
    GiStar,
    History,
    Kde,
    Prospective,
    default_forecasters,
)
from hotspots.evaluation.metrics import (
    COVERAGES,
    best_hits,
    hit_rate,
    pai,
    rank_cells,
    score_map,
    top_k,
)

__all__ = [
    "COVERAGES",
    "Backtest",
    "Blend",
    "Borrow",
    "Counts",
    "Decay",
    "Forecaster",
    "GiStar",
    "History",
    "Kde",
    "Prospective",
    "best_hits",
    "default_forecasters",
    "hit_rate",
    "origins",
    "pai",
    "rank_cells",
    "rolling_backtest",
    "score_map",
    "summarise",
    "top_k",
]
