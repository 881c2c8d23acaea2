"""Typed dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hotspots.store import IncidentStore

__all__ = ["StoreDep", "get_store"]


def get_store(request: Request) -> IncidentStore:
    """The store opened by ``create_app`` for this service."""
    store: IncidentStore = request.app.state.store
    return store


StoreDep = Annotated[IncidentStore, Depends(get_store)]
