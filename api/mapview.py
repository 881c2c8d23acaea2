"""Folium maps built on the server; no FastAPI imports, testable as plain functions."""

from __future__ import annotations

import json

import folium

from boundaries.io import read_boundaries
from hotspots.store import IncidentQuery, IncidentStore

__all__ = ["build_overview_map"]

PORTSMOUTH_CENTRE = (50.8058, -1.0872)


def build_overview_map(store: IncidentStore) -> folium.Map:
    """Wards shaded by stored incident count, with names and counts in popups."""
    wards = read_boundaries("ward").to_crs(4326)
    incidents = store.incidents(IncidentQuery(columns=("ward_code",)))
    counts = incidents["ward_code"].value_counts()
    wards["incidents"] = wards["code"].map(counts).fillna(0).astype(int)
    top = max(int(wards["incidents"].max()), 1)
    fmap = folium.Map(location=PORTSMOUTH_CENTRE, zoom_start=12, tiles=None)

    def style(feature: dict[str, dict[str, int]]) -> dict[str, object]:
        share = feature["properties"]["incidents"] / top
        return {"fillColor": "#b30000", "fillOpacity": 0.1 + 0.6 * share,
                "color": "#333333", "weight": 1}  # fmt: skip

    folium.GeoJson(
        json.loads(wards.to_json()),
        name="Incidents per ward",
        style_function=style,
        popup=folium.GeoJsonPopup(fields=["name", "code", "incidents"]),
        tooltip=folium.GeoJsonTooltip(fields=["name", "incidents"]),
    ).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap
