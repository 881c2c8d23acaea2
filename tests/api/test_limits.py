"""Cost bounds and request limits: what used to run for minutes or answer 500
is a 422 naming the parameter and what to change, checked before any work.

Against the real app on the sample data in a real SQLite file (and, for the
CLI's path, the same core call on the same store).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.query import MAX_AREA_NAMES, MAX_CATEGORIES
from api.security import MAX_QUERY_BYTES
from hotspots.analysis.cost import MAX_PERMUTATIONS, WORK_BUDGET
from hotspots.cli import app as cli
from hotspots.errors import InvalidParameterError
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import open_store
from tests.api.conftest import ANALYST

LAYER = "/api/v1/layers/{}"


@pytest.mark.parametrize(
    ("method", "params", "named"),
    [
        # ~18 minutes and 2.2 GB before; 500 for the next three.
        ("gistar", {"distance_m": 20000, "permutations": 9999}, "permutations"),
        ("gistar", {"distance_m": 1e9}, "distance_m"),
        ("gistar", {"seed": -1, "permutations": 99}, "seed"),
        ("gistar", {"distance_m": 300000}, "distance_m"),  # 14 s, 2.5 GB before
        ("gistar", {"distance_m": 20000, "permutations": 999}, "distance_m"),
        ("gistar", {"distance_m": 30000}, "distance_m"),  # longer than the city
        ("kde", {"bandwidth_m": 30000}, "bandwidth_m"),
        ("kde", {"bandwidth_m": 1e9}, "bandwidth_m"),
        ("dbscan", {"eps_m": 1e9}, "eps_m"),
    ],
)
def test_costly_or_impossible_parameters_answer_422_naming_them(
    sample_client: TestClient, method: str, params: dict[str, float], named: str
) -> None:
    answer = sample_client.get(LAYER.format(method), params=params, headers=ANALYST)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    if isinstance(detail, list):  # refused by the route's declared maximum
        assert [issue["loc"] for issue in detail] == [["query", named]]
    else:  # refused by the method's own check (the CLI's path too)
        assert named in detail


def test_over_the_work_budget_says_which_permutations_would_fit(
    sample_client: TestClient,
) -> None:
    # A 5 km band on the city's 100 m cells: every cell neighbours every other.
    answer = sample_client.get(
        LAYER.format("gistar"),
        params={"distance_m": 5000, "permutations": 999},
        headers=ANALYST,
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "cells x" in detail and "neighbours" in detail
    assert f"{WORK_BUDGET:.2g}" in detail
    assert "or fewer" in detail and "permutations=" in detail


def test_a_layer_reports_its_cost_and_the_budget(sample_client: TestClient) -> None:
    layer = sample_client.get(
        LAYER.format("gistar"), params={"permutations": 99, "seed": 7}
    )
    assert layer.status_code == 200
    parameters = layer.json()["parameters"]
    assert 0 < parameters["cost_steps"] <= parameters["cost_budget"] == WORK_BUDGET
    assert "(permutations + 1)" in parameters["cost_formula"]


def test_the_cli_path_refuses_the_same_parameters(sample_url: str) -> None:
    store = open_store(sample_url)
    request = LayerRequest(method="gistar", parameters={"permutations": 9999})
    with pytest.raises(InvalidParameterError, match=f"0 to {MAX_PERMUTATIONS}"):
        compute_layer(store, request)


def test_the_cli_command_exits_2_with_the_message(
    sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", sample_url)
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(tmp_path))
    out = tmp_path / "layer.geojson"
    result = CliRunner().invoke(
        cli, ["layer", "gistar", "--out", str(out), "--distance-m", "1e9"]
    )
    assert result.exit_code == 2, result.output
    assert "distance_m" in result.output and "diagonal" in result.output
    assert not out.exists()


def test_six_thousand_area_codes_are_refused_before_any_work(
    sample_client: TestClient,
) -> None:
    codes = ",".join(["E01017000"] * 6000)  # 7-10 s of CPU per request before
    for path in (LAYER.format("grid"), "/api/v1/incidents", "/api/v1/change"):
        answer = sample_client.get(f"{path}?area={codes}")
        assert answer.status_code == 422, path
        assert f"more than {MAX_QUERY_BYTES:,}" in answer.json()["detail"]
    answer = sample_client.get(LAYER.format("grid") + f"?study_area={codes}")
    assert answer.status_code == 422


def test_area_and_category_lists_are_capped(sample_client: TestClient) -> None:
    many_areas = ",".join(["E0"] * (MAX_AREA_NAMES + 1))
    answer = sample_client.get("/api/v1/incidents", params={"area": many_areas})
    assert answer.status_code == 422
    assert f"area lists {MAX_AREA_NAMES + 1} values" in answer.json()["detail"]

    categories = [("category", f"c{i}") for i in range(MAX_CATEGORIES + 1)]
    answer = sample_client.get(LAYER.format("grid"), params=categories)
    assert answer.status_code == 422
    assert "category lists" in answer.json()["detail"]

    answer = sample_client.get(LAYER.format("grid"), params={"category": "x" * 500})
    assert answer.status_code == 422
    assert "more than 100" in answer.json()["detail"]


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "1,2,3,4,5", "nan,50,-1,51", "-1.1,50.7,inf,50.9", "-1,50,-1,99"]
)
def test_bad_bboxes_answer_422(sample_client: TestClient, bbox: str) -> None:
    answer = sample_client.get(LAYER.format("grid"), params={"bbox": bbox})
    assert answer.status_code == 422
    assert "bbox must be four numbers" in answer.json()["detail"]


def test_ogc_bbox_and_datetime_are_bounded(sample_client: TestClient) -> None:
    items = "/ogc/collections/incidents/items"
    answer = sample_client.get(items, params={"bbox": "-1.1,50.7,inf,50.9"})
    assert answer.status_code == 400
    answer = sample_client.get(items, params={"datetime": "2017-03-01/" + "9" * 200})
    assert answer.status_code == 400
    assert "RFC 3339" in answer.text


def test_too_many_query_parameters_answer_422(sample_client: TestClient) -> None:
    params = [("theme", "asb")] * 65
    answer = sample_client.get(LAYER.format("grid"), params=params)
    assert answer.status_code == 422
    assert "parameters" in answer.json()["detail"]
