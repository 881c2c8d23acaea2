"""Boundary layers: wards, LSOAs and the city outline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from api.deps import PackDep
from api.downloads import Format, download_response
from api.features import areas_collection

router = APIRouter(prefix="/api/v1/boundaries", tags=["boundaries"])


@router.get("/{name}")
def get_boundaries(
    name: Annotated[
        str,
        Path(pattern=r"^[a-z0-9_-]{1,40}$", description="Boundary set: ward, lsoa, …"),
    ],
    pack: PackDep,
    format: Format = Format.GEOJSON,
) -> Response:
    """Areas of a boundary set of the active area pack, with their attribution."""
    if name not in pack.set_names:
        raise HTTPException(
            422, f"no boundary set {name!r}; sets: {', '.join(pack.set_names)}"
        )
    files = pack.files_of(name)
    collection = areas_collection(pack.boundaries(name))
    collection["parameters"] = {
        "boundary_set": name,
        "area_pack": pack.name,
        "description": "; ".join(f.description for f in files if f.description),
        "attribution": " ".join(dict.fromkeys(f.attribution for f in files)),
    }
    headers = {"Cache-Control": "public, max-age=86400"}
    return download_response(collection, format, name, headers)
