"""The map: built as a plain function, served at ``/``, exported standalone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import folium
import pytest
from fastapi.testclient import TestClient

from api.assets import ASSETS, DROPPED, PAGE_ASSETS, inline_assets
from api.cache import LayerCache
from api.main import create_app
from api.mapdata import gather_map_data, resolve_view
from api.maplayers import GISTAR_BINS, KDE_COLOURS, geometric_breaks, style_config
from api.mapview import MapData, MapView, build_map
from boundaries.io import read_boundaries
from hotspots.access import Role, policy_for
from hotspots.settings import Settings
from hotspots.store import SQLiteStore, open_store

#: Tags and CSS that make a browser fetch something from another host.
LOADING = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//"""
)


@pytest.fixture(scope="module")
def store(sample_url: str) -> SQLiteStore:
    return open_store(sample_url)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def client(sample_url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=sample_url)))


def render(
    store: SQLiteStore, view: MapView, settings: Settings | None = None, **kw: Any
) -> str:
    data = gather_map_data(
        store, LayerCache(), view, store.months(), policy_for(Role.PUBLIC)
    )
    fmap = build_map(view, data, settings or Settings(), **kw)
    assert isinstance(fmap, folium.Map)
    return fmap.get_root().render()


@pytest.fixture(scope="module")
def page(store: SQLiteStore) -> str:
    return render(store, resolve_view(store.months(), theme="asb"))


def test_default_view_is_latest_three_months_city_gistar() -> None:
    months = ["2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07"]
    view = resolve_view(months)
    assert (view.theme, view.method, view.area) == ("all", "gistar", "city")
    assert (view.month_from, view.month_to) == ("2017-05", "2017-07")
    assert resolve_view(["2017-07"]).month_from == "2017-07"  # clamped to the data


def test_page_names_its_layers_and_fetches_them_from_the_api(page: str) -> None:
    for name in (
        "Hotspots: Getis-Ord Gi* hot and cold spots: Anti-social behaviour",
        "Incidents per location: Anti-social behaviour",
        "Ward outlines and names",
        "LSOA outlines",
    ):
        assert f'"{name}"' in page, name
    assert '"layer":"/api/v1/layers/gistar?theme=asb&from=2017-05&to=2017-07"' in page
    assert '"incidents":"/api/v1/incidents?theme=asb&from=2017-05&to=2017-07"' in page
    assert '["Charles Dickens",' in page  # a ward label, placed inside the ward
    assert '"embedded":{}' in page and '"Feature"' not in page  # no features inline


def test_legend_colours_and_rules_come_from_one_place(page: str) -> None:
    styles = style_config()
    for colour, label in GISTAR_BINS.values():
        assert colour in page and label in page
    assert GISTAR_BINS[3][0] == "#d62f27" and GISTAR_BINS[-3][0] == "#4575b5"
    assert styles["kde"] == list(KDE_COLOURS) and styles["kde_floor"] == 32.0
    script = (PAGE_ASSETS[1].file()).read_text(encoding="utf-8")
    assert "Incidents per km²" in script and "geometricBreaks" in script
    assert "HeatMap" not in page and "leaflet-heat" not in page


def test_page_says_what_it_shows(page: str) -> None:
    assert "2017-05 to 2017-07" in page
    assert "Getis-Ord Gi* hot and cold spots" in page
    assert "distance_m" in page and "(auto)" in page
    assert "Open Government Licence v3.0" in page
    assert "Ordnance Survey" in page
    assert "SYNTHETIC sample data" in page


def test_no_external_urls_when_tiles_are_none(page: str) -> None:
    assert not LOADING.search(page), LOADING.search(page)
    assert "L.tileLayer" not in page
    for asset in (*ASSETS, *PAGE_ASSETS):  # Leaflet and our own, nothing unused
        used = asset.name in ("leaflet", "leaflet_css") or asset in PAGE_ASSETS
        assert (f'"{asset.url}"' in page) == used, asset.url
    for name in ("awesome-markers", "glyphicons", "cdn.", "jsdelivr", "jquery.com"):
        assert name not in page
    # Folium's own class defaults are left untouched:
    assert "cdn.jsdelivr.net" in dict(folium.Map.default_js)["leaflet"]


def test_every_folium_default_asset_is_served_or_dropped() -> None:
    names = {n for n, _ in folium.Map.default_js + folium.Map.default_css}
    assert names == {a.name for a in ASSETS} | set(DROPPED)
    assert LOADING.search(folium.Map().get_root().render())  # the CDN page is caught


def test_tiles_setting_adds_a_basemap(store: SQLiteStore) -> None:
    settings = Settings(
        tiles="https://tiles.example.org/{z}/{x}/{y}.png", tiles_attribution="© Ex"
    )
    html = render(store, resolve_view(store.months()), settings)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html
    assert "Basemap: © Ex" in html


def test_empty_period_renders_a_note(store: SQLiteStore) -> None:
    # A view past the data, built directly: resolve_view clamps it (issue 12).
    view = MapView(month_from="2019-01", month_to="2019-02")
    html = render(store, view)
    assert "Nothing to map" in html
    assert "Ward outlines and names" in html


def test_export_mode_has_no_form(store: SQLiteStore) -> None:
    html = render(store, resolve_view(store.months()), export=True)
    assert 'id="hs-controls"' not in html and 'id="hs-legend"' in html


def test_geometric_breaks() -> None:
    edges = geometric_breaks(1.0, 64.0, 6)
    assert edges[0] == 1.0 and edges[-1] == pytest.approx(64.0)
    assert edges[1] == pytest.approx(2.0)


def test_build_map_with_no_layers() -> None:
    wards = read_boundaries("ward")
    data = MapData(
        layers={},
        wards=wards,
        lsoas=read_boundaries("lsoa"),
        area_name="Portsmouth",
        area_bounds=(-1.12, 50.77, -1.02, 50.86),
        notes=("No incidents are stored yet.",),
    )
    html = build_map(MapView(), data, Settings()).get_root().render()
    assert "No incidents are stored yet." in html


def test_inline_assets_leaves_no_asset_links(page: str) -> None:
    standalone = inline_assets(page)
    assert "/assets/" not in standalone
    assert "L.Map" in standalone or "Leaflet" in standalone
    assert "url(data:image/png;base64," in standalone  # leaflet's layer icon
    assert not LOADING.search(standalone)


def test_map_route_defaults_and_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    # The default method and months are the ones that backtest best (issue 11):
    # grid counts over the last six months on the sample data, not Gi*.
    assert "2017-02 to 2017-07" in page.text and "All incidents" in page.text
    assert "How far to trust this map:</strong> This map&#x27;s top" in page.text
    for asset in (*ASSETS, *PAGE_ASSETS):
        assert client.get(asset.url).status_code == 200, asset.url
    assert client.get("/assets/leaflet/images/layers.png").status_code == 200


def test_map_route_query_and_errors(client: TestClient) -> None:
    ward = read_boundaries("ward").iloc[0]
    page = client.get(
        "/", params={"theme": "violence", "method": "kde", "area": ward["code"]}
    )
    assert page.status_code == 200
    assert f"<dd>{ward['name']}</dd>" in page.text
    assert client.get("/", params={"theme": "nope"}).status_code == 422
    assert client.get("/", params={"method": "nope"}).status_code == 422
    assert client.get("/", params={"from": "May"}).status_code == 422
    after = client.get("/", params={"from": "2020-01", "to": "2020-03"})
    assert after.status_code == 200 and "No data after 2017-07: showing" in after.text


def test_export_is_a_standalone_download(client: TestClient, tmp_path: Path) -> None:
    response = client.get(
        "/export.html", params={"theme": "asb", "view": "50.8,-1.08,14"}
    )
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "asb-grid" in disposition
    assert "/assets/" not in response.text
    assert not LOADING.search(response.text)
    assert "[50.8, -1.08]" in response.text  # opens where the user left the map
