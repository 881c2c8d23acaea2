"""The partnership's priorities: the list, one priority's figures, the co-location
layer and the strategic assessment pack (HTML, PDF, JSON), for the caller's role."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import PackDep, PolicyDep, StoreDep
from api.memo import memo_of
from api.query import MonthQuery
from hotspots.errors import HotspotError
from hotspots.priorities.model import PrioritiesError, Priority, load_priorities

router = APIRouter(prefix="/api/v1/priorities", tags=["priorities"])

#: Headers of answers that depend on the caller's key (role).
_PRIVATE = {"Cache-Control": "private, max-age=60", "Vary": "X-API-Key"}
Weights = Annotated[
    str | None,
    Query(
        pattern="^illustrative$",
        description="'illustrative': weight by the bundled ILLUSTRATIVE harm "
        "weights (a partnership's own file is loaded with the CLI)",
    ),
]


def _describe(p: Priority) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "themes": list(p.match.themes),
        "categories": list(p.match.categories),
        "flags": list(p.match.flags),
        "flags_no_source_carries": list(p.missing_flags),
        "sublayers": [
            {"id": s.id, "name": s.name, "sensitive": s.sensitive} for s in p.sublayers
        ],
        "colocation": p.colocation.name if p.colocation else None,
    }


@router.get("")
def list_priorities(pack: PackDep) -> dict[str, Any]:
    """The priorities in force (the area pack's, else the bundled ones)."""
    try:
        book = load_priorities(pack)
    except PrioritiesError as exc:
        raise HTTPException(500, str(exc)) from exc
    return {
        "source": book.source,
        "population": bool(book.population),
        "priorities": [_describe(p) for p in book.priorities],
    }


#: Packs kept per service, by everything they depend on (a pack takes seconds).
_PACKS_KEPT = 8


def _build(
    request: Request,
    store: Any,
    pack: Any,
    policy: Any,
    month_from: str | None,
    month_to: str | None,
    weights: str | None,
    only: list[str] | None,
) -> tuple[dict[str, Any], str]:
    from hotspots.priorities.weights import load_weights
    from hotspots.reports.priorities import make_priorities_report

    def build() -> tuple[dict[str, Any], str]:
        try:
            return make_priorities_report(
                store,
                pack,
                month_from=month_from,
                month_to=month_to,
                role=policy.role,
                weights=load_weights(weights) if weights else None,
                only=only,
                generated_by=f"the hotspots API (role {policy.role.value})",
            )
        except PrioritiesError as exc:
            raise HTTPException(
                404 if "unknown priority" in str(exc) else 500, str(exc)
            ) from exc
        except HotspotError as exc:
            raise HTTPException(422, str(exc)) from exc

    args = {"pack": pack.name, "role": policy.role.value, "from": month_from,
            "to": month_to, "weights": weights, "only": only}  # fmt: skip
    memo = memo_of(request.app.state, "priority_packs", _PACKS_KEPT)
    return memo.get("priorities", args, store.data_version(), build)


@router.get("/report", response_model=None)
def get_report(
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    format: Annotated[str, Query(pattern="^(html|pdf|json)$")] = "html",
    weights: Weights = None,
) -> Response:
    """The strategic assessment pack for the caller's role: per priority a map,
    a trend chart, the ward table and the summary (HTML prints on A4)."""
    from hotspots.reports.priorities import pack_json, pack_pdf

    built, html = _build(
        request, store, pack, policy, month_from, month_to, weights, None
    )
    if format == "pdf":
        return Response(
            pack_pdf(html),
            media_type="application/pdf",
            headers={
                **_PRIVATE,
                "Content-Disposition": 'inline; filename="priorities.pdf"',
            },
        )
    if format == "json":
        return Response(
            pack_json(built), media_type="application/json", headers=_PRIVATE
        )
    return HTMLResponse(html, headers=_PRIVATE)


@router.get("/{priority_id}", response_model=None)
def get_priority(
    priority_id: str,
    request: Request,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
    weights: Weights = None,
) -> Response:
    """One priority's figures and summary sentences, for the caller's role."""
    from hotspots.reports.priorities import pack_json

    _known(priority_id, pack)
    built, _ = _build(
        request, store, pack, policy, month_from, month_to, weights, [priority_id]
    )
    return Response(pack_json(built), media_type="application/json", headers=_PRIVATE)


@router.get("/{priority_id}/colocation", response_model=None)
def get_colocation(
    priority_id: str,
    store: StoreDep,
    pack: PackDep,
    policy: PolicyDep,
    month_from: Annotated[str | None, MonthQuery("from")] = None,
    month_to: Annotated[str | None, MonthQuery("to")] = None,
) -> JSONResponse:
    """The priority's co-location layer (GeoJSON, WGS84) with its method."""
    from hotspots.priorities.colocation import colocation_layer
    from hotspots.priorities.figures import PriorityContext, comparison_period
    from hotspots.priorities.pack import default_months

    priority = _known(priority_id, pack)
    if priority.colocation is None:
        raise HTTPException(404, f"priority {priority_id} has no co-location layer")
    stored = store.months()
    try:
        lo, hi = default_months(stored)
        period = comparison_period(stored, month_from or lo, month_to or hi)
        ctx = PriorityContext(
            store, pack, policy.excluded_flags, policy.disclosure, policy.role.value
        )
        layer = colocation_layer(ctx, priority, period)
    except HotspotError as exc:
        raise HTTPException(422, str(exc)) from exc
    body = layer["features"] | {
        "parameters": {
            k: v for k, v in layer.items() if k not in ("cells", "features")
        },
    }
    return JSONResponse(body, headers=_PRIVATE)


def _known(priority_id: str, pack: Any) -> Priority:
    try:
        return load_priorities(pack).get(priority_id)
    except PrioritiesError as exc:
        raise HTTPException(404, str(exc)) from exc
