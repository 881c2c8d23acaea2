"""OGC API - Features query parameters: limit, bbox, datetime, crs; its errors.

Parsed here once for every collection, so each route stays parse -> one call ->
serialise. Errors are OGC exception documents (``code``, ``description``) with
HTTP 400 (a bad parameter) or 404 (no such collection or feature).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pyproj import Transformer

from hotspots.errors import InvalidParameterError
from hotspots.period import PeriodBounds, parse_period

__all__ = [
    "BNG_URI",
    "CRS84_URI",
    "CRS_URIS",
    "DEFAULT_LIMIT",
    "MAX_DATETIME_CHARS",
    "MAX_LIMIT",
    "OgcError",
    "parse_bbox",
    "parse_crs",
    "parse_datetime",
    "parse_limit",
]

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
BNG_URI = "http://www.opengis.net/def/crs/EPSG/0/27700"
CRS_URIS = (CRS84_URI, BNG_URI)
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
#: Longest ``datetime`` accepted (an interval of two full timestamps is ~50).
MAX_DATETIME_CHARS = 100
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


class OgcError(Exception):
    """An error answered as an OGC exception document."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Box:
    """A bbox in one of :data:`CRS_URIS`: (minx, miny, maxx, maxy)."""

    crs: str
    values: tuple[float, float, float, float]

    def in_crs84(self) -> tuple[float, float, float, float]:
        """The box's envelope in longitude/latitude."""
        if self.crs == CRS84_URI:
            return self.values
        return _envelope(self.values, "EPSG:27700", "OGC:CRS84")

    def in_bng(self) -> tuple[float, float, float, float]:
        """The box's envelope in British National Grid metres."""
        if self.crs == BNG_URI:
            return self.values
        return _envelope(self.values, "OGC:CRS84", "EPSG:27700")


def _envelope(
    box: tuple[float, float, float, float], source: str, target: str
) -> tuple[float, float, float, float]:
    transformer = Transformer.from_crs(source, target, always_xy=True)
    x0, y0, x1, y1 = transformer.transform_bounds(*box, densify_pts=21)
    return (x0, y0, x1, y1)


def parse_limit(limit: int | None) -> int:
    """Items per page: 1 to :data:`MAX_LIMIT`, default :data:`DEFAULT_LIMIT`."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise OgcError(
            400, "InvalidParameterValue", f"limit={limit}: give 1 to {MAX_LIMIT:,}"
        )
    return limit


def parse_crs(value: str | None, name: str = "crs") -> str:
    """A CRS URI the service offers (default CRS84)."""
    if not value:
        return CRS84_URI
    uri = value.strip().strip("[]")
    if uri in ("EPSG:27700", "urn:ogc:def:crs:EPSG::27700"):
        uri = BNG_URI
    if uri not in CRS_URIS:
        raise OgcError(
            400,
            "InvalidParameterValue",
            f"{name}={value!r}: this service offers {' or '.join(CRS_URIS)}",
        )
    return uri


def parse_bbox(value: str | None, crs: str | None) -> Box | None:
    """``minx,miny,maxx,maxy`` in ``bbox-crs`` (default CRS84)."""
    if not value:
        return None
    parts = value.split(",")
    try:
        values = tuple(float(v) for v in parts) if len(parts) == 4 else ()
    except ValueError:
        values = ()
    finite = all(math.isfinite(v) for v in values)
    if (
        len(values) != 4
        or not finite
        or not (values[0] < values[2] and values[1] < values[3])
    ):
        raise OgcError(
            400,
            "InvalidParameterValue",
            "bbox: give four finite numbers minx,miny,maxx,maxy (min < max)",
        )
    return Box(parse_crs(crs, "bbox-crs"), values)  # type: ignore[arg-type]


def parse_datetime(value: str | None) -> PeriodBounds | None:
    """An RFC 3339 instant or interval (``start/end``, ``..`` open) as days.

    Incidents are dated to the day at best (police.uk: the month), so times of
    day are read as their date; an interval keeps only incidents whose whole
    known date is inside it.
    """
    if not value:
        return None
    if len(value) > MAX_DATETIME_CHARS:
        raise OgcError(
            400,
            "InvalidParameterValue",
            f"datetime is {len(value):,} characters: give one RFC 3339 date or "
            "interval",
        )
    parts = value.split("/")
    if len(parts) > 2:
        raise OgcError(400, "InvalidParameterValue", f"datetime={value!r}: one '/'")
    start, end = (parts[0], parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    try:
        return parse_period(_day(start, value), _day(end, value), ("start", "end"))
    except InvalidParameterError as exc:
        raise OgcError(400, "InvalidParameterValue", f"datetime: {exc}") from None


def _day(text: str, whole: str) -> str | None:
    if text in ("", ".."):
        return None
    match = _DATE.match(text.strip())
    if match is None:
        raise OgcError(
            400,
            "InvalidParameterValue",
            f"datetime={whole!r}: give RFC 3339 dates, e.g. 2017-03-01/2017-05-31, "
            "2017-03-01T00:00:00Z/.. or one date",
        )
    return match.group(1)
