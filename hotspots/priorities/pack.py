"""The strategic assessment pack: every priority's figures, summary and layers.

:func:`build_pack` is what the report, the CLI and the API share: it reads the
priorities in force (the area pack's or the bundled ones), computes each one's
figures for the caller's role, writes its summary and, where a priority asks
for it, its co-location layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hotspots.access import policy_for
from hotspots.areas.pack import AreaPack
from hotspots.errors import InvalidParameterError
from hotspots.priorities.colocation import colocation_layer
from hotspots.priorities.figures import (
    PriorityContext,
    comparison_period,
    priority_figures,
)
from hotspots.priorities.model import load_priorities
from hotspots.priorities.summary import summary_sentences
from hotspots.priorities.weights import HarmWeights
from hotspots.store import IncidentStore

__all__ = ["build_pack", "default_months"]


def default_months(stored: list[str], length: int = 3) -> tuple[str, str]:
    """The latest ``length`` months the store holds."""
    if not stored:
        raise InvalidParameterError("the store holds no incidents yet")
    picked = stored[-length:]
    return picked[0], picked[-1]


def build_pack(
    store: IncidentStore,
    pack: AreaPack | None,
    *,
    month_from: str | None,
    month_to: str | None,
    role: Any,
    weights: HarmWeights | None = None,
    only: list[str] | None = None,
    backtest: bool = True,
) -> dict[str, Any]:
    """Figures, summary and co-location layer of each priority (or ``only``).

    ``role`` is a :class:`hotspots.access.Role`; its policy decides which
    flags are left out and the disclosure rule every count passes through.
    """
    stored = store.months()
    lo, hi = default_months(stored)
    month_from, month_to = month_from or lo, month_to or hi
    if month_from > month_to:
        raise InvalidParameterError(
            f"period {month_from} to {month_to}: the start is after the end"
        )
    policy = policy_for(role)
    book = load_priorities(pack)
    ctx = PriorityContext(
        store,
        pack,
        policy.excluded_flags,
        policy.disclosure,
        policy.role.value,
        weights,
        book.population,
        backtest,
    )
    period = comparison_period(stored, month_from, month_to)
    priorities = []
    for priority in book.priorities:
        if only and priority.id not in only:
            continue
        figures = priority_figures(ctx, priority, period)
        figures["summary"] = summary_sentences(figures)
        if priority.colocation is not None and figures["total"]:
            figures["colocation"] = colocation_layer(ctx, priority, period)
        priorities.append(figures)
    return {
        "title": "Partnership priorities: where harm concentrates",
        "area": (pack.title if pack else "Portsmouth"),
        "priorities_source": book.source,
        "period": {"from": month_from, "to": month_to},
        "comparison": {
            "from": period.compare_from,
            "to": period.compare_to,
            "kind": period.compare_kind,
            "note": period.compare_note,
        },
        "role": policy.role.value,
        "disclosure": (
            policy.disclosure.describe()
            if policy.disclosure
            else {"role": "analyst", "rule": "none: every count as computed"}
        ),
        "excluded_flags": list(policy.excluded_flags),
        "population": (
            {"source": book.population.source, "year": book.population.year}
            if book.population
            else None
        ),
        "weighting": (weights.describe() if weights else None),
        "data_version": store.data_version(),
        "generated_at": datetime.now(UTC).strftime("%d %B %Y %H:%M UTC"),
        "priorities": priorities,
    }
