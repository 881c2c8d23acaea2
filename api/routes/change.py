"""What changed: change between two periods, emerging hot spots, ward trends."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import PackDep, PolicyDep, SettingsDep, StoreDep
from api.errors import error_page
from api.map_change import build_change_map, change_periods
from api.memo import memo_of
from api.query import MonthQuery
from hotspots.access import parse_role, policy_for
from hotspots.areas import resolve_area
from hotspots.change_layers import change_layer, emerging_layer, ward_trends
from hotspots.errors import EmptyInputError, HotspotError
from hotspots.schema import Theme
from hotspots.themes import parse_theme

router = APIRouter(tags=["change"])

ThemeQ = Annotated[Theme | None, Query(description="Theme (default: all)")]


class Scheme(StrEnum):
    """Emerging hot spot classes: ArcGIS EHSA or sfhotspot hotspot_classify."""

    ehsa = "ehsa"
    sfhotspot = "sfhotspot"


class Unit(StrEnum):
    """Time slice: month, ISO week or day."""

    month = "month"
    week = "week"
    day = "day"


def _theme(theme: Theme | None) -> str | None:
    return theme.value if theme else None


@router.get("/api/v1/change")
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
            "study_area": study_area, "flags": policy.excluded_flags,
            "disclosure": repr(policy.disclosure)}  # fmt: skip

    def compute() -> dict[str, Any]:
        before, after = periods or (None, None)
        return change_layer(
            store, theme=_theme(theme), before=before, after=after, fdr=fdr,
            study_area=study_area, pack=pack, excluded_flags=policy.excluded_flags,
            disclosure=policy.disclosure,
        )  # fmt: skip

    memo = memo_of(request.app.state)
    return await run_in_threadpool(
        memo.get, "change", args, store.data_version(), compute
    )


@router.get("/api/v1/change/emerging")
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
    unit: Annotated[
        Unit, Query(description="month, or week/day of the incidents with a date")
    ] = Unit.month,
) -> dict[str, Any]:
    """Emerging hot spot class per cell, with each month's Gi* z and the
    Mann-Kendall trend (z, p, tau), so a class can be checked by hand."""
    args = {"theme": _theme(theme), "from": month_from, "to": month_to,
            "scheme": scheme.value, "lag": time_lag, "alpha": alpha,
            "unit": unit.value, "flags": policy.excluded_flags,
            "disclosure": repr(policy.disclosure)}  # fmt: skip

    def compute() -> dict[str, Any]:
        return emerging_layer(
            store, theme=_theme(theme), month_from=month_from, month_to=month_to,
            pack=pack, scheme=scheme.value, time_lag=time_lag, alpha=alpha,
            unit=unit.value, excluded_flags=policy.excluded_flags,
            disclosure=policy.disclosure,
        )  # fmt: skip

    memo = memo_of(request.app.state)
    return await run_in_threadpool(
        memo.get, "emerging", args, store.data_version(), compute
    )


@router.get("/api/v1/change/trends")
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


@router.get("/change", response_class=HTMLResponse, tags=["map"])
def change_page(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    settings: SettingsDep,
    theme: Annotated[str | None, Query(description="'all' or a theme")] = None,
    area: Annotated[str | None, Query(description="'city' or a ward")] = None,
    month_from: Annotated[
        str | None, Query(alias="from", description="First month of 'this period'")
    ] = None,
    month_to: Annotated[
        str | None, Query(alias="to", description="Last month of 'this period'")
    ] = None,
) -> HTMLResponse:
    """What changed in an area: emerging hot spot classes, this period (default
    the latest quarter) against the one before, and each ward's monthly trend.
    A period outside the data is clamped to it with a notice, as on the map; a
    bad theme, area or month answers an HTML page saying why."""
    try:
        return _change_page(
            request, store, pack, settings, theme, area, month_from, month_to
        )
    except HotspotError as exc:
        return error_page(exc)


def _change_page(
    request: Request, store: Any, pack: Any, settings: Any, theme: str | None,
    area: str | None, month_from: str | None, month_to: str | None,
) -> HTMLResponse:  # fmt: skip
    chosen = resolve_area(area, pack)
    policy = policy_for(parse_role(settings.default_role))  # the page has no key
    flags, rule = policy.excluded_flags, policy.disclosure
    name = None if theme in (None, "", "all") else parse_theme(theme).value
    periods, notice = change_periods(store.months(), month_from, month_to)
    memo = memo_of(request.app.state)
    version = store.data_version()
    args = {"theme": name, "periods": periods, "fdr": 0.05, "study_area": None,
            "flags": flags, "disclosure": repr(rule)}  # fmt: skip
    before, after = periods or (None, None)
    last = after[1] if after else None
    months = store.months()
    if last is not None and len(months) >= 3:  # emerging needs three months
        last = max(last, months[2])
    try:
        change = memo.get("change", args, version, lambda: change_layer(
            store, theme=name, pack=pack, excluded_flags=flags, before=before,
            after=after, disclosure=rule))  # fmt: skip
        emerging = memo.get(
            "emerging",
            {"theme": name, "from": None, "to": last, "scheme": "ehsa", "lag": 1,
             "alpha": 0.05, "unit": "month", "flags": flags,
             "disclosure": repr(rule)},
            version,
            lambda: emerging_layer(store, theme=name, pack=pack, excluded_flags=flags,
                                   month_to=last, disclosure=rule),
        )  # fmt: skip
    except EmptyInputError as exc:
        return HTMLResponse(f"<p>Nothing to show: {exc}.</p>")
    trends = ward_trends(store, theme=name, pack=pack, excluded_flags=flags)
    wards = pack.boundaries("ward")
    areas = [("city", pack.title), *zip(wards["code"], wards["name"], strict=True)]
    label = "all incidents" if name is None else name
    title = (
        f"What changed: {label}, {chosen.name if not chosen.is_city else pack.title}"
    )
    fmap = build_change_map(
        title=title, theme=name or "all", area=chosen, areas=areas, change=change,
        emerging=emerging, trends=trends, wards=wards,
        centre=pack.map_center or (50.8, -1.08),
        query={"theme": name or "all", "area": area or "city"}, notice=notice,
    )  # fmt: skip
    return HTMLResponse(fmap.get_root().render())
