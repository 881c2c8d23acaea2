"""What changed: change between two periods, emerging hot spots, ward trends."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import PackDep, PolicyDep, StoreDep
from api.memo import memo_of
from api.query import MonthQuery
from hotspots.change_layers import change_layer, emerging_layer, ward_trends
from hotspots.schema import Theme

router = APIRouter(prefix="/api/v1/change", tags=["change"])

ThemeQ = Annotated[Theme | None, Query(description="Theme (default: all)")]


class Scheme(StrEnum):
    """Emerging hot spot classes: ArcGIS EHSA or sfhotspot hotspot_classify."""

    ehsa = "ehsa"
    sfhotspot = "sfhotspot"


def _theme(theme: Theme | None) -> str | None:
    return theme.value if theme else None


@router.get("")
async def get_change(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    theme: ThemeQ = None,
    before_from: Annotated[str | None, MonthQuery("before_from")] = None,
    before_to: Annotated[str | None, MonthQuery("before_to")] = None,
    after_from: Annotated[str | None, MonthQuery("after_from")] = None,
    after_to: Annotated[str | None, MonthQuery("after_to")] = None,
    fdr: Annotated[
        float, Query(gt=0, lt=1, description="BH false discovery rate")
    ] = 0.05,
    study_area: Annotated[str | None, Query(description="Default: the city")] = None,
) -> dict[str, Any]:
    """Counts before and after per cell and ward, change, p, q and direction;
    default "this quarter against the last"."""
    given = (before_from, before_to, after_from, after_to)
    periods = (
        None if None in given else ((before_from, before_to), (after_from, after_to))
    )
    args = {"theme": _theme(theme), "periods": periods, "fdr": fdr,
            "study_area": study_area, "flags": policy.excluded_flags}  # fmt: skip

    def compute() -> dict[str, Any]:
        before, after = periods or (None, None)
        return change_layer(
            store, theme=_theme(theme), before=before, after=after, fdr=fdr,
            study_area=study_area, pack=pack, excluded_flags=policy.excluded_flags,
        )  # fmt: skip

    memo = memo_of(request.app.state)
    return await run_in_threadpool(
        memo.get, "change", args, store.data_version(), compute
    )


@router.get("/emerging")
async def get_emerging(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    theme: ThemeQ = None,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    scheme: Scheme = Scheme.ehsa,
    time_lag: Annotated[int, Query(ge=0, le=12)] = 1,
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
) -> dict[str, Any]:
    """Emerging hot spot class per cell, with each month's Gi* z and the
    Mann-Kendall trend (z, p, tau), so a class can be checked by hand."""
    args = {"theme": _theme(theme), "from": month_from, "to": month_to,
            "scheme": scheme.value, "lag": time_lag, "alpha": alpha,
            "flags": policy.excluded_flags}  # fmt: skip

    def compute() -> dict[str, Any]:
        return emerging_layer(
            store, theme=_theme(theme), month_from=month_from, month_to=month_to,
            pack=pack, scheme=scheme.value, time_lag=time_lag, alpha=alpha,
            excluded_flags=policy.excluded_flags,
        )  # fmt: skip

    memo = memo_of(request.app.state)
    return await run_in_threadpool(
        memo.get, "emerging", args, store.data_version(), compute
    )


@router.get("/trends")
async def get_trends(
    store: StoreDep, pack: PackDep, policy: PolicyDep, theme: ThemeQ = None
) -> dict[str, Any]:
    """Monthly counts per ward with the Mann-Kendall trend (sparklines)."""
    wards = await run_in_threadpool(
        ward_trends, store, theme=_theme(theme), pack=pack,
        excluded_flags=policy.excluded_flags,
    )  # fmt: skip
    return {"theme": _theme(theme) or "all", "wards": wards,
            "data_version": store.data_version()}  # fmt: skip
