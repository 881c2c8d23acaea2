"""The boundary sets the service knows, declared in one place."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BOUNDARY_SETS", "BoundarySet", "get_boundary_set"]

_ONS_OS_ATTRIBUTION = (
    "Contains Ordnance Survey, Office of National Statistics, National Records "
    "Scotland and LPS Intellectual Property data © Crown copyright and database "
    "right [2016]. Data licensed under the terms of the Open Government Licence. "
    "Ordnance Survey data covered by OS OpenData Licence. GeoJSON conversion: "
    "Martin Chorley, https://github.com/martinjc/UK-GeoJSON (CC BY 4.0)."
)


@dataclass(frozen=True)
class BoundarySet:
    """A set of areas: file in ``boundaries/data``, its code and name fields."""

    name: str
    filename: str
    code_field: str
    name_field: str
    description: str
    attribution: str = _ONS_OS_ATTRIBUTION


BOUNDARY_SETS: dict[str, BoundarySet] = {
    "ward": BoundarySet(
        "ward",
        "portsmouth_wards_2013.geojson",
        "WD13CD",
        "WD13NM",
        "Portsmouth electoral wards (2013), generalised and clipped to the coast",
    ),
    "lsoa": BoundarySet(
        "lsoa",
        "portsmouth_lsoa_2011.geojson",
        "LSOA11CD",
        "LSOA11NM",
        "Portsmouth Lower Layer Super Output Areas (2011)",
    ),
    "city": BoundarySet(
        "city",
        "portsmouth_lad_2013_from_topojson.geojson",
        "LAD13CD",
        "LAD13NM",
        "Portsmouth local authority outline (2013; coarse, about 80 m quantised)",
    ),
}


def get_boundary_set(name: str) -> BoundarySet:
    """Return the boundary set called ``name`` or raise listing the valid ones."""
    try:
        return BOUNDARY_SETS[name]
    except KeyError:
        valid = ", ".join(BOUNDARY_SETS)
        raise KeyError(f"unknown boundary set {name!r}; valid: {valid}") from None
