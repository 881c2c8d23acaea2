"""HTML panels of the map page: controls, what is shown, legend and sources.

Plain functions returning HTML strings (every value escaped), so the map builder
stays short and the panels can be tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "METHOD_LABELS",
    "PAGE_CSS",
    "THEME_LABELS",
    "LegendEntry",
    "Source",
    "controls_html",
    "format_value",
    "info_html",
    "legend_html",
    "method_label",
    "sources_html",
    "theme_label",
]

THEME_LABELS: dict[str, str] = {
    "all": "All incidents",
    "asb": "Anti-social behaviour",
    "violence": "Violence",
    "drugs": "Drugs",
    "alcohol": "Alcohol-related",
    "other": "Other crime",
}
METHOD_LABELS: dict[str, str] = {
    "gistar": "Getis-Ord Gi* hot and cold spots",
    "kde": "Kernel density (KDE)",
    "grid": "Grid counts",
    "dbscan": "DBSCAN clusters",
    "hdbscan": "HDBSCAN clusters",
}
#: Parameters that describe the request rather than the method.
_CONTEXT = {
    "method",
    "theme",
    "period_from",
    "period_to",
    "area_code",
    "area_name",
    "data_version",
    "categories",
    "excluded_flags",
    "trust",  # shown in the legend (api/map_change.py)
}

PAGE_CSS = """
body .leaflet-container { background: #cddfeb; }
body .leaflet-control-layers { font-size: 12px; }
.hs-panel { position: fixed; z-index: 1000; background: rgba(255,255,255,.94);
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35); padding: 8px 10px;
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; }
.hs-info { top: 10px; left: 54px; width: 330px; max-height: calc(100% - 290px);
  overflow-y: auto; }
.hs-info h1 { font-size: 15px; margin: 0 0 4px; font-weight: 600; }
.hs-info form { display: grid; grid-template-columns: auto 1fr; gap: 3px 6px;
  align-items: center; margin: 4px 0 6px; }
.hs-info select { font-size: 12px; padding: 1px 2px; }
.hs-info .hs-buttons { grid-column: 1 / 3; display: flex; gap: 8px;
  align-items: center; }
.hs-info dl { margin: 4px 0; } .hs-info dt { font-weight: 600; }
.hs-info dd { margin: 0 0 3px 8px; } .hs-note { color: #8a3b00; }
.hs-params { margin: 0; padding-left: 14px; } .hs-auto { color: #555; }
.hs-legend { bottom: 48px; left: 10px; max-width: 260px; }
.hs-legend h2, .hs-sources h2 { font-size: 12px; font-weight: 600; margin: 0 0 3px; }
.hs-legend ul { list-style: none; margin: 0 0 4px; padding: 0; }
.hs-swatch { display: inline-block; width: 14px; height: 11px; margin-right: 5px;
  border: 1px solid #888; vertical-align: -1px; }
.hs-sources { bottom: 24px; right: 10px; max-width: 380px; font-size: 11px; }
.hs-sources p { margin: 0 0 3px; }
.ward-label { font: 600 11px system-ui, Arial, sans-serif; color: #222;
  text-align: center; white-space: nowrap; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
"""


@dataclass(frozen=True)
class LegendEntry:
    """One legend section: a title and (colour, label) rows."""

    section_id: str
    title: str
    rows: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True)
class Source:
    """A data source: what it is, the months it covers and its attribution."""

    label: str
    months: str
    attribution: str


def theme_label(theme: str) -> str:
    """Display name of a theme value (or ``all``)."""
    return THEME_LABELS.get(theme, theme)


def method_label(method: str) -> str:
    """Display name of a method."""
    return METHOD_LABELS.get(method, method)


def format_value(value: Any) -> str:
    """A parameter value for people: floats to 3 significant figures."""
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "none"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value) or "none"
    return str(value)


def _options(values: Sequence[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>'
        f"{escape(label)}</option>"
        for v, label in values
    )


def controls_html(
    query: Mapping[str, str],
    months: Sequence[str],
    areas: Sequence[tuple[str, str]],
    methods: Sequence[str],
) -> str:
    """The form that reloads the page with new theme, method, period and area."""
    month_rows = [(m, m) for m in months]
    selects = [
        ("theme", "Theme", list(THEME_LABELS.items())),
        ("method", "Method", [(m, method_label(m)) for m in methods]),
        ("from", "From", month_rows),
        ("to", "To", month_rows),
        ("area", "Area", list(areas)),
    ]
    fields = "".join(
        f'<label for="hs-{name}">{label}</label>'
        f'<select id="hs-{name}" name="{name}" onchange="this.form.submit()">'
        f"{_options(values, query.get(name, ''))}</select>"
        for name, label, values in selects
    )
    export = "export.html?" + urlencode(query)
    return (
        f'<form id="hs-controls" method="get" action="">{fields}'
        '<div class="hs-buttons"><button type="submit">Show</button>'
        f'<a id="export-link" href="{escape(export)}" download>'
        "Export this view (HTML)</a></div></form>"
    )


def info_html(
    title: str, summary: Mapping[str, str], layer: Mapping[str, Any] | None
) -> str:
    """What is shown: period, theme, area, method and every parameter used."""
    rows = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in summary.items()
    )
    return f"<h1>{escape(title)}</h1><dl>{rows}</dl>{_parameters_html(layer)}"


def _parameters_html(layer: Mapping[str, Any] | None) -> str:
    if not layer:
        return ""
    auto = set(layer.get("auto", ()))
    items = []
    for name, value in layer.get("parameters", {}).items():
        if name in _CONTEXT:
            continue
        text = format_value(value)
        mark = ' <span class="hs-auto">(auto)</span>' if name in auto else ""
        if len(text) > 40:
            text = f'<span title="{escape(text)}">{escape(text[:37])}…</span>'
        else:
            text = escape(text)
        items.append(f"<li>{escape(name)} = {text}{mark}</li>")
    return (
        "<details open><summary>Method parameters ((auto) = chosen from the data)"
        f'</summary><ul class="hs-params">{"".join(items)}</ul></details>'
    )


def legend_html(entries: Sequence[LegendEntry]) -> str:
    """Legend sections; each is shown while its layer is on (see the page script)."""
    parts = ["<h2>Legend</h2>"]
    for entry in entries:
        rows = "".join(
            f'<li><span class="hs-swatch" style="background:{escape(colour)}">'
            f"</span>{escape(label)}</li>"
            for colour, label in entry.rows
        )
        note = f"<small>{escape(entry.note)}</small>" if entry.note else ""
        parts.append(
            f'<div id="{escape(entry.section_id)}"><strong>{escape(entry.title)}'
            f"</strong><ul>{rows}</ul>{note}</div>"
        )
    return "".join(parts)


def sources_html(sources: Sequence[Source], extra: Sequence[str]) -> str:
    """Data sources with the months they cover and their attribution."""
    parts = ["<h2>Data sources</h2>"]
    for source in sources:
        parts.append(
            f"<p><strong>{escape(source.label)}</strong> ({escape(source.months)}). "
            f"{escape(source.attribution)}</p>"
        )
    parts.extend(f"<p>{escape(text)}</p>" for text in extra)
    return "".join(parts)
