"""The map page in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Checks what a person would see on a closed network with tiles off: the page loads
with no console errors and no request leaving localhost, the layer control lists
the layers, hotspot polygons are drawn as SVG paths, changing the theme redraws
them, a cell's popup shows its z-score, and the exported file works from disk.
A screenshot is saved to ``test-artifacts/map.png``.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.maplayers import GISTAR_BINS
from hotspots.areas.build import create_pack
from hotspots.areas.registry import packs_dir
from hotspots.ingest import IngestOptions, ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, MONTHLY_FILES, PORTSMOUTH_CSV, REPO
from tests.live_server import serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOT_FILLS = {GISTAR_BINS[b][0] for b in (1, 2, 3)}

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is in the test extra"
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free localhost port, on sample data, tiles off."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'map.db'}"
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], open_store(url))
    yield from serve(Settings(database_url=url, tiles="none"))


@pytest.fixture(scope="module")
def gosport_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with a Gosport area pack built as a new user would, and the six
    Hampshire months ingested into it."""
    folder = tmp_path_factory.mktemp("gosport")
    areas = REPO / "sample_data" / "areas"
    create_pack(
        "gosport",
        packs_dir(folder) / "gosport",
        wards=[areas / "gosport_wards_2013.geojson"],
        lsoas=[areas / "gosport_lsoa_2011.geojson"],
        postcodes=[REPO / "boundaries" / "data" / "codepoint_open_2014_PO.csv"],
    )
    settings = Settings(
        database_url=f"sqlite:///{folder / 'gosport.db'}",
        data_dir=folder,
        area="gosport",
        tiles="none",
    )
    options = IngestOptions(pack=settings.area_pack())
    ingest_paths(MONTHLY_FILES, open_store(settings.store_url()), options=options)
    yield from serve(settings)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield chromium
        chromium.close()


class Watched:
    """A page with its console errors and every request URL recorded."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def load(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector(".leaflet-overlay-pane svg path")

    def hot_paths(self) -> list[str]:
        """The ``d`` of every drawn path filled in a Gi* hot-spot colour."""
        return self.page.eval_on_selector_all(
            ".leaflet-overlay-pane svg path",
            "(ps, hot) => ps.filter(p => hot.includes(p.getAttribute('fill')))"
            ".map(p => p.getAttribute('d'))",
            sorted(HOT_FILLS),
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    page = Watched(browser)
    yield page
    page.close()


def _leaving(urls: list[str], base_url: str) -> list[str]:
    """URLs that leave the machine (anything not on our server, data: or file:)."""
    return [u for u in urls if not u.startswith((base_url + "/", "data:", "file:"))]


def test_map_page_in_headless_chromium(watched: Watched, base_url: str) -> None:
    # Gi* asked for by name: the default is the method that backtests best.
    watched.load(base_url + "/?method=gistar")
    page = watched.page
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    labels = [label.strip() for label in labels]
    for name in (
        "Getis-Ord Gi* hot and cold spots: All incidents",
        "Kernel density (KDE): All incidents",
        "Grid counts: All incidents",
        "Ward outlines and names",
        "LSOA outlines",
    ):
        assert name in labels, labels
    before = watched.hot_paths()
    assert len(before) > 10, "Gi* hot-spot cells are drawn as SVG paths"
    assert page.locator(".ward-label", has_text="Charles Dickens").count() == 1
    assert "2017-05 to 2017-07" in page.inner_text("#hs-info")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))

    with page.expect_navigation():
        page.select_option("#hs-theme", "violence")
    page.wait_for_selector(".leaflet-overlay-pane svg path")
    after = watched.hot_paths()
    assert after and set(after) != set(before), "theme change redraws the hotspots"
    assert "Getis-Ord Gi* hot and cold spots: Violence" in page.inner_text(
        ".leaflet-control-layers-overlays"
    )
    page.screenshot(path=str(ARTIFACTS / "map-violence.png"))

    assert watched.errors == []
    assert _leaving(watched.requests, base_url) == [], "no request leaves localhost"
    assert any(u.endswith("/assets/leaflet/leaflet.js") for u in watched.requests)


def test_hotspot_popup_shows_z_p_and_ward(watched: Watched, base_url: str) -> None:
    watched.load(base_url + "/?theme=asb&method=gistar")
    cell = watched.page.locator(
        ".leaflet-overlay-pane svg path[fill='" + GISTAR_BINS[3][0] + "']"
    ).first
    cell.dispatch_event("click")  # not a mouse click: a panel may cover the cell
    popup = watched.page.wait_for_selector(".leaflet-popup-content")
    text = popup.inner_text()
    for field in ("Gi* z-score", "p-value", "Incidents in cell", "Ward"):
        assert field in text, text
    assert watched.errors == []


def test_kde_legend_and_export_link(
    watched: Watched, base_url: str, tmp_path: Path
) -> None:
    page = watched.page
    watched.load(base_url + "/?theme=asb&method=kde")
    assert page.is_visible("#legend-kde")
    assert not page.is_visible("#legend-gistar")
    assert "per km²" in page.inner_text("#legend-kde")
    page.mouse.move(700, 450)
    page.mouse.wheel(0, -300)  # zoom in, then export what is on screen
    page.wait_for_timeout(600)
    with page.expect_download() as download:
        page.click("#export-link")
    url = download.value.url
    assert "method=kde" in url and "view=" in url, url
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".html") and saved.stat().st_size > 100_000
    assert watched.errors == []


def test_export_works_from_disk(
    watched: Watched, base_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "briefing.html"
    url = base_url + "/export.html?theme=asb&method=gistar"
    with urllib.request.urlopen(url) as response:
        target.write_bytes(response.read())
    watched.load(target.as_uri())
    assert len(watched.hot_paths()) > 10
    assert watched.errors == []
    assert [u for u in watched.requests if not u.startswith(("file:", "data:"))] == []


def test_the_map_of_another_area(watched: Watched, gosport_url: str) -> None:
    watched.load(gosport_url + "/?method=gistar")
    page = watched.page
    assert page.inner_text("#hs-info h1").startswith("Gosport crime and harm hotspots")
    assert "Gosport (whole area)" in page.inner_text("#hs-info")
    assert page.locator(".ward-label", has_text="Alverstoke").count() == 1
    assert page.locator(".ward-label", has_text="Charles Dickens").count() == 0
    assert len(watched.hot_paths()) > 3, "Gi* hot spots drawn for Gosport"
    centre = page.evaluate(
        "() => { const id = document.querySelector('.folium-map').id;"
        " const c = window[id].getCenter(); return [c.lat, c.lng]; }"
    )
    assert 50.77 < centre[0] < 50.82 and -1.19 < centre[1] < -1.12, centre
    options = page.locator("#hs-area option").all_inner_texts()
    assert "Gosport (whole area)" in options and "Alverstoke" in options
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-gosport.png"))
    with page.expect_navigation():
        page.select_option("#hs-area", label="Alverstoke")
    page.wait_for_selector(".leaflet-overlay-pane svg path")
    assert "Alverstoke" in page.inner_text("#hs-info")
    page.screenshot(path=str(ARTIFACTS / "map-gosport-alverstoke.png"))
    assert watched.errors == []
    assert _leaving(watched.requests, gosport_url) == []


@pytest.mark.parametrize("width,height", [(390, 844), (768, 1024), (1280, 860)])
def test_map_fits_phone_tablet_and_laptop(
    watched: Watched, base_url: str, width: int, height: int
) -> None:
    """The fit padding fits the screen: no NaN LatLng, a finite zoom (issue 12)."""
    watched.page.set_viewport_size({"width": width, "height": height})
    watched.load(base_url + "/?method=gistar")
    page = watched.page
    zoom = page.evaluate(
        "() => window[document.querySelector('.folium-map').id].getZoom()"
    )
    assert 8 <= zoom <= 19, zoom
    assert len(watched.hot_paths()) > 10, "Gi* hot-spot cells are drawn"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{width}x{height}.png"))
    assert watched.errors == []
    assert _leaving(watched.requests, base_url) == [], "no request leaves localhost"


def test_period_after_the_data_is_clamped_with_a_notice(
    watched: Watched, base_url: str
) -> None:
    """Issue 12: the panel, the selectors and the layer show one period."""
    watched.load(base_url + "/?method=gistar&from=2019-01")
    page = watched.page
    assert page.is_visible("#hs-notice")
    notice = page.inner_text("#hs-notice")
    assert notice == "No data after 2017-07: showing 2017-05 to 2017-07", notice
    assert "2017-05 to 2017-07" in page.inner_text("#hs-info dl")
    assert page.input_value("#hs-from") == "2017-05"
    assert page.input_value("#hs-to") == "2017-07"
    assert len(watched.hot_paths()) > 10
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-clamped.png"))
    assert watched.errors == []


def test_bad_map_url_is_a_page_with_a_link_back(
    watched: Watched, base_url: str
) -> None:
    response = watched.page.goto(base_url + "/?theme=burglary")
    assert response is not None and response.status == 422
    assert "unknown theme 'burglary'" in watched.page.inner_text("#hs-error")
    with watched.page.expect_navigation():
        watched.page.click("text=Back to the map")
    watched.page.wait_for_selector(".leaflet-overlay-pane svg path")
    # Chromium logs the 422 itself; nothing else may fail.
    assert [e for e in watched.errors if "status of 422" not in e] == []
    assert len(watched.errors) == 1


def _offline(watched: Watched, base_url: str) -> list[str]:
    """Abort every request to another host; the list of those aborted."""
    aborted: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith((base_url + "/", "data:", "blob:")):
            route.continue_()
        else:
            aborted.append(url)
            route.abort()

    watched.context.route("**/*", handle)
    return aborted


def test_swagger_ui_docs_work_offline(watched: Watched, base_url: str) -> None:
    """Issue 12: /docs loads Swagger UI from the app, not a CDN."""
    aborted = _offline(watched, base_url)
    page = watched.page
    page.goto(base_url + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert "/api/v1/layers/{method}" in page.inner_text("#swagger-ui")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    assert aborted == [] and watched.errors == []
    assert _leaving(watched.requests, base_url) == []


def test_redoc_works_offline(watched: Watched, base_url: str) -> None:
    """Issue 12: /redoc loads ReDoc from the app, with no web fonts fetched."""
    aborted = _offline(watched, base_url)
    page = watched.page
    page.goto(base_url + "/redoc", wait_until="load")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=15_000)
    assert page.locator("[data-section-id^='operation/']").count() > 10
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "redoc.png"))
    assert aborted == [] and watched.errors == []
    assert _leaving(watched.requests, base_url) == []


def test_incident_point_opens_a_popup_on_tap(watched: Watched, base_url: str) -> None:
    """Issue 12: a phone has no hover, so a tap on a location opens its counts."""
    watched.page.set_viewport_size({"width": 1280, "height": 860})
    watched.load(base_url + "/?method=gistar&theme=asb")
    page = watched.page
    page.locator(
        ".leaflet-control-layers-overlays label", has_text="Incidents per"
    ).click()
    points = page.locator(".leaflet-overlay-pane svg path[fill='#555555']")
    points.first.wait_for(state="attached")
    # The location nearest the middle of the screen, clear of the panels.
    nearest = points.evaluate_all(
        "ps => ps.map(p => p.getBoundingClientRect()).map(r => "
        "Math.hypot(r.x - innerWidth / 2, r.y - innerHeight / 2))"
        ".reduce((b, d, i, a) => d < a[b] ? i : b, 0)"
    )
    point = points.nth(nearest)
    point.dispatch_event("click")  # as a tap: no hover first
    popup = page.wait_for_selector(".leaflet-popup-content")
    text = popup.inner_text()
    assert "Incidents here" in text and "By theme" in text, text
    page.wait_for_timeout(400)  # the popup's fade-in
    assert page.locator(".leaflet-tooltip").count() == 0, "popup only, no tooltip"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-incident-popup.png"))
    assert watched.errors == []
