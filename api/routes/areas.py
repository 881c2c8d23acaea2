"""Area summaries: counts per theme and month, share of the city, trend."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import PackDep, PolicyDep, StoreDep
from api.memo import memo_of
from api.query import MonthQuery
from api.shortcut import JSON_TYPE, keep_summary
from hotspots.access import AccessPolicy
from hotspots.areas import CITY, area_counts, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.layers import AREA_RULE
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery
from hotspots.summaries import SUMMARY_KEYS, area_summary_of_counts

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])

#: Summaries kept until the data changes: every LSOA of the city for a few
#: periods and roles (a summary is a few KB).
SUMMARY_MEMO_ENTRIES = 2048


@router.get("/{code}/summary", response_class=JSONResponse)
async def get_area_summary(
    code: str,
    request: Request,
    store: StoreDep,
    policy: PolicyDep,
    pack: PackDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
) -> Response:
    """Counts per theme and month for the city, a ward or an LSOA, share, trend.

    Kept (as JSON) until the data changes, per area, period and the role's
    hidden flags; the city's counts of a period, which every area's summary of
    that period reads, are kept too.
    """
    args = {
        "code": code,
        "pack": pack.name,
        "from": month_from,
        "to": month_to,
        "role": policy.role.value,
        "flags": list(policy.excluded_flags),
    }
    args_of_city = {"pack": pack.name, "from": month_from, "to": month_to}
    memo = memo_of(request.app.state, "summaries", SUMMARY_MEMO_ENTRIES)

    def answer() -> tuple[int, bytes]:
        version = store.data_version()

        def counts() -> pd.DataFrame:
            query = IncidentQuery(month_from=month_from, month_to=month_to)
            city = resolve_area(CITY, pack)
            return area_counts(store, city, query, (*SUMMARY_KEYS, *FLAG_COLUMNS))

        def compute() -> bytes:
            city = memo.get("city_counts", args_of_city, version, counts)
            summary = _summary(city, policy, pack, code)
            summary["data_version"] = version
            return JSONResponse(summary).body

        return version, memo.get("area_summary", args, version, compute)

    version, body = await run_in_threadpool(answer)  # a miss reads the store
    # The same URL and key on this data version may be answered by the shortcut.
    keep_summary(request.app.state.summaries_kept, request.scope, version, body)
    return Response(body, media_type=JSON_TYPE)


def _summary(
    counts: pd.DataFrame, policy: AccessPolicy, pack: AreaPack, code: str
) -> dict[str, Any]:
    """The summary of area ``code`` (422 if unknown) from the city's counts."""
    area = resolve_area(code, pack)
    for flag in policy.excluded_flags:
        counts = counts[~counts[flag]]
    summary = area_summary_of_counts(counts, area=area)
    summary.update(
        area_name=area.name,
        area_kind=area.kind,
        area_rule=AREA_RULE,
        area_pack=pack.name,
        role=policy.role.value,
        excluded_flags=list(policy.excluded_flags),
    )
    return summary
