"""Area summaries: counts per theme and month, share of the city, trend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api.deps import PolicyDep, StoreDep
from api.query import MonthQuery
from hotspots.layers import study_area
from hotspots.store import IncidentQuery
from hotspots.summaries import area_summary

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


@router.get("/{code}/summary")
def get_area_summary(
    code: str,
    store: StoreDep,
    policy: PolicyDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
) -> dict[str, Any]:
    """Counts per theme and month for a ward or LSOA, its share of the city, trend."""
    _, info = study_area(code)  # validates the code, 422 if unknown
    kind = "ward_code" if info["code"].startswith("E05") else "lsoa_code"
    frame = store.incidents(
        IncidentQuery(
            month_from=month_from,
            month_to=month_to,
            columns=("theme", "month", "ward_code", "lsoa_code", "alcohol_related",
                     "domestic_abuse", "sexual_offence", "hate_crime"),
        )
    )  # fmt: skip
    for flag in policy.excluded_flags:
        frame = frame[~frame[flag]]
    summary = area_summary(frame, area_column=kind, area_code=info["code"])
    summary.update(
        area_name=info["name"],
        role=policy.role.value,
        excluded_flags=list(policy.excluded_flags),
        data_version=store.data_version(),
    )
    return summary
