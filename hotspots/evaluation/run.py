"""Backtests on the store's data, and the map's default method chosen by them.

Reads one theme's incidents in a study area (by their ingest codes, the area
rule), lays the common evaluation grid (``EVAL_CELL_SIZE_M`` squares over the
study area) and runs :func:`~.backtest.rolling_backtest`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import geopandas as gpd

from hotspots.analysis.grid import Grid, make_grid
from hotspots.areas import Area, area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.crs import BNG
from hotspots.disclosure import SENSITIVE_FLAGS
from hotspots.errors import HotspotError
from hotspots.evaluation.backtest import Backtest, Progress, rolling_backtest
from hotspots.evaluation.forecasters import Counts, Forecaster, GiStar, Kde
from hotspots.evaluation.metrics import COVERAGES
from hotspots.evaluation.trust import MAX_ORIGINS
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.themes import parse_theme

__all__ = [
    "CHOICE_COVERAGE",
    "EVAL_CELL_SIZE_M",
    "DefaultChoice",
    "LayerRecipe",
    "backtest_store",
    "choose_default",
    "evaluation_grid",
    "layer_recipes",
    "theme_incidents",
]

#: Cell side (m) of the common evaluation grid: PAI depends on the cell size,
#: so every method is scored on the same cells.
EVAL_CELL_SIZE_M = 100.0
#: The coverage at which the default method is chosen (share of cells).
CHOICE_COVERAGE = 0.05


def theme_incidents(
    store: IncidentStore,
    area: Area,
    theme: str | None,
    excluded_flags: Sequence[str] = (),
    *,
    dates: bool = False,
) -> pd.DataFrame:
    """``x``, ``y`` (BNG metres), ``month``, ``ward_code`` and ``sensitive`` (a
    sensitive flag) of a theme's incidents in an area (``dates``: also
    ``occurred_at``, ``precision``)."""
    themes = [parse_theme(theme).value] if theme and theme != "all" else []
    extra = ("occurred_at", "occurred_precision") if dates else ()
    flags = tuple(dict.fromkeys((*excluded_flags, *SENSITIVE_FLAGS)))
    query = IncidentQuery(
        themes=themes,
        columns=("easting", "northing", "month", "ward_code", "lsoa_code",
                 *extra, *flags),
    )  # fmt: skip
    frame = area_incidents(store, area, query)
    for flag in excluded_flags:
        frame = frame[~frame[flag].astype(bool)]
    return pd.DataFrame(
        {
            "x": frame["easting"],
            "y": frame["northing"],
            "month": frame["month"],
            "ward_code": frame["ward_code"],
            "sensitive": frame[list(SENSITIVE_FLAGS)].astype(bool).any(axis=1),
        }
        | (
            {
                "occurred_at": frame["occurred_at"],
                "precision": frame["occurred_precision"],
            }
            if dates
            else {}
        )
    )


def evaluation_grid(
    area: Area, points: pd.DataFrame, cell_size_m: float = EVAL_CELL_SIZE_M
) -> Grid:
    """The common grid over the area (plus the cells of its seafront incidents)."""
    from hotspots.layers import analysis_area

    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(points["x"], points["y"]), crs=BNG
    )
    return make_grid(analysis_area(area.geometry, pts), cell_size_m)


def backtest_store(
    store: IncidentStore,
    forecasters: Mapping[str, Forecaster],
    *,
    theme: str | None = None,
    study_area: str | None = None,
    pack: AreaPack | None = None,
    excluded_flags: Sequence[str] = (),
    min_train: int = 3,
    test_months: int = 1,
    coverages: Sequence[float] = COVERAGES,
    cell_size_m: float = EVAL_CELL_SIZE_M,
    progress: Progress | None = None,
    last_origins: int | None = None,
) -> Backtest:
    """Rolling backtest of ``forecasters`` on a theme's incidents in the store
    (at its last ``last_origins`` origins, when given)."""
    area = resolve_area(study_area, pack)
    points = theme_incidents(store, area, theme, excluded_flags)
    grid = evaluation_grid(area, points, cell_size_m)
    everything = points
    if theme and theme != "all":
        everything = theme_incidents(store, area, None, excluded_flags)
    bt = rolling_backtest(
        points["x"].to_numpy(),
        points["y"].to_numpy(),
        points["month"].to_numpy(),
        grid,
        forecasters,
        months=store.months(),
        min_train=min_train,
        test_months=test_months,
        coverages=coverages,
        progress=progress,
        context=(everything["x"], everything["y"], everything["month"].to_numpy()),
        last_origins=last_origins,
    )
    extra = {
        "theme": theme or "all",
        "study_area_code": area.code,
        "study_area_name": area.name,
        "incidents": len(points),
        "data_version": store.data_version(),
        "excluded_flags": list(excluded_flags),
    }
    return Backtest(bt.folds, bt.parameters | extra)


@dataclass(frozen=True)
class LayerRecipe:
    """A map layer the service can draw: method, parameters and months shown."""

    method: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    window_months: int = 3

    @property
    def label(self) -> str:
        """Short name, e.g. ``grid 100 m, 6 months``."""
        extra = ", ".join(f"{k.removesuffix('_m')} {v:g} m" for k, v in
                          self.parameters.items() if k != "cell_size_m")  # fmt: skip
        text = f"{self.method}{', ' + extra if extra else ''}"
        return f"{text}, {self.window_months} months"

    def forecaster(self) -> Forecaster:
        """The same map as a backtest recipe on the evaluation grid."""
        if self.method == "grid":
            return Counts(window=self.window_months)
        if self.method == "kde":
            bw = float(self.parameters.get("bandwidth_m", 200.0))
            return Kde(bandwidth_m=bw, window=self.window_months)
        return GiStar(window=self.window_months)


def layer_recipes() -> list[LayerRecipe]:
    """Candidates for the map's default (all drawable as layers)."""
    cell = {"cell_size_m": EVAL_CELL_SIZE_M}
    return [
        LayerRecipe("gistar", cell, 3),
        LayerRecipe("grid", cell, 1),
        LayerRecipe("grid", cell, 3),
        LayerRecipe("grid", cell, 6),
        LayerRecipe("grid", cell, 12),
        LayerRecipe("kde", cell | {"bandwidth_m": 100.0}, 3),
        LayerRecipe("kde", cell | {"bandwidth_m": 200.0}, 6),
    ]


@dataclass(frozen=True)
class DefaultChoice:
    """The recipe that backtests best, with its scores and the full table."""

    recipe: LayerRecipe
    pei: float
    hit_rate: float
    pai: float
    origins: int
    table: pd.DataFrame
    parameters: dict[str, Any]


def choose_default(
    store: IncidentStore,
    *,
    theme: str | None = None,
    study_area: str | None = None,
    pack: AreaPack | None = None,
    excluded_flags: Sequence[str] = (),
    recipes: Sequence[LayerRecipe] | None = None,
) -> DefaultChoice | None:
    """The layer recipe with the best mean PEI at 5 % coverage over the last
    :data:`MAX_ORIGINS` origins, as each layer's trust figure (None: too few
    months or incidents to backtest). Ties keep the earlier recipe."""
    recipes = list(recipes or layer_recipes())
    labels = {r.label: r for r in recipes}
    months = store.months()
    min_train = min(3, len(months) - 1)
    if min_train < 1:
        return None
    try:
        bt = backtest_store(
            store,
            {k: r.forecaster() for k, r in labels.items()},
            theme=theme,
            study_area=study_area,
            pack=pack,
            excluded_flags=excluded_flags,
            min_train=min_train,
            coverages=[CHOICE_COVERAGE],
            last_origins=MAX_ORIGINS,
        )
    except HotspotError:  # too few months or incidents: keep the default
        return None
    table = bt.summary(CHOICE_COVERAGE)
    if table["pei"].isna().all():
        return None
    best = table.sort_values("pei", ascending=False, kind="stable").iloc[0]
    return DefaultChoice(
        labels[str(best["method"])],
        float(best["pei"]),
        float(best["hit_rate"]),
        float(best["pai"]),
        int(best["origins"]),
        table,
        bt.parameters,
    )
