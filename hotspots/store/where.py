"""One ``WHERE`` clause for an :class:`IncidentQuery`, whichever store runs it.

Both stores must select exactly the same incidents for the same query (the area
rule, the period edges, priorities), so the clause is built here once; a store
supplies only its :class:`Dialect`: how a parameter is marked, how a list or a
flag is tested, and how the spatial filters are written (plain comparisons on
SQLite, PostGIS functions on the GiST index).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from hotspots.period import day_after
from hotspots.schema import FLAG_COLUMNS, DatePrecision, Theme
from hotspots.store.base import IncidentQuery, PriorityMatch

__all__ = ["Dialect", "where_clause"]


class Dialect(ABC):
    """What differs between the stores' SQL."""

    #: The parameter mark ("?" or "%s").
    mark: str

    @abstractmethod
    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        """``column`` equals one of ``values``."""

    @abstractmethod
    def is_true(self, column: str) -> str:
        """A flag column is set."""

    @abstractmethod
    def in_box(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[str, list[object]]:
        """The incident lies in the BNG box (edges included)."""

    @abstractmethod
    def within(self, x: float, y: float, radius_m: float) -> tuple[str, list[object]]:
        """The incident lies within ``radius_m`` of (x, y), the edge included."""


def where_clause(query: IncidentQuery, sql: Dialect) -> tuple[str, list[object]]:
    """``WHERE ...`` (or "") and its parameters for ``query`` in ``sql``'s dialect."""
    clauses: list[str] = []
    params: list[object] = []
    m = sql.mark

    def add(clause: str, values: Sequence[object] = ()) -> None:
        clauses.append(clause)
        params.extend(values)

    def any_of(column: str, values: Sequence[object]) -> None:
        add(*sql.any_of(column, list(values)))

    if query.themes:
        themes = [str(t) for t in query.themes]
        clause, values = sql.any_of("theme", themes)
        if Theme.ALCOHOL.value in themes:  # alcohol: the theme or the flag
            clause = f"({clause} OR {sql.is_true('alcohol_related')})"
        add(clause, values)
    if query.categories:
        any_of("category", [str(c) for c in query.categories])
    if query.sources:
        any_of("source", [str(s) for s in query.sources])
    if query.ward_codes:
        any_of("ward_code", [str(c) for c in query.ward_codes])
    if query.lsoa_codes:
        any_of("lsoa_code", [str(c) for c in query.lsoa_codes])
    if query.month_from:
        add(f"month >= {m}", [query.month_from])
    if query.month_to:
        add(f"month <= {m}", [query.month_to])
    if query.day_from:  # ISO text: the start of the known period is on/after it
        add(f"occurred_at >= {m}", [query.day_from])
    if query.day_to:  # ... and its end is before the next day
        end = day_after(query.day_to)
        add(
            f"occurred_at < {m} AND (occurred_precision <> '{DatePrecision.MONTH}' "
            f"OR month < {m})",
            [end, end[:7]],
        )
    if query.incident_ids:
        any_of("incident_id", [int(i) for i in query.incident_ids])
    if query.after_id is not None:
        add(f"incident_id > {m}", [int(query.after_id)])
    if query.bbox_bng:
        add(*sql.in_box(*(float(v) for v in query.bbox_bng)))
    if query.within_m:
        add(*sql.within(*(float(v) for v in query.within_m)))
    if query.flags:
        add(_any_flag(query.flags, sql))
    if query.priority is not None:
        add(*_priority_clause(query.priority, sql))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _any_flag(flags: Sequence[str], sql: Dialect) -> str:
    """``(f1 OR f2)``; a name that is no flag column is an error (it becomes
    SQL text, so only the schema's own names may pass)."""
    unknown = sorted(set(flags) - set(FLAG_COLUMNS))
    if unknown:
        raise ValueError(
            f"unknown flag(s) {', '.join(unknown)}; flags: {', '.join(FLAG_COLUMNS)}"
        )
    return "(" + " OR ".join(sql.is_true(f) for f in dict.fromkeys(flags)) + ")"


def _priority_clause(match: PriorityMatch, sql: Dialect) -> tuple[str, list[object]]:
    """Theme OR category OR flag, as :class:`PriorityMatch` documents."""
    parts: list[str] = []
    params: list[object] = []
    if match.themes:
        clause, values = sql.any_of("theme", [str(t) for t in match.themes])
        parts.append(clause)
        params.extend(values)
        if Theme.ALCOHOL.value in match.themes:
            parts.append(sql.is_true("alcohol_related"))
    if match.categories:
        keys = [c.lower().replace("-", " ").replace("_", " ") for c in match.categories]
        clause, values = sql.any_of(
            "lower(replace(replace(category, '-', ' '), '_', ' '))", keys
        )
        parts.append(clause)
        params.extend(values)
    if match.flags:
        parts.append(_any_flag(match.flags, sql))
    return ("(" + " OR ".join(parts) + ")" if parts else "1 = 0"), params
