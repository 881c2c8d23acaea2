"""Choosing a priority and a flag on the map, in real headless Chromium (issue 15).

At a phone's 390 x 844 (the panel a drawer) and a laptop's 1280 x 860 (docked):
the Priority and Flag selectors are reachable and at least 44 px; choosing a
priority reloads the view with it in the URL and in the layer the page fetches
(``parameters.priority``), the theme set to "all"; a flag narrows it; choosing a
theme clears the priority; a priority with no data says so on the map. No
console errors, every request to anything but 127.0.0.1 aborted (none tried).
Screenshots go to ``test-artifacts/priority/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.test_map_browser import (
    ARTIFACTS,
    CONTROLS,
    Watched,
    _assert_reachable,
    _offline_route,
    base_url,  # noqa: F401  (a fixture: the app on sample data, tiles off)
    browser,  # noqa: F401  (a fixture: Debian's chromium)
    pytestmark,  # noqa: F401  (browser marker; skipped without chromium)
)

SHOTS = ARTIFACTS / "priority"


def _open_panel(page: Any) -> None:
    """Open the drawer on a narrow screen (the panel is docked on a wide one)."""
    shut = page.get_attribute("#hs-menu", "aria-expanded") == "false"
    if page.is_visible("#hs-menu") and shut:
        page.click("#hs-menu")
        page.wait_for_timeout(300)  # the drawer slides in


def _choose(watched: Watched, select: str, value: str) -> dict[str, Any]:
    """Choose ``value`` in ``select``; the layer the reloaded page fetched."""
    page = watched.page
    _open_panel(page)
    is_layer: Callable[[Any], bool] = lambda r: "/api/v1/layers/" in r.url  # noqa: E731
    with page.expect_response(is_layer) as answer, page.expect_navigation():
        page.select_option(select, value)
    page.wait_for_selector("body[data-hotspots]", state="attached")
    page.wait_for_function("() => location.search.includes('view=')")
    layer: dict[str, Any] = answer.value.json()
    return layer


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 860)])
def test_choosing_a_priority_and_a_flag(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
    width: int,
    height: int,
) -> None:
    watched = Watched(browser, width, height, touch=width < 1000)
    aborted = _offline_route(watched.context)
    page = watched.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = f"{width}x{height}"
    try:
        watched.load(base_url + "/?method=grid&theme=asb")
        _open_panel(page)
        assert _assert_reachable(page, "#hs-priority, #hs-flag") == 2
        assert _assert_reachable(page, CONTROLS) > 14
        flags = page.eval_on_selector_all(
            "#hs-flag option", "os => os.map(o => o.value)"
        )
        assert flags == ["", "alcohol_related"], "no sensitive flag offered"

        layer = _choose(watched, "#hs-priority", "violence")
        assert layer["parameters"]["priority"] == "violence"
        assert layer["features"], "the priority's cells are drawn"
        assert page.locator(".leaflet-overlay-pane svg path").count() > 10
        assert "priority=violence" in page.url and "theme=all" in page.url, page.url
        assert "flag=" not in page.url, "an empty choice is left out of the URL"
        assert page.input_value("#hs-theme") == "all"
        assert page.input_value("#hs-priority") == "violence"
        bar = page.inner_text("#hs-bar-view")
        assert bar.startswith("Priority: Violence and sexual violence"), bar
        if page.is_visible("#hs-menu"):  # a long bar text never squeezes the button
            gap = page.evaluate(
                "() => document.querySelector('.hs-bar-title').getBoundingClientRect()"
                ".left - document.querySelector('#hs-menu').getBoundingClientRect()"
                ".right"
            )
            assert gap >= 0, gap
        page.screenshot(path=str(SHOTS / f"priority-{size}.png"))
        _open_panel(page)
        shown = page.inner_text("#hs-summary")
        assert "Violence and sexual violence" in shown
        assert "not used: the priority chooses the incidents" in shown
        labels = page.locator(".leaflet-control-layers-overlays").inner_text()
        assert "Grid counts: Priority: Violence and sexual violence" in labels
        export = page.get_attribute("#export-link", "href") or ""
        assert "priority=violence" in export and "view=" in export, export
        page.screenshot(path=str(SHOTS / f"priority-panel-{size}.png"))

        _choose(watched, "#hs-priority", "asb")
        layer = _choose(watched, "#hs-flag", "alcohol_related")
        assert layer["parameters"]["flags"] == ["alcohol_related"]
        assert layer["parameters"]["priority"] == "asb"
        assert "flag=alcohol_related" in page.url and "priority=asb" in page.url
        assert "Flag: Alcohol-related" in page.inner_text("#hs-bar-view")

        layer = _choose(watched, "#hs-theme", "drugs")  # a theme clears the priority
        assert layer["parameters"]["priority"] == "all"
        assert layer["parameters"]["theme"] == "drugs"
        assert "priority=" not in page.url and "theme=drugs" in page.url, page.url

        layer = _choose(watched, "#hs-flag", "")  # any flag: off the URL
        assert (
            "flags" not in layer["parameters"] or layer["parameters"]["flags"] == "all"
        )
        assert "flag=" not in page.url, page.url
        layer = _choose(watched, "#hs-priority", "mental_health")
        assert layer["features"] == []
        page.wait_for_selector("#hs-empty")
        note = page.inner_text("#hs-empty")
        assert note.startswith("No stored incident matches Mental health in"), note
        box = page.eval_on_selector(
            "#hs-empty",
            "e => { const r = e.getBoundingClientRect(); return [r.left, r.top,"
            " r.right, r.bottom, innerWidth, innerHeight]; }",
        )
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= box[4] and box[3] <= box[5]
        page.screenshot(path=str(SHOTS / f"no-data-{size}.png"))

        assert watched.errors == []
        assert aborted == [], "no request tried to leave the machine"
    finally:
        watched.close()


def test_a_sensitive_flag_by_url_is_refused_with_a_page(
    watched: Watched,
    base_url: str,  # noqa: F811
) -> None:
    response = watched.page.goto(base_url + "/?flag=domestic_abuse")
    assert response is not None and response.status == 422
    assert "is sensitive" in watched.page.inner_text("#hs-error")
    assert watched.page.is_visible("text=Back to the map")


@pytest.fixture
def watched(browser: Any) -> Any:  # noqa: F811
    page = Watched(browser)
    yield page
    page.close()
