"""Issue 12: one period for panel, selectors and layer; map errors as HTML pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.mapdata import resolve_view

MONTHS = ["2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07"]


@pytest.mark.parametrize(
    "asked,shown,notice",
    [
        (
            {"month_from": "2019-01"},
            ("2017-05", "2017-07"),
            "No data after 2017-07: showing 2017-05 to 2017-07",
        ),
        (
            {"month_from": "2017-03", "month_to": "2019-01"},
            ("2017-03", "2017-07"),
            "No data after 2017-07: showing 2017-03 to 2017-07",
        ),
        (
            {"month_from": "2016-01", "month_to": "2017-03"},
            ("2017-02", "2017-03"),
            "No data before 2017-02: showing 2017-02 to 2017-03",
        ),
        (
            {"month_to": "2016-05"},
            ("2017-02", "2017-04"),
            "No data before 2017-02: showing 2017-02 to 2017-04",
        ),
        ({"month_from": "2017-03", "month_to": "2017-06"}, ("2017-03", "2017-06"), ""),
        ({}, ("2017-05", "2017-07"), ""),
    ],
)
def test_a_period_outside_the_data_is_clamped_with_a_notice(
    asked: dict[str, str], shown: tuple[str, str], notice: str
) -> None:
    view = resolve_view(MONTHS, **asked)
    assert (view.month_from, view.month_to) == shown
    assert view.notice == notice


def test_a_month_missing_inside_the_data_snaps_to_months_that_exist() -> None:
    view = resolve_view(["2017-02", "2017-05", "2017-06"], month_from="2017-03")
    assert (view.month_from, view.month_to) == ("2017-05", "2017-06")
    assert view.notice == "No data for 2017-03 to 2017-04: showing 2017-05 to 2017-06"


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select id="hs-{name}".*?</select>', html, re.S)
    assert select, name
    found = re.findall(r'<option value="([^"]*)" selected>', select.group(0))
    assert len(found) == 1, found
    return found[0]


def test_page_after_the_data_shows_one_period_everywhere(
    sample_client: TestClient,
) -> None:
    response = sample_client.get("/", params={"from": "2019-01", "method": "gistar"})
    assert response.status_code == 200
    html = response.text
    assert 'id="hs-notice"' in html
    assert "No data after 2017-07: showing 2017-05 to 2017-07" in html
    assert "<dt>Period</dt><dd>2017-05 to 2017-07</dd>" in html
    assert (_selected(html, "from"), _selected(html, "to")) == ("2017-05", "2017-07")
    assert "from=2017-05&amp;to=2017-07" in html  # the export link: the same view
    assert "2019-01" not in html.replace("from=2019-01", "")


def test_default_method_page_after_the_data(sample_client: TestClient) -> None:
    html = sample_client.get("/", params={"from": "2019-01"}).text
    assert "No data after 2017-07: showing" in html
    period = re.search(r"<dt>Period</dt><dd>(\S+) to (\S+)</dd>", html)
    assert period, "the panel shows a period"
    assert (_selected(html, "from"), _selected(html, "to")) == period.groups()


@pytest.mark.parametrize(
    "params,message",
    [
        ({"theme": "burglary"}, "unknown theme &#x27;burglary&#x27;"),
        ({"method": "magic"}, "unknown method &#x27;magic&#x27;"),
        ({"area": "Atlantis"}, "unknown area &#x27;Atlantis&#x27;"),
        ({"from": "2017-13"}, "month &#x27;2017-13&#x27; must be YYYY-MM"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/export.html"])
def test_bad_map_urls_answer_an_html_page(
    sample_client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    response = sample_client.get(path, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text, response.text
    assert '<a href="/">' in response.text


def test_api_errors_stay_json(sample_client: TestClient) -> None:
    response = sample_client.get("/api/v1/layers/kde", params={"theme": "burglary"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "query,notice",
    [
        (
            {"from": "2019-01"},
            "No data after 2017-07: showing 2017-05 to 2017-07 against "
            "2017-02 to 2017-04",
        ),
        (
            {"from": "2017-02", "to": "2017-03"},
            "No data before 2017-02 to compare with: showing 2017-03 to 2017-03 "
            "against 2017-02 to 2017-02",
        ),
        ({"from": "2017-06", "to": "2017-07"}, ""),
    ],
)
def test_change_page_clamps_its_period_with_a_notice(
    sample_client: TestClient, query: dict[str, str], notice: str
) -> None:
    page = sample_client.get("/change", params={"theme": "asb", **query})
    assert page.status_code == 200
    if notice:
        assert f'role="status" style="color:#8a3b00;margin:4px 0">{notice}<' in (
            page.text
        )
    else:
        assert 'id="hs-notice"' not in page.text
        assert "Change: 2017-06 to 2017-07 against 2017-04 to 2017-05" in page.text


@pytest.mark.parametrize(
    "query,message",
    [
        ({"theme": "burglary"}, "unknown theme"),
        ({"to": "2017-13"}, "must be YYYY-MM"),
        ({"area": "Atlantis"}, "Atlantis"),
    ],
)
def test_bad_change_urls_answer_an_html_page(
    sample_client: TestClient, query: dict[str, str], message: str
) -> None:
    page = sample_client.get("/change", params=query)
    assert page.status_code == 422, page.text[:200]
    assert page.headers["content-type"].startswith("text/html")
    assert message in page.text and 'href="/"' in page.text
