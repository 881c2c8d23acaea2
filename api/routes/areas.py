"""Area summaries: counts per theme and month, share of the city, trend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api.deps import PackDep, PolicyDep, StoreDep
from api.query import MonthQuery
from hotspots.areas import CITY, area_incidents, resolve_area
from hotspots.layers import AREA_RULE
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery
from hotspots.summaries import area_summary

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


@router.get("/{code}/summary")
def get_area_summary(
    code: str,
    store: StoreDep,
    policy: PolicyDep,
    pack: PackDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
) -> dict[str, Any]:
    """Counts per theme and month for the city, a ward or an LSOA, share, trend."""
    area = resolve_area(code, pack)  # 422 if unknown
    city = resolve_area(CITY, pack)
    query = IncidentQuery(
        month_from=month_from,
        month_to=month_to,
        columns=("incident_id", "theme", "month", "ward_code", "lsoa_code",
                 *FLAG_COLUMNS),
    )  # fmt: skip
    frame = area_incidents(store, city, query)
    for flag in policy.excluded_flags:
        frame = frame[~frame[flag]]
    summary = area_summary(frame, area=area)
    summary.update(
        area_name=area.name,
        area_kind=area.kind,
        area_rule=AREA_RULE,
        area_pack=pack.name,
        role=policy.role.value,
        excluded_flags=list(policy.excluded_flags),
        data_version=store.data_version(),
    )
    return summary
