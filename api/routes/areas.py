"""Area summaries: counts per theme and month, share of the city, trend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from api.deps import PackDep, PolicyDep, StoreDep
from api.memo import memo_of
from api.query import MonthQuery
from hotspots.areas import CITY, area_counts, resolve_area
from hotspots.layers import AREA_RULE
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery
from hotspots.summaries import SUMMARY_KEYS, area_summary_of_counts

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])

#: Summaries kept until the data changes: every LSOA of the city for a few
#: periods and roles (a summary is a few KB).
SUMMARY_MEMO_ENTRIES = 2048


@router.get("/{code}/summary")
def get_area_summary(
    code: str,
    request: Request,
    store: StoreDep,
    policy: PolicyDep,
    pack: PackDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
) -> dict[str, Any]:
    """Counts per theme and month for the city, a ward or an LSOA, share, trend.

    Kept until the data changes, per area, period and the role's hidden flags.
    """
    area = resolve_area(code, pack)  # 422 if unknown
    version = store.data_version()

    def compute() -> dict[str, Any]:
        city = resolve_area(CITY, pack)
        query = IncidentQuery(month_from=month_from, month_to=month_to)
        counts = area_counts(store, city, query, (*SUMMARY_KEYS, *FLAG_COLUMNS))
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
            data_version=version,
        )
        return summary

    args = {
        "area": area.code,
        "pack": pack.name,
        "from": month_from,
        "to": month_to,
        "role": policy.role.value,
        "flags": list(policy.excluded_flags),
    }
    memo = memo_of(request.app.state, "summaries", SUMMARY_MEMO_ENTRIES)
    return memo.get("area_summary", args, version, compute)
