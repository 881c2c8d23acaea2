"""The premises evidence report: a check's result -> HTML (A4) -> PDF, plus a CSV.

:func:`report_numbers` lists every number the report prints; the HTML is
rendered from the same check, and the CSV is those numbers, so the two agree.
The PDF is WeasyPrint's rendering of the HTML (no browser, no outside request:
the map and charts are inline SVG).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

import geopandas as gpd

from hotspots.premises.check import DAYS
from hotspots.reports.svg import TYPE_COLOURS, bar_chart, premises_map

__all__ = ["report_csv", "report_html", "report_numbers", "report_pdf"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

METHOD_NOTES = (
    "Incidents are counted when their stored location (British National Grid, "
    "EPSG:27700) is within the radius of the premises' location, measured in "
    "metres; one exactly at the radius counts.",
    "Expected count: the city's incidents in the period times the circle's area "
    "(π r²) over the city's area; the same with the ward. The rate ratio is "
    "observed over expected, with an exact Poisson 95 % confidence interval "
    "(Garwood: χ² quantiles). 'Not different' means the interval includes 1.",
    "Hotspot: the Getis-Ord Gi* bin of the grid cell holding the premises, from "
    "the layer computed over the whole city for the same period and theme (not "
    "recomputed inside the circle); bins ±1/±2/±3 are 90/95/99 % confidence "
    "with a false-discovery-rate correction.",
    "Before/after: the monthly rates in whole months either side of the date, "
    "tested exactly (the after count given the total is binomial under no "
    "change); 'beyond chance' means p < 0.05.",
    "Outlet density: other premises of the register within the outlet radius.",
    "Disclosure: counts of domestic abuse, sexual offences and hate crime "
    "between 1 and 4 are shown as 'fewer than 5' to anyone but analysts; incident "
    "locations on the map with fewer incidents than the role may see are left out.",
)


def report_numbers(check: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every number in the report: section, item, value."""
    rows: list[dict[str, Any]] = []

    def add(section: str, item: str, value: Any) -> None:
        rows.append({"section": section, "item": item, "value": value})

    add("check", "radius_m", f"{check['radius_m']:g}")
    add("check", "months", check["period"]["months"])
    add("incidents", "total", check["total"])
    for key, table in (("theme", "by_theme"), ("category", "by_category")):
        for r in check[table]:
            add(f"by {key}", r[key], r["count"])
    for r in check["by_source"]:
        add("by source", r["source"], r["count"])
    for r in check["by_month"]:
        add("by month", r["month"], r["count"])
    profile = check["profile"]
    add("profile", "incidents with a time", profile["timed"])
    add("profile", "incidents with a date", profile["dated"])
    for hour, value in enumerate(profile["by_hour"]):
        add("by hour", f"{hour:02d}:00", value)
    for r in profile["by_day"]:
        add("by day", r["day"], r["count"])
    add("profile", "late night (22:00-05:59)", profile["late_night"])
    add("profile", "Friday and Saturday", profile["fri_sat"])
    for name, c in check["comparison"].items():
        add(f"against the {name}", "observed", c["observed"])
        add(f"against the {name}", "expected", f"{c['expected']:.1f}")
        add(f"against the {name}", "rate ratio", f"{c['ratio']:.1f}")
        add(f"against the {name}", "95 % CI low", f"{c['ci_low']:.1f}")
        add(f"against the {name}", "95 % CI high", f"{c['ci_high']:.1f}")
    gistar = check.get("gistar")
    if gistar and gistar.get("bin") is not None:
        add("hotspot", "Gi* bin", gistar["bin"])
        add("hotspot", "Gi* z", f"{gistar['z']:.2f}")
        add("hotspot", "incidents in the cell", gistar["cell_incidents"])
    for r in check["sensitive"]:
        add("sensitive", r["label"], r["count"])
    outlets = check["outlets"]
    add("outlets", f"other premises within {outlets['radius_m']:g} m", outlets["count"])
    for r in outlets["by_type"]:
        add("outlets", r["type"], r["count"])
    for r in outlets["nearby"]:
        add("nearby premises (m)", r["name"], r["distance_m"])
    change = check.get("before_after")
    if change and "error" not in change:
        add("before/after", "incidents before", change["before"])
        add("before/after", "incidents after", change["after"])
        add("before/after", "months before", change["months_before"])
        add("before/after", "months after", change["months_after"])
        add("before/after", "per month before", f"{change['rate_before']:.1f}")
        add("before/after", "per month after", f"{change['rate_after']:.1f}")
        add("before/after", "p-value", f"{change['p_value']:.3f}")
    for r in check["sources"]:
        add("sources", f"{r['source']} incidents in the city", r["incidents"])
    return rows


def report_csv(check: Mapping[str, Any]) -> str:
    """The report's numbers as CSV (section, item, value)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["section", "item", "value"])
    writer.writeheader()
    writer.writerows(report_numbers(check))
    return buffer.getvalue()


def report_html(
    check: Mapping[str, Any],
    wards: gpd.GeoDataFrame,
    cia: gpd.GeoDataFrame | None,
    *,
    generated_by: str,
    attribution: list[str],
    register_attribution: str = "",
    generated_at: datetime | None = None,
) -> str:
    """The report page (A4 print CSS, inline SVG map and charts)."""
    profile = check["profile"]
    hours = profile["by_hour"]
    late = [h for h in range(24) if h >= 22 or h < 6]
    months = check["by_month"]
    return _env.get_template("evidence.html.j2").render(
        c=check,
        p=check["premises"],
        map_svg=premises_map(check, wards, cia),
        hour_svg=bar_chart(
            [f"{h:02d}" for h in range(24)], hours,
            title="Incidents by hour of day (records with a time)", highlight=late,
        ),
        day_svg=bar_chart(
            list(DAYS), [r["count"] for r in profile["by_day"]], width=310,
            title="By day of week (records with a date)", highlight=[4, 5],
        ),
        month_svg=bar_chart(
            [r["month"] for r in months], [r["count"] for r in months], width=310,
            title="By month (all records)",
        ),
        type_colours=TYPE_COLOURS,
        method_notes=METHOD_NOTES,
        attribution=attribution,
        register_attribution=register_attribution,
        generated_by=generated_by,
        generated_at=(generated_at or datetime.now(UTC)).strftime("%d %B %Y %H:%M UTC"),
    )  # fmt: skip


def report_pdf(html: str) -> bytes:
    """The report as PDF (WeasyPrint; needs pango, see .ci/run)."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ImportError(
            "the PDF report needs WeasyPrint: pip install weasyprint "
            "(and Debian's libpango-1.0-0 libpangoft2-1.0-0)"
        ) from exc
    return bytes(HTML(string=html, base_url=str(_TEMPLATES)).write_pdf())
