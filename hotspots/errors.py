"""Error types raised by the hotspots core.

Every error derives from :class:`HotspotError`, so callers (the CLI, the API)
can catch one type and map it to an exit code or an HTTP status.
"""

from __future__ import annotations

__all__ = [
    "AreaPackError",
    "CRSError",
    "EmptyInputError",
    "GeocodeError",
    "GridTooLargeError",
    "HotspotError",
    "IngestError",
    "InvalidParameterError",
    "StoreError",
    "UnknownMethodError",
]


class HotspotError(Exception):
    """Base class for every error the hotspots core raises."""


class InvalidParameterError(HotspotError, ValueError):
    """A parameter is out of range or inconsistent with the data."""


class GridTooLargeError(InvalidParameterError):
    """A grid would have more cells than the configured limit."""


class EmptyInputError(HotspotError, ValueError):
    """There are no incidents (or no area) to work on."""


class CRSError(HotspotError, ValueError):
    """Coordinates are in the wrong or a mismatched reference system."""


class UnknownMethodError(HotspotError, ValueError):
    """A method or option name is not one of the valid ones."""


class GeocodeError(HotspotError, ValueError):
    """A location could not be turned into coordinates."""


class IngestError(HotspotError):
    """A whole input file cannot be ingested (unreadable, wrong columns)."""


class StoreError(HotspotError):
    """The incident store cannot be opened or written."""


class AreaPackError(HotspotError, ValueError):
    """An area pack (or a file to build one from) is missing or malformed."""
