"""Areas: which incidents and features belong to a ward, an LSOA or the city."""

from hotspots.areas.selection import (
    CITY,
    Area,
    area_counts,
    area_incidents,
    in_area,
    resolve_area,
)

__all__ = [
    "CITY",
    "Area",
    "area_counts",
    "area_incidents",
    "in_area",
    "resolve_area",
]
