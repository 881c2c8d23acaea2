"""Service status and what the store holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from api.deps import PolicyDep, StoreDep
from hotspots.store.base import short_file_name

router = APIRouter(prefix="/api/v1", tags=["status"])


@router.get("/health")
def health(store: StoreDep) -> dict[str, Any]:
    """Liveness, the store in use and its data version."""
    return {
        "status": "ok",
        "incidents": store.count(),
        "data_version": store.data_version(),
    }


@router.get("/batches")
def batches(store: StoreDep, policy: PolicyDep) -> list[dict[str, Any]]:
    """Every ingested file with its row counts (read, stored, rejected, duplicate).

    Only for roles that may see the ingest history (analysts), and with file
    names only: the folders they were read from are the server's business.
    """
    if not policy.ingest_history:
        raise HTTPException(
            403, f"role {policy.role} may not see the ingest history (batches)"
        )
    frame = store.batches()
    frame["file_name"] = frame["file_name"].map(short_file_name)
    records: list[dict[str, Any]] = frame.to_dict(orient="records")
    return records
