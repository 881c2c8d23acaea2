"""The trust figure on the default map, and the "what changed" view, in real
headless Chromium (Debian's ``chromium`` through Playwright), on the sample data.

Screenshots at desktop and phone size go to ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.map_change import CLASS_COLOURS
from tests.browser.test_map_browser import (  # noqa: F401 - fixtures
    ARTIFACTS,
    Watched,
    _leaving,
    base_url,
    browser,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:  # noqa: F811
    page = Watched(browser)
    yield page
    page.close()


def _class_paths(watched: Watched) -> int:
    return int(
        watched.page.eval_on_selector_all(
            ".leaflet-overlay-pane svg path",
            "(ps, fills) => ps.filter(p => fills.includes(p.getAttribute('fill')))"
            ".length",
            sorted(set(CLASS_COLOURS.values())),
        )
    )


def test_default_map_shows_its_trust_figure(watched: Watched, base_url: str) -> None:  # noqa: F811
    watched.load(base_url + "/")
    page = watched.page
    info = page.inner_text("#hs-info")
    # The default is the backtest's best map: grid counts over six months.
    assert "Grid counts" in info and "2017-02 to 2017-07" in info
    legend = page.inner_text("#hs-legend")
    assert "How far to trust it: This map's top" in legend
    assert "of the following month's incidents" in legend
    assert page.locator("#hs-change-link").count() == 1
    trust = page.locator("#hs-trust")
    assert trust.is_visible() and trust.inner_text().startswith(
        "How far to trust this map: This map's top"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-trust.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / "map-trust-phone.png"))
    assert watched.errors == []
    assert _leaving(watched.requests, base_url) == []


def test_what_changed_view_draws_classes_with_a_legend(
    watched: Watched,
    base_url: str,  # noqa: F811
) -> None:
    watched.load(base_url + "/")
    with watched.page.expect_navigation():
        watched.page.click("#hs-change-link")
    page = watched.page
    page.wait_for_selector(".leaflet-overlay-pane svg path")
    assert "/change" in page.url
    assert _class_paths(watched) > 20, "emerging classes drawn as cells"
    classes = page.locator("#hs-classes li").all_inner_texts()
    assert any(c.startswith("persistent hot spot") for c in classes), classes
    assert any("hot almost always (90 %+), no clear trend" in c for c in classes)
    legend = page.inner_text("#hs-legend")
    assert "Change: 2017-05 to 2017-07 against 2017-02 to 2017-04" in legend
    assert page.locator("#hs-wards .hs-spark").count() == 14
    page.screenshot(path=str(ARTIFACTS / "change.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / "change-phone.png"))
    assert watched.errors == []
    assert _leaving(watched.requests, base_url) == []


def test_what_changed_for_one_ward(watched: Watched, base_url: str) -> None:  # noqa: F811
    watched.load(base_url + "/change?theme=asb&area=Charles+Dickens")
    page = watched.page
    assert "What changed: asb, Charles Dickens" in page.inner_text("#hs-info")
    assert (
        page.locator("#hs-wards tr.hs-chosen")
        .inner_text()
        .startswith("Charles Dickens")
    )
    assert _class_paths(watched) > 0
    page.screenshot(path=str(ARTIFACTS / "change-ward.png"))
    assert watched.errors == []
