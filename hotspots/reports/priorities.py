"""The priorities pack as a page: HTML (A4 print CSS, inline SVG) -> PDF, and JSON.

Rendered from :func:`hotspots.priorities.pack.build_pack`'s result, so the page,
the PDF and the JSON state the same figures. The PDF is WeasyPrint's rendering
of the HTML (:func:`hotspots.reports.evidence.report_pdf`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

import geopandas as gpd

from hotspots.priorities.figures import CHANGE_TEST
from hotspots.priorities.summary import fmt_p
from hotspots.reports.evidence import report_pdf
from hotspots.reports.priorities_svg import SHADES, priority_map, trend_chart

__all__ = [
    "data_attribution",
    "make_priorities_report",
    "pack_html",
    "pack_json",
    "pack_pdf",
]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

METHOD_NOTES = (
    "Incidents of a priority: any incident whose theme, source category or flag "
    "the priority names (priorities.toml), in the study area by the ward or LSOA "
    "code given at ingest. Share of all: of every incident in the study area in "
    "the period that the role may see.",
    f"Change: {CHANGE_TEST}. Ward tests are not adjusted for the number of wards.",
    "Map: the recipe (method, months shown) with the best mean Predictive "
    "Efficiency Index at 5 % of cells in a rolling backtest on the priority's own "
    "incidents (100 m cells; each month predicted from the months before); its "
    "trust figure is how the same recipe did on the months after each earlier "
    "origin.",
    "Persistent and emerging: Emerging Hot Spot Analysis (space-time Gi* per "
    "month on 100 m cells, Benjamini-Hochberg FDR, Mann-Kendall trend), as ArcGIS "
    "defines the classes.",
    "Every count passes through the one disclosure rule of the caller's role "
    "(hotspots/disclosure.py); the summary sentences state the counts as shown.",
)
SCORE_NAMES = {
    "n": "incident count",
    "w": "harm-weighted count",
    "density_km2": "kernel density",
    "gistar_z": "Gi* z-score",
}


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _sources(sources: Mapping[str, int]) -> str:
    if not sources:
        return "no incidents"
    return ", ".join(f"{name} ({_count(n)})" for name, n in sources.items())


def _selection(figures: Mapping[str, Any]) -> str:
    sel = figures["selection"]
    parts = [
        f"{what} {', '.join(sel[key])}"
        for key, what in (
            ("themes", "themes"),
            ("categories", "categories"),
            ("flags", "flags"),
        )
        if sel[key]
    ]
    if figures["missing_flags"]:
        parts.append(
            f"flags no source carries yet: {', '.join(figures['missing_flags'])}"
        )
    return "; ".join(parts)


def _wards_with(figures: Mapping[str, Any]) -> int:
    return sum(1 for w in figures["wards"] if w["count"] > 0 and w["code"])


_env.globals.update(
    count=_count,
    fmt_p=fmt_p,
    sources=_sources,
    wards_with=_wards_with,
    selection=_selection,
)


def pack_html(
    pack: Mapping[str, Any],
    wards: gpd.GeoDataFrame,
    *,
    attribution: list[str],
    generated_by: str,
) -> str:
    """The pack's page: per priority a map, a trend chart, the ward table and
    the summary; every figure captioned with its data source and period."""
    priorities = []
    for f in pack["priorities"]:
        f = dict(f)
        if f["total"]:
            hot = f["hotspots"]
            f["map_svg"] = priority_map(
                wards,
                hot.get("cells"),
                hot.get("top", ()),
                label=f"{f['name']}: hotspot map",
            )
            f["trend_svg"] = trend_chart(
                f["monthly"], title=f"{f['name']}: incidents per month"
            )
            if "colocation" in f:
                cells = f["colocation"]["cells"]
                f["colocation_svg"] = priority_map(
                    wards,
                    None,
                    colocated=cells[cells["colocated"]],
                    label=f"{f['colocation']['name']}",
                )
        priorities.append(f)
    return _env.get_template("priorities.html.j2").render(
        pk={**pack, "priorities": priorities},
        method_notes=METHOD_NOTES,
        attribution=attribution,
        generated_by=generated_by,
        shades=SHADES,
        score_names=SCORE_NAMES,
    )


def pack_pdf(html: str) -> bytes:
    """The pack as PDF (WeasyPrint)."""
    return report_pdf(html)


def _plain(value: Any) -> Any:
    """The pack without frames (cells are in the layers' own GeoJSON)."""
    if isinstance(value, gpd.GeoDataFrame):
        return None
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if k != "cells"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def pack_json(pack: Mapping[str, Any]) -> str:
    """Every figure of the pack as JSON (the numbers the page states)."""
    return json.dumps(_plain(pack), indent=1, default=str)


def data_attribution(pack: Mapping[str, Any], area_attribution: list[str]) -> list[str]:
    """What the pack's data came from: each source's incidents, then the area
    pack's boundary and postcode attributions."""
    sources: dict[str, int] = {}  # the source names, in any priority
    for f in pack["priorities"]:
        for name in f["sources"]:
            sources[name] = 1
    out = []
    for name in sorted(sources):
        if name.startswith("police.uk"):
            out.append(
                f"{name}: police.uk street-level crime. Contains public sector "
                "information licensed under the Open Government Licence v3.0."
            )
        else:
            out.append(f"{name}: a local source ingested by the partnership.")
    return out + list(area_attribution)


def make_priorities_report(
    store: Any,
    area_pack: Any,
    *,
    month_from: str | None,
    month_to: str | None,
    role: Any,
    weights: Any = None,
    only: list[str] | None = None,
    note: str = "",
    generated_by: str,
) -> tuple[dict[str, Any], str]:
    """Build the pack for ``role`` and render its page: (figures, HTML)."""
    from hotspots.areas.registry import default_pack
    from hotspots.priorities.pack import build_pack

    area_pack = area_pack or default_pack()
    built = build_pack(
        store,
        area_pack,
        month_from=month_from,
        month_to=month_to,
        role=role,
        weights=weights,
        only=only,
    )
    attribution = data_attribution(built, area_pack.attribution())
    if note:
        attribution.insert(0, note)
    html = pack_html(
        built,
        area_pack.boundaries("ward"),
        attribution=attribution,
        generated_by=generated_by,
    )
    return built, html
