"""Backtests: how well a map built from the past catches the incidents to come.

Hit rate, PAI, PEI and RRI (:mod:`.metrics`), the map recipes scored
(:mod:`.forecasters`), rolling-origin backtests (:mod:`.backtest`), and the
figures built on them: each layer's trust figure and the default-method choice
(:mod:`.trust`).
"""

from importlib import import_module
from typing import Any

#: Where each name lives: imported on first use, so that a layer's trust figure
#: (:mod:`.trust`) does not load the backtest forecasters and their scipy.
_HOMES = {
    "backtest": ("Backtest", "origins", "rolling_backtest", "summarise"),
    "forecasters": (
        "Blend", "Borrow", "Counts", "Decay", "Forecaster", "GiStar", "History",
        "Kde", "Prospective", "default_forecasters",
    ),
    "metrics": (
        "COVERAGES", "best_hits", "hit_rate", "pai", "rank_cells", "score_map",
        "top_k",
    ),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module when first asked for."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


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
