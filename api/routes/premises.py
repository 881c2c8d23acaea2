"""Premises for licensing officers: search, area check, ranking, evidence report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import CacheDep, PackDep, PolicyDep, StoreDep
from api.query import MonthQuery
from hotspots.premises import register_of
from hotspots.premises.check import check_premises
from hotspots.premises.context import CheckContext, CheckRequest
from hotspots.premises.rank import rank_caveats
from hotspots.premises.search import search_premises
from hotspots.premises.service import (
    PremisesNotFoundError,
    context_for,
    get_premises,
    make_report,
    rank,
)
from hotspots.store import IncidentStore

router = APIRouter(prefix="/api/v1/premises", tags=["premises"])

RadiusQ = Annotated[float, Query(ge=50, le=500, description="Radius in metres")]
ChangeQ = Annotated[
    str | None, Query(description="Before/after date, YYYY-MM or YYYY-MM-DD")
]
ThemeQ = Annotated[str | None, Query(description="asb, violence, drugs, alcohol…")]


def _context(
    store: IncidentStore,
    cache: Any,
    pack: Any,
    policy: Any,
    check: CheckRequest,
) -> CheckContext:
    return context_for(
        store,
        pack,
        register_of(store),
        check,
        policy,
        layers=lambda layer_request: cache.get(store, layer_request).layer,
    )


def _premises(store: IncidentStore, premises_id: str) -> dict[str, Any]:
    try:
        return get_premises(register_of(store), premises_id)
    except PremisesNotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get("")
def search(
    store: StoreDep,
    q: Annotated[str, Query(description="Name, postcode or street")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Premises matching a name, postcode or street (typo-tolerant, best first)."""
    register = register_of(store).premises()
    results = search_premises(register, q, limit)
    return {"query": q, "count": len(results), "data": results}


@router.get("/layer")
def layer(store: StoreDep) -> dict[str, Any]:
    """Every premises as GeoJSON points (WGS84), for the map."""
    frame = register_of(store).premises()
    features = [
        {
            "type": "Feature",
            "id": r.premises_id,
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "premises_id": r.premises_id,
                "name": r.name,
                "type": r.premises_type,
                "address": r.address,
                "postcode": r.postcode,
            },
        }
        for r in frame.itertuples()
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/rank")
def get_rank(
    store: StoreDep,
    cache: CacheDep,
    pack: PackDep,
    policy: PolicyDep,
    radius_m: RadiusQ = 100.0,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    theme: ThemeQ = None,
    types: Annotated[str, Query(description="Comma-separated types")] = "pub,club",
) -> dict[str, Any]:
    """Premises ranked by incidents within the radius, overlaps said."""
    check = CheckRequest(radius_m, month_from, month_to, theme)
    context = _context(store, cache, pack, policy, check)
    kinds = tuple(t.strip() for t in types.split(",") if t.strip())
    frame = rank(context, kinds)
    return {
        "radius_m": radius_m,
        "period": {"from": context.month_from, "to": context.month_to},
        "types": list(kinds),
        "caveats": rank_caveats(context),
        "data": frame.to_dict(orient="records"),
    }


@router.get("/{premises_id}")
def get_one(premises_id: str, store: StoreDep) -> dict[str, Any]:
    """One premises of the register."""
    return _premises(store, premises_id)


@router.get("/{premises_id}/check")
def get_check(
    premises_id: str,
    store: StoreDep,
    cache: CacheDep,
    pack: PackDep,
    policy: PolicyDep,
    radius_m: RadiusQ = 100.0,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    theme: ThemeQ = None,
    change: ChangeQ = None,
) -> dict[str, Any]:
    """What happened within the radius: counts, profile, against the city, caveats."""
    premises = _premises(store, premises_id)
    check = CheckRequest(radius_m, month_from, month_to, theme, change)
    context = _context(store, cache, pack, policy, check)
    return check_premises(premises, context)


@router.get("/{premises_id}/report", response_model=None)
def get_report(
    premises_id: str,
    store: StoreDep,
    cache: CacheDep,
    pack: PackDep,
    policy: PolicyDep,
    radius_m: RadiusQ = 100.0,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    theme: ThemeQ = None,
    change: ChangeQ = None,
    format: Annotated[str, Query(pattern="^(html|pdf|csv)$")] = "html",
) -> Response:
    """The evidence report as HTML (prints on A4), PDF or CSV of its numbers."""
    premises = _premises(store, premises_id)
    check = CheckRequest(radius_m, month_from, month_to, theme, change)
    context = _context(store, cache, pack, policy, check)
    report = make_report(
        premises, context, pack, generated_by=f"hotspots web service ({policy.role})"
    )
    stem = f"premises-check-{premises['source_id']}"
    if format == "pdf":
        return Response(
            report.pdf(),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{stem}.pdf"'},
        )
    if format == "csv":
        return Response(
            report.csv,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    return HTMLResponse(report.html)
