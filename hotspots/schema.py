"""The incident schema: one set of column names shared by readers, ingest and stores.

An incident frame is a pandas DataFrame with exactly :data:`INCIDENT_COLUMNS`.
Locations are kept twice: British National Grid metres for analysis and WGS84
degrees for the web edge.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FLAG_COLUMNS",
    "INCIDENT_COLUMNS",
    "DatePrecision",
    "Theme",
]


class Theme(StrEnum):
    """The partnership's priority themes an incident is counted under."""

    ASB = "asb"
    VIOLENCE = "violence"
    DRUGS = "drugs"
    ALCOHOL = "alcohol"
    OTHER = "other"


class DatePrecision(StrEnum):
    """How precisely the source knows when an incident happened."""

    MONTH = "month"  # police.uk publishes the month only
    DAY = "day"
    MINUTE = "minute"


#: Sensitive or cross-cutting markers; each is a boolean column.
FLAG_COLUMNS: tuple[str, ...] = (
    "alcohol_related",
    "domestic_abuse",
    "hate_crime",
    "sexual_offence",
)

#: Columns of a stored incident, in store order.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",  # 64-bit fingerprint of the source record (stable on re-ingest)
    "source",  # e.g. "police.uk", "portsmouth-council-asb"
    "source_id",  # the source's own id (police.uk Crime ID), may be empty
    "category",  # the source's own category text
    "theme",  # Theme value
    *FLAG_COLUMNS,
    "occurred_at",  # ISO 8601 start of the known period, local time
    "occurred_precision",  # DatePrecision value
    "month",  # "YYYY-MM", for period filters
    "easting",  # EPSG:27700 metres
    "northing",
    "lon",  # EPSG:4326 degrees
    "lat",
    "geocode_quality",  # GeocodeQuality value
    "geocode_precision_m",  # radius the location is good to, metres
    "geocode_note",  # e.g. a correction made or the fuzzy-match score
    "location_text",
    "town",
    "lsoa_code",
    "ward_code",
    "batch_id",
)
