"""The map chooses a priority and a flag, not only a theme (issue 15), on the
real sample store: selectors, URL, panel, the layer fetched, export, refusals."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cache import LayerCache
from api.main import create_app
from api.mapdata import gather_map_data, resolve_view
from api.mapview import build_map
from hotspots.access import Role, policy_for
from hotspots.areas.registry import default_pack
from hotspots.disclosure import SENSITIVE_FLAGS
from hotspots.errors import InvalidParameterError
from hotspots.priorities import load_priorities
from hotspots.priorities.pack import build_pack
from hotspots.settings import Settings
from hotspots.store import open_store

MONTHS = ["2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07"]


@pytest.fixture(scope="module")
def client(sample_url: str) -> TestClient:
    """The service with no key: the public role, as a map page is."""
    return TestClient(create_app(Settings(database_url=sample_url)))


def _config(html: str) -> dict[str, Any]:
    found = re.search(r"HS\.init\([^,]+, (\{.*\})\);", html)
    assert found, "the page starts its script with a config"
    return json.loads(found.group(1).replace("<\\/", "</"))


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select id="hs-{name}".*?</select>', html)
    assert select, name
    return [
        (value, label, bool(chosen))
        for value, chosen, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(0)
        )
    ]


def _summary(html: str) -> dict[str, str]:
    dl = re.search(r'<dl id="hs-summary">(.*?)</dl>', html)
    assert dl
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", dl.group(1)))


def test_selectors_offer_every_priority_and_only_flags_the_role_may_see(
    client: TestClient,
) -> None:
    html = client.get("/", params={"method": "grid"}).text
    book = load_priorities(None)
    priorities = _options(html, "priority")
    assert priorities[0] == ("", "none", True)
    assert [(v, label) for v, label, _ in priorities[1:]] == [
        (p.id, p.name) for p in book.priorities
    ]
    flags = [v for v, _, _ in _options(html, "flag")]
    assert flags == ["", "alcohol_related"]  # "any", then the public one
    assert not set(SENSITIVE_FLAGS) & set(flags)


def test_a_priority_goes_into_the_layer_the_url_and_the_panel(
    client: TestClient,
) -> None:
    page = client.get("/", params={"method": "grid", "priority": "violence"})
    assert page.status_code == 200
    config = _config(page.text)
    assert config["query"]["priority"] == "violence"
    assert config["query"]["theme"] == "all"  # the priority replaces the theme
    layer_url, incidents_url = config["urls"]["layer"], config["urls"]["incidents"]
    assert "priority=violence" in layer_url and "theme=" not in layer_url
    assert "priority=violence" in incidents_url
    layer = client.get(layer_url).json()
    assert layer["parameters"]["priority"] == "violence"
    assert layer["features"]
    assert config["labels"]["hotspots"].endswith(
        "Priority: Violence and sexual violence"
    )
    bar = re.search(r'id="hs-bar-view">([^<]*)', page.text)
    assert bar and bar.group(1).startswith("Priority: Violence and sexual violence")
    rows = _summary(page.text)
    assert rows["Priority"] == "Violence and sexual violence"
    assert rows["Theme"] == "not used: the priority chooses the incidents"
    assert "domestic abuse" in rows["Priority covers"]
    assert "not shown to this map" in rows["Priority covers"]  # public role
    assert ("all", "All (the priority chooses)", True) in _options(page.text, "theme")
    assert ("violence", "Violence and sexual violence", True) in _options(
        page.text, "priority"
    )
    # Export and print carry the view; the selectors clear each other.
    assert 'href="export.html?theme=all&amp;priority=violence' in page.text
    assert "print=1" in page.text and "priority=violence&amp;method" in page.text
    assert "this.form.theme.value=&#x27;all&#x27;" not in page.text
    assert "this.form.theme.value='all'" in page.text
    assert "this.form.priority.value=''" in page.text


def test_a_theme_with_a_priority_is_dropped_and_the_page_says_so(
    client: TestClient,
) -> None:
    page = client.get(
        "/", params={"method": "grid", "priority": "asb", "theme": "violence"}
    )
    assert page.status_code == 200
    notice = re.search(r'id="hs-notice" role="status">([^<]*)', page.text)
    assert notice and notice.group(1) == (
        "Priority Anti-social behaviour replaces the theme: Violence not applied"
    )
    assert _config(page.text)["query"]["theme"] == "all"
    view = resolve_view(MONTHS, theme="asb", priority="violence", month_to="2017-09")
    assert (view.theme, view.priority) == ("all", "violence")
    assert view.notice.startswith("Priority Violence and sexual violence replaces")
    assert view.notice.endswith("No data after 2017-07: showing 2017-05 to 2017-07")


def test_a_flag_narrows_the_layer(client: TestClient) -> None:
    page = client.get("/", params={"method": "grid", "flag": "alcohol_related"})
    assert page.status_code == 200
    config = _config(page.text)
    assert config["query"]["flag"] == "alcohol_related"
    assert "flag=alcohol_related" in config["urls"]["layer"]
    layer = client.get(config["urls"]["layer"]).json()
    assert layer["parameters"]["flags"] == ["alcohol_related"]
    everything = client.get(_config(client.get("/?method=grid").text)["urls"]["layer"])
    narrowed = layer["summary"]["incidents"]
    assert 0 < narrowed < everything.json()["summary"]["incidents"]
    rows = _summary(page.text)
    assert rows["Flag"] == "Alcohol-related: only incidents with this flag"
    assert "Flag: Alcohol-related" in config["labels"]["hotspots"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"flag": "domestic_abuse"}, "flag &#x27;domestic_abuse&#x27; is sensitive"),
        ({"flag": "hate_crime"}, "flag &#x27;hate_crime&#x27; is sensitive"),
        ({"flag": "nope"}, "unknown flag &#x27;nope&#x27;; flags: alcohol_related"),
        ({"priority": "nope"}, "unknown priority &#x27;nope&#x27;; valid: young_"),
    ],
)
def test_bad_or_sensitive_choices_answer_the_html_page(
    client: TestClient, query: dict[str, str], message: str
) -> None:
    for path in ("/", "/export.html"):
        answer = client.get(path, params=query)
        assert answer.status_code == 422, path
        assert answer.headers["content-type"].startswith("text/html")
        assert message in answer.text and 'href="/">Back to the map' in answer.text


def test_a_partner_page_offers_and_shows_sensitive_flags(sample_url: str) -> None:
    partner = TestClient(
        create_app(Settings(database_url=sample_url, default_role="partner"))
    )
    html = partner.get("/", params={"method": "grid"}).text
    assert {v for v, _, _ in _options(html, "flag")} >= set(SENSITIVE_FLAGS)
    page = partner.get("/", params={"method": "grid", "flag": "domestic_abuse"})
    assert page.status_code == 200
    assert "flag=domestic_abuse" in _config(page.text)["urls"]["layer"]


@pytest.mark.parametrize("priority", ["mental_health", "cyber"])
def test_a_priority_with_no_data_says_the_packs_note_on_the_map(
    client: TestClient, sample_url: str, priority: str
) -> None:
    page = client.get("/", params={"method": "grid", "priority": priority})
    assert page.status_code == 200
    config = _config(page.text)
    pack = build_pack(
        open_store(sample_url),
        None,
        month_from=config["query"]["from"],
        month_to=config["query"]["to"],
        role=Role.PUBLIC,
        only=[priority],
        backtest=False,
    )
    sentence = pack["priorities"][0]["summary"][0]["text"]
    assert sentence.startswith("No stored incident matches")
    assert config["empty"] == sentence  # drawn on the map by the page script
    assert _summary(page.text)["Note"] == sentence.replace("'", "&#x27;")
    assert client.get(config["urls"]["layer"]).json()["features"] == []


def test_a_flag_that_empties_a_priority_says_so_not_the_no_data_note(
    client: TestClient,
) -> None:
    page = client.get(
        "/",
        params={"method": "grid", "priority": "violence", "flag": "alcohol_related"},
    )
    config = _config(page.text)
    assert client.get(config["urls"]["layer"]).json()["features"] == []
    assert config["empty"] == (
        "Nothing to map: no incident of Violence and sexual violence that this map "
        f"may show is flagged alcohol-related in {config['query']['from']} to "
        f"{config['query']['to']}."
    )


def test_export_carries_the_priority_and_flag(client: TestClient) -> None:
    answer = client.get(
        "/export.html",
        params={"method": "grid", "priority": "asb", "flag": "alcohol_related"},
    )
    assert answer.status_code == 200
    disposition = answer.headers["content-disposition"]
    assert "hotspots-asb-alcohol_related-grid" in disposition
    config = _config(answer.text)
    layer_url = config["urls"]["layer"]
    assert "priority=asb" in layer_url and "flag=alcohol_related" in layer_url
    assert config["embedded"][layer_url]["parameters"]["priority"] == "asb"
    assert config["urls"]["incidents"] in config["embedded"]


def test_priority_and_flag_are_declared_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/", "/export.html"):
        params = {
            p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]
        }
        assert re.match(params["priority"]["pattern"], "violence")
        assert not re.match(params["priority"]["pattern"], "Violence!")
        assert params["flag"]["enum"] == [
            "",
            "alcohol_related",
            "domestic_abuse",
            "hate_crime",
            "sexual_offence",
        ]


def test_a_priority_added_in_data_appears_in_the_map(
    sample_url: str, tmp_path: Path
) -> None:
    """A new [[priority]] in a pack's priorities.toml: selector, view, layer."""
    (tmp_path / "priorities.toml").write_text(
        '[[priority]]\nid = "night_time"\nname = "Night-time economy"\n'
        'description = "Alcohol-related harm."\nflags = ["alcohol_related"]\n',
        encoding="utf-8",
    )
    pack = replace(default_pack(), folder=tmp_path)
    store = open_store(sample_url)
    months = store.months()
    view = resolve_view(months, priority="night_time", method="grid", pack=pack)
    data = gather_map_data(
        store, LayerCache(), view, months, policy_for(Role.PUBLIC), pack,
        methods=(), with_incidents=False,
    )  # fmt: skip
    html = build_map(view, data, Settings()).get_root().render()
    assert ("night_time", "Night-time economy", True) in _options(html, "priority")
    assert "Priority: Night-time economy" in html
    assert "priority=night_time" in _config(html)["urls"]["layer"]
    with pytest.raises(InvalidParameterError, match="valid: night_time"):
        resolve_view(months, priority="violence", pack=pack)
