"""Gather what the map page says from the store: the view, boundaries, sources.

Used by the map routes; no FastAPI here. The page itself draws no features
from here: its layers come from the API (:mod:`api.map_api`). ``methods`` and
``with_incidents`` of :func:`gather_map_data` still compute layers through the
app's :class:`~api.cache.LayerCache` and incidents per location, for callers
that want them as data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely
from shapely.geometry import mapping

from api.cache import LayerCache
from api.mappanels import Source, method_label, theme_label
from api.mapview import MapData, MapView
from hotspots.access import SENSITIVE_FLAGS, AccessPolicy
from hotspots.analysis.registry import METHODS
from hotspots.areas import CITY, Area, area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import default_pack
from hotspots.crs import BNG
from hotspots.disclosure import located_incidents
from hotspots.errors import EmptyInputError, HotspotError, InvalidParameterError
from hotspots.layers import LayerRequest
from hotspots.priorities import PrioritiesError, Priority, load_priorities
from hotspots.schema import FLAG_COLUMNS
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.themes import parse_theme

__all__ = ["clamp_period", "gather_map_data", "resolve_view"]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_POLICE_UK = (
    "Contains public sector information licensed under the Open Government "
    "Licence v3.0."
)


def resolve_view(
    months: Sequence[str],
    *,
    theme: str | None = None,
    method: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    area: str | None = None,
    view: str | None = None,
    priority: str | None = None,
    flag: str | None = None,
    pack: AreaPack | None = None,
    excluded_flags: Sequence[str] = SENSITIVE_FLAGS,
) -> MapView:
    """The view asked for, with defaults: latest three months with data, city, Gi*.

    A priority replaces the theme (a theme asked with one is dropped, with a
    notice); a flag in ``excluded_flags`` (those the page's role may not see)
    is refused, not shown as an empty map.
    """
    theme = (theme or "all").strip().lower()
    if theme != "all":
        theme = parse_theme(theme).value
    method = (method or "gistar").strip().lower()
    if method not in METHODS:
        valid = ", ".join(METHODS)
        raise InvalidParameterError(f"unknown method {method!r}; valid: {valid}")
    for value in (month_from, month_to):
        if value and not _MONTH.match(value):
            raise InvalidParameterError(f"month {value!r} must be YYYY-MM")
    priority = _priority(priority, pack)
    flag = _flag(flag, excluded_flags)
    month_from, month_to, notice = _period(months, month_from, month_to)
    if priority and theme != "all":
        dropped = (
            f"Priority {priority.name} replaces the theme: "
            f"{theme_label(theme)} not applied"
        )
        notice = f"{dropped}. {notice}".strip() if notice else dropped
        theme = "all"
    chosen = resolve_area(area, pack)
    code = CITY if chosen.is_city else chosen.code
    return MapView(
        theme, method, month_from, month_to, code, _parse_view(view), notice,
        priority.id if priority else "", flag,
    )  # fmt: skip


def _priority(value: str | None, pack: AreaPack | None) -> Priority | None:
    """The priority asked for (an id in the pack's priorities), or None."""
    value = (value or "").strip().lower()
    if not value or value == "none":
        return None
    try:
        return load_priorities(pack).get(value)
    except PrioritiesError as exc:
        raise InvalidParameterError(str(exc)) from exc


def _flag(value: str | None, excluded_flags: Sequence[str]) -> str:
    """The flag asked for, if the page's role may see it; "" for any."""
    value = (value or "").strip().lower()
    if not value or value == "any":
        return ""
    shown = [f for f in FLAG_COLUMNS if f not in excluded_flags]
    if value in excluded_flags:
        raise InvalidParameterError(
            f"flag {value!r} is sensitive: this map's role may not see incidents "
            f"with it; flags: {', '.join(shown) or 'none'}"
        )
    if value not in FLAG_COLUMNS:
        raise InvalidParameterError(
            f"unknown flag {value!r}; flags: {', '.join(shown) or 'none'}"
        )
    return value


def _period(
    months: Sequence[str], month_from: str | None, month_to: str | None
) -> tuple[str | None, str | None, str]:
    """The first and last month shown (both stored) and a notice if not as asked.

    Without ``from``: the three stored months ending at ``to`` (default the last).
    A period past either end of the data is clamped to it; one wholly outside it
    becomes the latest (before the data: the earliest) three months.
    """
    if month_from and month_to and month_from > month_to:
        month_from, month_to = month_to, month_from
    if not months:
        return month_from, month_to, ""
    first, last = months[0], months[-1]
    end = month_to or last
    if month_from:
        inside = [m for m in months if month_from <= m <= end]
    else:
        inside = [m for m in months if m <= end][-3:]
    if inside:
        shown = (inside[0], inside[-1])
    elif end < first:
        shown = (first, months[min(2, len(months) - 1)])
    else:
        shown = (months[max(0, len(months) - 3)], last)
    asked = (month_from or shown[0], month_to or shown[1])
    if asked == shown:
        return (*shown, "")
    if max(asked) > last:
        why = f"No data after {last}"
    elif min(asked) < first:
        why = f"No data before {first}"
    elif asked[0] < shown[0]:
        why = f"No data for {_span(asked[0], _shift(shown[0], -1))}"
    else:
        why = f"No data for {_span(_shift(shown[1], 1), asked[1])}"
    return (*shown, f"{why}: showing {shown[0]} to {shown[1]}")


def clamp_period(
    months: Sequence[str], month_from: str | None, month_to: str | None
) -> tuple[str | None, str | None, str]:
    """The period shown for one asked (both ends stored months) and why it differs.

    The map's rule, shared by the "what changed" page: a malformed month is an
    :class:`InvalidParameterError`; a period past the data is clamped to it.
    """
    for value in (month_from, month_to):
        if value and not _MONTH.match(value):
            raise InvalidParameterError(f"month {value!r} must be YYYY-MM")
    return _period(months, month_from, month_to)


def _shift(month: str, n: int) -> str:
    return str(pd.Period(month, "M") + n)


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def _parse_view(view: str | None) -> tuple[float, float, float] | None:
    if not view:
        return None
    try:
        lat, lon, zoom = (float(v) for v in view.split(","))
    except ValueError:
        lat = lon = zoom = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 20):
        raise InvalidParameterError(
            f"view {view!r} must be 'lat,lon,zoom', e.g. 50.8,-1.08,13"
        )
    return lat, lon, zoom


def gather_map_data(
    store: IncidentStore,
    cache: LayerCache,
    view: MapView,
    months: Sequence[str],
    policy: AccessPolicy,
    pack: AreaPack | None = None,
    *,
    methods: Sequence[str] | None = None,
    with_incidents: bool = True,
) -> MapData:
    """Boundaries, labels, sources; layers of ``methods`` (default every one) and
    incidents per location (``with_incidents``) for callers that want them.

    ``policy`` (the service's default role: the page has no API key) decides the
    flags left out of every layer and the smallest count shown per location;
    incidents with a sensitive flag are never counted as locations, whatever the role.
    """
    pack = pack or default_pack()
    area = resolve_area(view.area, pack)
    layers: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    if not months:
        notes = ["No incidents are stored yet: ingest data first."]
    else:
        layers, notes = _layers(store, cache, view, policy, methods)
    incidents = (
        _incidents(store, view, area, policy, pack)
        if with_incidents
        else pd.DataFrame()
    )
    shape = gpd.GeoSeries([area.geometry], crs=BNG).to_crs(4326)
    bounds = shape.total_bounds
    wards = pack.boundaries("ward")
    study = f"{pack.title} (whole area)"
    book = load_priorities(pack)
    chosen_priority = book.get(view.priority) if view.priority else None
    return MapData(
        layers=layers,
        wards=wards,
        lsoas=pack.boundaries("lsoa"),
        area_name=study if area.is_city else area.name,
        area_bounds=tuple(float(v) for v in bounds),  # type: ignore[arg-type]
        title=pack.map_title or f"{pack.title} crime and harm hotspots",
        study_name=study,
        districts=[(d.code, d.name) for d in pack.districts]
        if len(pack.districts) > 1
        else [],
        centre=pack.map_center or _centre(pack),
        zoom=pack.map_zoom or 12,
        incidents=incidents,
        incident_note=_incident_note(policy),
        months=months,
        methods=list(METHODS),
        sources=_sources(store, pack),
        notes=notes,
        ward_labels=_labels(wards),
        chosen=None if area.is_city else _chosen(area, shape),
        priorities=[(p.id, p.name) for p in book.priorities],
        flags=[f for f in FLAG_COLUMNS if f not in policy.excluded_flags],
        priority=(
            _describe_priority(chosen_priority, policy.excluded_flags)
            if chosen_priority
            else None
        ),
    )


def _describe_priority(
    priority: Priority, excluded_flags: Sequence[str]
) -> tuple[str, str]:
    """A priority's name and what it selects, in words, for the panel (saying
    which of its flags the page's role does not see)."""
    match = priority.match
    parts = []
    if match.themes:
        parts.append("themes " + ", ".join(theme_label(t) for t in match.themes))
    if match.categories:
        parts.append("categories " + ", ".join(match.categories))
    if match.flags:
        parts.append("flags " + ", ".join(f.replace("_", " ") for f in match.flags))
    text = "incidents with any of: " + "; ".join(parts)
    hidden = [f.replace("_", " ") for f in match.flags if f in excluded_flags]
    if hidden:
        text += f" (incidents flagged {', '.join(hidden)} are not shown to this map)"
    return priority.name, text


def _labels(areas: gpd.GeoDataFrame) -> list[tuple[str, float, float]]:
    """Each area's name at a point inside it (WGS84 lat, lon)."""
    points = areas.geometry.representative_point().to_crs(4326)
    return [
        (str(name), round(p.y, 5), round(p.x, 5))
        for name, p in zip(areas["name"], points, strict=True)
    ]


def _chosen(area: Area, shape: gpd.GeoSeries) -> dict[str, Any]:
    """The chosen area's outline (simplified to ~5 m) and where its name goes."""
    outline = gpd.GeoSeries([area.geometry.simplify(5)], crs=BNG).to_crs(4326)
    geometry = shapely.set_precision(outline.iloc[0], 1e-5)
    label = gpd.GeoSeries([area.geometry.representative_point()], crs=BNG)
    point = label.to_crs(4326).iloc[0]
    return {
        "code": area.code,
        "name": area.name,
        "geometry": mapping(geometry),
        "label": [round(point.y, 5), round(point.x, 5)],
    }


def _centre(pack: AreaPack) -> tuple[float, float]:
    """Latitude and longitude of the study area's centre."""
    point = gpd.GeoSeries([pack.outline.centroid], crs=BNG).to_crs(4326).iloc[0]
    return float(point.y), float(point.x)


def _layers(
    store: IncidentStore,
    cache: LayerCache,
    view: MapView,
    policy: AccessPolicy,
    methods: Sequence[str] | None,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each method's layer; a method that cannot run leaves a note instead."""
    layers: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for method in METHODS if methods is None else methods:
        request = LayerRequest(
            method=method,
            theme=None if view.theme == "all" else view.theme,
            month_from=view.month_from,
            month_to=view.month_to,
            area=None if view.area == CITY else view.area,
            excluded_flags=policy.excluded_flags,
            disclosure=policy.disclosure,
            flags=(view.flag,) if view.flag else (),
            priority=view.priority or None,
        )
        try:
            layers[method] = cache.get(store, request).layer
        except EmptyInputError as exc:
            return {}, [f"Nothing to map: {exc}."]
        except HotspotError as exc:
            notes.append(f"{method_label(method)} not shown: {exc}.")
    return layers, notes


def _incidents(
    store: IncidentStore,
    view: MapView,
    area: Area,
    policy: AccessPolicy,
    pack: AreaPack,
) -> pd.DataFrame:
    """Incidents counted per location under the policy; sensitive ones left out."""
    priority = load_priorities(pack).get(view.priority) if view.priority else None
    query = IncidentQuery(
        themes=[] if view.theme == "all" else [view.theme],
        flags=(view.flag,) if view.flag else (),
        priority=priority.match if priority else None,
        month_from=view.month_from,
        month_to=view.month_to,
        columns=(
            "incident_id", "easting", "northing", "lon", "lat", "theme", "month",
            *FLAG_COLUMNS,
        ),
    )  # fmt: skip
    frame = area_incidents(store, area, query)
    for flag in {*SENSITIVE_FLAGS, *policy.excluded_flags}:
        frame = frame[~frame[flag].astype(bool)]
    return located_incidents(frame, policy.disclosure)


def _incident_note(policy: AccessPolicy) -> str:
    """What the incidents layer (the API's, for this role) leaves out."""
    flags = ", ".join(f.replace("_", " ") for f in policy.excluded_flags)
    left_out = f"; incidents flagged {flags} left out" if flags else ""
    return (
        f"counted per location; locations with fewer than "
        f"{policy.min_location_count} incidents withheld{left_out}"
    )


def _sources(store: IncidentStore, pack: AreaPack) -> list[Source]:
    """Each stored source with its months, plus the boundaries."""
    frame = store.incidents(IncidentQuery(columns=("source", "month")))
    batches = store.batches()
    out = []
    for source, months in frame.groupby("source")["month"]:
        files = batches.loc[batches["source"] == source, "file_name"].astype(str)
        synthetic = any(_is_synthetic(f) for f in files)
        out.append(
            _describe(str(source), f"{months.min()} to {months.max()}", synthetic)
        )
    for set_name in ("ward", "lsoa"):
        files = pack.files_of(set_name)
        out.append(
            Source(
                f"{pack.title} {set_name} boundaries",
                "; ".join(f.description or f.path.name for f in files),
                " ".join(dict.fromkeys(f.attribution for f in files)),
            )
        )
    return out


def _is_synthetic(file_name: str) -> bool:
    parts = PurePath(file_name).parts
    return "sample_data" in parts and "local" in parts


def _describe(source: str, months: str, synthetic: bool) -> Source:
    if source == "police.uk":
        return Source("police.uk street-level crime", months, _POLICE_UK)
    if synthetic:
        return Source(
            f"{source} (SYNTHETIC sample data)",
            months,
            "Generated for testing, not real incidents (sample_data/local).",
        )
    return Source(f"Local log: {source}", months, "Partnership data.")
