"""Backtests over the API: every method's hit rate, PAI, PEI, RRI, and the
map's default method chosen by them."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import PackDep, PolicyDep, StoreDep
from api.memo import memo_of
from hotspots.evaluation import default_forecasters
from hotspots.evaluation.report import hit_rate_chart
from hotspots.evaluation.run import backtest_store, choose_default
from hotspots.schema import Theme

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

ThemeQ = Annotated[Theme | None, Query(description="Theme (default: all)")]


class EvalFormat(StrEnum):
    """Answer as JSON, every fold as CSV, or the hit-rate chart as SVG."""

    json = "json"
    csv = "csv"
    svg = "svg"


def _clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in r.items()
        }
        for r in records
    ]


@router.get("", response_model=None)
async def get_evaluation(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    theme: ThemeQ = None,
    study_area: Annotated[str | None, Query(description="Default: the city")] = None,
    min_train: Annotated[int, Query(ge=1, le=36)] = 3,
    test_months: Annotated[int, Query(ge=1, le=12)] = 1,
    format: EvalFormat = EvalFormat.json,
) -> Response | dict[str, Any]:
    """Rolling-origin backtest of every method and baseline on one 100 m grid."""
    name = theme.value if theme else None
    args = {"theme": name, "area": study_area, "min_train": min_train,
            "test": test_months, "flags": policy.excluded_flags}  # fmt: skip

    def compute() -> Any:
        return backtest_store(
            store, default_forecasters(), theme=name, study_area=study_area,
            pack=pack, excluded_flags=policy.excluded_flags, min_train=min_train,
            test_months=test_months,
        )  # fmt: skip

    memo = memo_of(request.app.state)
    bt = await run_in_threadpool(
        memo.get, "backtest", args, store.data_version(), compute
    )
    if format is EvalFormat.svg:
        svg = hit_rate_chart(bt, f"Hit rate against coverage: {name or 'all'}")
        return Response(svg, media_type="image/svg+xml")
    if format is EvalFormat.csv:
        return Response(bt.folds.to_csv(index=False), media_type="text/csv")
    return {
        "parameters": bt.parameters,
        "summary": _clean(bt.summary().to_dict(orient="records")),
    }


@router.get("/default")
async def get_default(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    theme: ThemeQ = None,
    study_area: Annotated[str | None, Query(description="Default: the city")] = None,
) -> dict[str, Any]:
    """The map's default method for a theme and area: the layer recipe with the
    best backtested PEI at 5 % coverage on the stored data."""
    name = theme.value if theme else None
    choice = await run_in_threadpool(
        default_choice, request.app.state, store, pack, name, study_area,
        policy.excluded_flags,
    )  # fmt: skip
    if choice is None:
        return {"method": "gistar", "note": "too few months to backtest: Gi* kept"}
    return {
        "method": choice.recipe.method,
        "parameters": dict(choice.recipe.parameters),
        "window_months": choice.recipe.window_months,
        "pei": choice.pei, "hit_rate": choice.hit_rate, "pai": choice.pai,
        "origins": choice.origins,
        "candidates": _clean(choice.table.to_dict(orient="records")),
        "data_version": store.data_version(),
    }  # fmt: skip


def default_choice(
    state: Any,
    store: Any,
    pack: Any,
    theme: str | None,
    study_area: str | None,
    excluded_flags: tuple[str, ...],
) -> Any:
    """The cached default choice (recomputed when the data changes)."""
    args = {"theme": theme, "area": study_area, "flags": excluded_flags}
    return memo_of(state).get(
        "default", args, store.data_version(),
        lambda: choose_default(store, theme=theme, study_area=study_area, pack=pack,
                               excluded_flags=excluded_flags),
    )  # fmt: skip
