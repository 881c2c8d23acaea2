"""Typed dependencies shared by the routes.

They do no I/O, so they are ``async``: FastAPI runs them on the event loop
instead of handing each one to the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.cache import LayerCache
from hotspots.access import AccessPolicy, parse_role, policy_for
from hotspots.areas.pack import AreaPack
from hotspots.settings import Settings
from hotspots.store import IncidentStore

__all__ = ["CacheDep", "PackDep", "PolicyDep", "SettingsDep", "StoreDep"]


async def get_store(request: Request) -> IncidentStore:
    """The store opened by ``create_app`` for this service."""
    store: IncidentStore = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    """The settings ``create_app`` was given."""
    settings: Settings = request.app.state.settings
    return settings


async def get_pack(request: Request) -> AreaPack:
    """The area pack the service was started with (its wards, LSOAs, title)."""
    pack: AreaPack = request.app.state.pack
    return pack


async def get_cache(request: Request) -> LayerCache:
    """The computed-layer cache."""
    cache: LayerCache = request.app.state.layers
    return cache


async def get_policy(
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
PackDep = Annotated[AreaPack, Depends(get_pack)]
PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]
