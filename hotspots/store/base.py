"""The store interface: everything above it works with any implementation.

SQLite (one file, the embedded default) implements it now; a PostgreSQL/PostGIS
store will implement the same protocol. Stores take and return plain pandas
frames in the incident schema (:mod:`hotspots.schema`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol

import pandas as pd

__all__ = [
    "BATCH_COLUMNS",
    "REJECT_COLUMNS",
    "BatchRecord",
    "BatchResult",
    "IncidentQuery",
    "IncidentStore",
    "PriorityMatch",
    "short_file_name",
]

#: Columns of the rejects report.
REJECT_COLUMNS: tuple[str, ...] = ("row", "field", "reason", "record")

#: Columns returned by :meth:`IncidentStore.batches`.
BATCH_COLUMNS: tuple[str, ...] = (
    "batch_id",
    "file_name",
    "checksum",
    "source",
    "ingested_at",
    "rows_read",
    "rows_stored",
    "rows_rejected",
    "rows_duplicate",
)


@dataclass(frozen=True)
class BatchRecord:
    """What is known about one input file before its rows are stored."""

    file_name: str
    checksum: str  # sha256 of the file's bytes
    source: str
    rows_read: int
    ingested_at: str  # ISO 8601 UTC


def short_file_name(file_name: str) -> str:
    """A batch's file name without its folders, for people who may not see paths.

    ``/srv/data/2017-07.zip!2017-07/2017-07-hampshire-street.csv`` becomes
    ``2017-07.zip!2017-07/2017-07-hampshire-street.csv``: a member of an archive
    keeps the archive's name and its place inside, which say which file it was.
    """
    archive, sep, member = file_name.partition("!")
    return f"{PurePath(archive).name}{sep}{member}"


@dataclass(frozen=True)
class BatchResult:
    """What storing one file did."""

    batch_id: int
    stored: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class PriorityMatch:
    """Incidents of a partnership priority: ANY of a theme, a category or a flag.

    An incident matches when its ``theme`` is one of ``themes`` (``alcohol``
    also matching anything flagged alcohol-related, as the theme filter does),
    OR its ``category`` is one of ``categories`` compared ignoring case and
    reading each ``-`` and ``_`` as a space (SQL: ``lower(replace(replace(
    category, '-', ' '), '_', ' '))`` against the names treated the same way;
    ASCII case folding, as SQLite's ``lower``), OR one of ``flags``
    (schema flag columns) is set. Empty: matches nothing.
    """

    themes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for reading incidents; empty fields mean no filter.

    ``theme="alcohol"`` also matches any incident flagged alcohol-related.
    Months are inclusive ``YYYY-MM`` strings; days (inclusive ``YYYY-MM-DD``)
    refine them and keep only incidents whose whole known date is inside, so a
    day bound part-way through a month leaves out incidents known to the month
    only (police.uk's).

    ``after_id`` and ``limit`` read a page in ``incident_id`` order (keyset
    paging: each page costs the same however deep); ``incident_ids`` picks
    incidents by id.

    ``within_m`` is ``(easting, northing, radius_m)``: incidents within
    ``radius_m`` metres of that point (EPSG:27700), the edge included, e.g.
    around a premises; PostGIS answers it from its spatial index.

    ``flags`` keeps incidents with ANY of these flag columns set (names from
    :data:`hotspots.schema.FLAG_COLUMNS`; others are an error). ``priority``
    keeps incidents matching a :class:`PriorityMatch` (themes OR categories OR
    flags). Both are ANDed with every other filter, like the rest.
    """

    themes: Sequence[str] = ()
    categories: Sequence[str] = ()
    month_from: str | None = None
    month_to: str | None = None
    day_from: str | None = None
    day_to: str | None = None
    ward_codes: Sequence[str] = ()
    lsoa_codes: Sequence[str] = ()
    bbox_bng: tuple[float, float, float, float] | None = None
    sources: Sequence[str] = ()
    columns: Sequence[str] = field(default_factory=tuple)
    incident_ids: Sequence[int] = ()
    after_id: int | None = None
    limit: int | None = None
    flags: Sequence[str] = ()
    priority: PriorityMatch | None = None
    within_m: tuple[float, float, float] | None = None


class IncidentStore(Protocol):
    """Persistence for incidents, batches and rejects.

    A store may also offer ``batch_writer(batch)``: a context manager whose
    ``add(incidents, rejects)`` takes one file in parts inside one transaction
    (SQLite writes a part while the next is prepared). Ingest uses it when
    present and otherwise calls :meth:`add_batch` once per file.
    """

    url: str

    def add_batch(
        self, batch: BatchRecord, incidents: pd.DataFrame, rejects: pd.DataFrame
    ) -> BatchResult:
        """Store one file's incidents and rejects atomically: all or nothing.

        Incidents whose ``incident_id`` is already stored are counted as
        duplicates and not added again.
        """
        ...

    def incidents(self, query: IncidentQuery | None = None) -> pd.DataFrame:
        """Incidents matching ``query`` in the incident schema."""
        ...

    def batches(self) -> pd.DataFrame:
        """Every batch recorded, oldest first (:data:`BATCH_COLUMNS`)."""
        ...

    def rejects(self, batch_id: int | None = None) -> pd.DataFrame:
        """Rejected rows, with their batch's file name."""
        ...

    def batch_with_checksum(self, checksum: str) -> dict[str, Any] | None:
        """The oldest batch whose file had this SHA-256 (its
        :data:`BATCH_COLUMNS`), or None: how ingest knows a file is already in."""
        ...

    def street_points(self) -> pd.DataFrame:
        """Snap points with a street name: location_text, town, easting, northing."""
        ...

    def data_version(self) -> int:
        """A number that changes whenever stored incidents change."""
        ...

    def count(self, query: IncidentQuery | None = None) -> int:
        """Number of stored incidents (matching ``query``, paging ignored)."""
        ...

    def months(self) -> list[str]:
        """Months (``YYYY-MM``) that have incidents, oldest first."""
        ...

    def counts(self, query: IncidentQuery, by: Sequence[str]) -> pd.DataFrame:
        """Incidents matching ``query`` counted per distinct ``by`` columns (``n``)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
