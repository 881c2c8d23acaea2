"""Service status and what the store holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import StoreDep

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
def batches(store: StoreDep) -> list[dict[str, Any]]:
    """Every ingested file with its row counts (read, stored, rejected, duplicate)."""
    records: list[dict[str, Any]] = store.batches().to_dict(orient="records")
    return records
