"""One call per job, shared by the web service and the CLI: check, rank, report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hotspots.access import AccessPolicy
from hotspots.areas.pack import AreaPack
from hotspots.errors import HotspotError, InvalidParameterError
from hotspots.layers import LayerRequest, compute_layer
from hotspots.premises.check import check_premises
from hotspots.premises.context import (
    CheckContext,
    CheckRequest,
    build_context,
    gistar_request,
    period_of,
)
from hotspots.premises.rank import rank_premises
from hotspots.reports.evidence import report_csv, report_html, report_pdf
from hotspots.store import IncidentStore
from hotspots.store.premises_sqlite import PremisesRegister

__all__ = [
    "SAMPLE_REGISTER_ATTRIBUTION",
    "LayerSource",
    "PremisesNotFoundError",
    "Report",
    "context_for",
    "get_premises",
    "make_report",
    "rank",
]

SAMPLE_REGISTER_ATTRIBUTION = (
    "Portsmouth City Council business rates (NNDR) list, January 2022 (council open "
    "data, OGL v3.0), via github.com/hajkeats/portsmouth_business_rates; no licence "
    "or hours"
)

#: Gives the study-area Gi* layer for a request (the API passes its cache).
LayerSource = Callable[[LayerRequest], Mapping[str, Any]]


class PremisesNotFoundError(InvalidParameterError):
    """No premises with that id in the register."""


def get_premises(register: PremisesRegister, premises_id: str) -> dict[str, Any]:
    """One premises, or an error naming the id."""
    found = register.get(premises_id)
    if found is None:
        raise PremisesNotFoundError(
            f"no premises {premises_id!r} in the register "
            f"({register.count()} premises; search with /api/v1/premises?q=...)"
        )
    return found


def context_for(
    store: IncidentStore,
    pack: AreaPack,
    register: PremisesRegister,
    request: CheckRequest,
    policy: AccessPolicy,
    layers: LayerSource | None = None,
) -> CheckContext:
    """The shared inputs of checks, with the city's Gi* layer for the period."""
    first, last = period_of(store, request)
    layer_request = gistar_request(request, policy, first, last)
    try:
        layer = (
            layers(layer_request)
            if layers
            else compute_layer(store, layer_request, pack)
        )
    except HotspotError:  # e.g. no incidents of the theme: no bin, said so
        layer = None
    return build_context(
        store, pack, register.premises(), request, policy=policy, gistar_layer=layer
    )


def rank(context: CheckContext, types: tuple[str, ...]) -> pd.DataFrame:
    """Premises of ``types`` ranked by incidents within the radius."""
    return rank_premises(context, types)


@dataclass(frozen=True)
class Report:
    """A report in its three forms (the PDF made on demand)."""

    check: dict[str, Any]
    html: str
    csv: str

    def pdf(self) -> bytes:
        """The HTML printed to PDF."""
        return report_pdf(self.html)


def make_report(
    premises: Mapping[str, Any],
    context: CheckContext,
    pack: AreaPack,
    generated_by: str,
) -> Report:
    """The evidence report of one premises."""
    check = check_premises(premises, context)
    sample = str(premises.get("source", "")).startswith("portsmouth-ndr")
    html = report_html(
        check,
        context.wards,
        context.cia,
        generated_by=generated_by,
        attribution=pack.attribution(),
        register_attribution=SAMPLE_REGISTER_ATTRIBUTION if sample else "",
    )
    return Report(check, html, report_csv(check))
