"""The map and docs pages under the Content-Security-Policy, in real headless
Chromium: they still render, and the browser reports no CSP violation.

Driven as tests/browser/test_map_browser.py does (Debian's /usr/bin/chromium
through Playwright). With ``HOTSPOTS_TILES`` set, tile images from that host
are allowed by the policy (the host here answers nothing: a failed tile is
not a violation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotspots.ingest import ingest_paths
from hotspots.settings import Settings
from hotspots.store import open_store
from tests.browser.test_map_browser import ARGS, CHROMIUM
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.live_server import free_port, serve

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is in the test extra"
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""
TILE_HOST = f"127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('csp') / 'csp.db'}"
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], open_store(url))
    return url


@pytest.fixture(scope="module", params=["none", "tiles"])
def site(store_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    """The app's base URL, and whether it has a tile server configured."""
    tiles = (
        "none"
        if request.param == "none"
        else f"http://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"
    )
    for url in serve(Settings(database_url=store_url, tiles=tiles)):
        yield url, request.param == "tiles"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield chromium
        chromium.close()


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/?method=gistar", ".leaflet-overlay-pane svg path"),
        ("/?theme=asb&method=kde", ".leaflet-overlay-pane svg path"),
        ("/change", ".leaflet-container"),
        ("/docs", ".swagger-ui .opblock"),
        ("/redoc", ".api-content"),
    ],
)
def test_pages_render_with_no_csp_violation(
    browser: Any, site: tuple[str, bool], path: str, ready: str
) -> None:
    base_url, tiles = site
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    reports: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: (
            reports.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(WATCH_CSP)
    try:
        answer = page.goto(base_url + path, wait_until="load")
        assert answer is not None and answer.status == 200
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_timeout(500)  # late scripts and images
        violations = page.evaluate("window.__csp")
    finally:
        context.close()
    assert violations == [] and reports == [], (violations, reports)
    others = [u for u in requests if not u.startswith((base_url, "data:", "blob:"))]
    if tiles and path.startswith("/?"):  # the map asked the tile server, allowed
        assert others and all(TILE_HOST in u for u in others), others
    else:
        assert others == []


def test_the_watcher_sees_a_violation(browser: Any, site: tuple[str, bool]) -> None:
    """Control: an image from another host is refused and reported."""
    base_url, _ = site
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    try:
        page.goto(base_url + "/change", wait_until="load")
        page.evaluate("new Image().src = 'http://203.0.113.9/x.png'")
        page.wait_for_function("window.__csp.length > 0", timeout=10_000)
        violations = page.evaluate("window.__csp")
    finally:
        context.close()
    assert violations and violations[0].startswith("img-src")
