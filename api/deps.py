"""Typed dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.cache import LayerCache
from hotspots.access import AccessPolicy, parse_role, policy_for
from hotspots.settings import Settings
from hotspots.store import IncidentStore

__all__ = ["CacheDep", "PolicyDep", "SettingsDep", "StoreDep"]


def get_store(request: Request) -> IncidentStore:
    """The store opened by ``create_app`` for this service."""
    store: IncidentStore = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The settings ``create_app`` was given."""
    settings: Settings = request.app.state.settings
    return settings


def get_cache(request: Request) -> LayerCache:
    """The computed-layer cache."""
    cache: LayerCache = request.app.state.layers
    return cache


def get_policy(
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> AccessPolicy:
    """The caller's disclosure rules, from the X-API-Key header."""
    role = settings.role_for_key(x_api_key)
    if role is None:
        raise HTTPException(status_code=401, detail="unknown API key")
    return policy_for(parse_role(role))


StoreDep = Annotated[IncidentStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CacheDep = Annotated[LayerCache, Depends(get_cache)]
PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]
