"""Boundary layers: wards, LSOAs and the city outline."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response

from api.downloads import Format, download_response
from api.features import areas_collection
from boundaries.catalog import BOUNDARY_SETS
from boundaries.io import read_boundaries

router = APIRouter(prefix="/api/v1/boundaries", tags=["boundaries"])

BoundarySetName = StrEnum("BoundarySetName", {n: n for n in BOUNDARY_SETS})  # type: ignore[misc]


@router.get("/{name}")
def get_boundaries(name: BoundarySetName, format: Format = Format.GEOJSON) -> Response:
    """Areas of a boundary set with code and name, and their attribution."""
    boundary_set = BOUNDARY_SETS[name.value]
    collection = areas_collection(read_boundaries(name.value))
    collection["parameters"] = {
        "boundary_set": name.value,
        "description": boundary_set.description,
        "attribution": boundary_set.attribution,
    }
    headers = {"Cache-Control": "public, max-age=86400"}
    return download_response(collection, format, name.value, headers)
