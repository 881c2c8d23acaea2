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
    "FLAG_LABELS",
    "METHOD_LABELS",
    "THEME_LABELS",
    "LegendEntry",
    "Source",
    "controls_html",
    "flag_label",
    "format_value",
    "info_html",
    "legend_html",
    "method_label",
    "page_html",
    "parameters_html",
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
#: Display names of the incident flags (hotspots.schema.FLAG_COLUMNS).
FLAG_LABELS: dict[str, str] = {
    "alcohol_related": "Alcohol-related",
    "domestic_abuse": "Domestic abuse",
    "hate_crime": "Hate crime",
    "sexual_offence": "Sexual offence",
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


def flag_label(flag: str) -> str:
    """Display name of a flag (its column name with spaces if not listed)."""
    return FLAG_LABELS.get(flag, flag.replace("_", " ").capitalize())


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
    *,
    priorities: Sequence[tuple[str, str]] = (),
    flags: Sequence[str] = (),
) -> str:
    """The form that reloads the page with new priority, theme, flag, method,
    period and area.

    A hidden ``view`` (kept up to date by the page script) keeps the map where
    it is when the theme, method or period change; choosing an area drops it,
    so the map zooms to the area. A priority replaces the theme: choosing one
    sets the theme to ``all``, and choosing a theme clears the priority.
    ``priorities`` are (id, name); ``flags`` those the page's role may see.
    """
    month_rows = [(m, m) for m in months]
    themes = list(THEME_LABELS.items())
    if query.get("priority"):  # say why the theme shows "all"
        themes[0] = ("all", "All (the priority chooses)")
    selects = [
        ("theme", "Theme", themes),
        ("priority", "Priority", [("", "none"), *priorities]),
        ("flag", "Flag", [("", "any"), *((f, flag_label(f)) for f in flags)]),
        ("method", "Method", [(m, method_label(m)) for m in methods]),
        ("from", "From", month_rows),
        ("to", "To", month_rows),
        ("area", "Area", list(areas)),
    ]
    if not priorities:
        selects = [s for s in selects if s[0] != "priority"]
    before = {  # what choosing one also changes before the form is sent
        "area": "this.form.view.disabled=true;",
        "theme": "if(this.form.priority)this.form.priority.value='';",
        "priority": "if(this.value)this.form.theme.value='all';",
    }
    fields = "".join(
        f'<label for="hs-{name}">{label}</label>'
        f'<select id="hs-{name}" name="{name}" onchange="{before.get(name, "")}'
        f'this.form.submit()">{_options(values, query.get(name, ""))}</select>'
        for name, label, values in selects
    )
    export = "export.html?" + urlencode(query)
    printable = "?" + urlencode({**query, "print": "1"})
    return (
        f'<form id="hs-controls" method="get" action="">{fields}'
        '<input type="hidden" name="view" id="hs-view-field" disabled>'
        '<div class="hs-buttons"><button type="submit" class="hs-button">Show'
        f'</button><a id="export-link" class="hs-button" href="{escape(export)}" '
        "download>Export (HTML)</a>"
        f'<a id="hs-print-link" class="hs-button" href="{escape(printable)}" '
        'target="_blank">Print view</a></div></form>'
    )


def info_html(summary: Mapping[str, str]) -> str:
    """What is shown: theme, period, area, method and the counts behind it."""
    rows = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in summary.items()
    )
    return f'<dl id="hs-summary">{rows}</dl>'


def parameters_html(layer: Mapping[str, Any] | None) -> str:
    """Every parameter of the layer shown, those chosen from the data marked."""
    return _parameters_html(layer)


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
        '<details id="hs-params-box"><summary>Method parameters</summary>'
        "<small>(auto) = chosen from the data</small>"
        f'<ul class="hs-params">{"".join(items)}</ul></details>'
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
    parts = []
    for source in sources:
        parts.append(
            f"<p><strong>{escape(source.label)}</strong> ({escape(source.months)}). "
            f"{escape(source.attribution)}</p>"
        )
    parts.extend(f"<p>{escape(text)}</p>" for text in extra)
    return "".join(parts)


def page_html(
    *,
    title: str,
    bar_text: str,
    controls: str,
    shown: str,
    parameters: str,
    sources: str,
    premises: str = "",
) -> str:
    """The top bar and the panel (a drawer on narrow screens) around the map.

    The panel, top to bottom: the controls, the legend (written by the page
    script from the layer it fetched), what is shown (period, area, counts,
    trust), the layers (Leaflet's control, moved in by the page script), the
    method parameters, the premises search and the data sources.
    """
    return (
        '<header class="hs-bar" id="hs-bar">'
        '<button type="button" class="hs-menu" id="hs-menu" aria-controls="hs-drawer"'
        ' aria-expanded="false">&#9776; Menu</button><div class="hs-bar-title">'
        f'<strong>{escape(title)}</strong><span id="hs-bar-view">'
        f"{escape(bar_text)}</span></div></header>"
        '<aside class="hs-drawer" id="hs-drawer" tabindex="-1" aria-label="Map panel">'
        '<div class="hs-drawer-head"><h1>' + escape(title) + "</h1>"
        '<button type="button" class="hs-close" id="hs-close" aria-label="Close panel">'
        "&times;</button></div>"
        f'<section class="hs-info" id="hs-info">{controls}'
        '<details open id="hs-legend" class="hs-legend"><summary>Legend</summary>'
        '<div id="hs-legend-body"></div></details>'
        '<details open id="hs-shown"><summary>What this map shows</summary>'
        f"{shown}</details></section>"
        '<details open id="hs-layers-box"><summary>Layers</summary>'
        '<div id="hs-layers"></div></details>'
        f"{parameters}{premises}"
        f'<details id="hs-sources" class="hs-sources"><summary>Data sources</summary>'
        f"{sources}</details></aside>"
    )
