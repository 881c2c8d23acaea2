"""Layers from the store on six months of real Portsmouth data (ASB and violence)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.errors import EmptyInputError, InvalidParameterError, UnknownMethodError
from hotspots.ingest import ingest_paths
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import SQLiteStore, open_store
from tests.conftest import PORTSMOUTH_CSV

METHODS = ("grid", "kde", "gistar", "dbscan", "hdbscan")
ID_FIELD = {"dbscan": "cluster_id", "hdbscan": "cluster_id"}


@pytest.fixture(scope="module")
def portsmouth(tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    store = SQLiteStore(tmp_path_factory.mktemp("layers") / "layers.db")
    ingest_paths([PORTSMOUTH_CSV], store)
    return store


@pytest.mark.parametrize("theme", ["asb", "violence"])
@pytest.mark.parametrize("method", METHODS)
def test_each_method_gives_a_layer_with_its_parameters(
    portsmouth: SQLiteStore, method: str, theme: str
) -> None:
    layer = compute_layer(portsmouth, LayerRequest(method, theme=theme))
    assert layer["type"] == "FeatureCollection"
    assert layer["features"], f"{method}/{theme} produced no features"
    params = layer["parameters"]
    assert params["theme"] == theme
    assert (params["period_from"], params["period_to"]) == ("2017-02", "2017-07")
    assert params["area_name"] == "Portsmouth"
    assert params["data_version"] == 1
    first = layer["features"][0]["properties"]
    assert ID_FIELD.get(method, "cell_id") in first
    assert "n" in first
    lon, lat = _first_coordinate(layer["features"][0]["geometry"])
    assert -1.2 < lon < -1.0 and 50.7 < lat < 50.9
    if method == "kde":
        assert "density_km2" in first and params["bandwidth_m"] > 0
    if method == "gistar":
        assert {"gistar_z", "gistar_p", "gistar_bin"} <= set(first)
        assert params["distance_m"] > 0


def test_a_ward_layer_only_uses_the_ward(portsmouth: SQLiteStore) -> None:
    city = compute_layer(portsmouth, LayerRequest("grid", theme="asb"))
    ward = compute_layer(
        portsmouth, LayerRequest("grid", theme="asb", area="Charles Dickens")
    )
    city_n = sum(f["properties"]["n"] for f in city["features"])
    ward_n = sum(f["properties"]["n"] for f in ward["features"])
    assert 0 < ward_n < city_n
    assert ward["parameters"]["area_code"].startswith("E05")


def test_layer_errors(portsmouth: SQLiteStore) -> None:
    with pytest.raises(UnknownMethodError, match="valid methods"):
        compute_layer(portsmouth, LayerRequest("heatmap"))
    with pytest.raises(InvalidParameterError, match="unknown area"):
        compute_layer(portsmouth, LayerRequest("grid", area="Atlantis"))
    with pytest.raises(EmptyInputError, match="no asb incidents in Portsmouth from"):
        compute_layer(
            portsmouth, LayerRequest("grid", theme="asb", month_from="2020-01")
        )


def test_layer_command_writes_geojson(
    portsmouth: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", portsmouth.url)
    out = tmp_path / "asb.geojson"
    args = ["layer", "kde", "--theme", "asb", "--from", "2017-05", "--to", "2017-07",
            "--cell-size-m", "100", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    layer = json.loads(out.read_text())
    assert layer["parameters"]["cell_size_m"] == 100
    assert "bandwidth_m = " in result.stdout and "(auto)" in result.stdout
    bad = CliRunner().invoke(app, ["layer", "nope", "--out", str(out)])
    assert bad.exit_code == 2 and "valid methods" in bad.stderr
    assert open_store(portsmouth.url).count() == 17950


def test_layer_command_takes_days(
    portsmouth: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", portsmouth.url)
    out = tmp_path / "grid.geojson"
    args = [
        "layer",
        "grid",
        "--from",
        "2017-05-01",
        "--to",
        "2017-06-30",
        "--out",
        str(out),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    mid_month = ["layer", "grid", "--from", "2017-05-10", "--out", str(out)]
    noted = CliRunner().invoke(app, mid_month)
    assert "incidents known only to their month" in noted.stdout
    assert CliRunner().invoke(app, args).exit_code == 0
    layer = json.loads(out.read_text())
    assert (layer["parameters"]["period_from"], layer["parameters"]["period_to"]) == (
        "2017-05-01", "2017-06-30",
    )  # fmt: skip
    assert layer["parameters"]["left_out_month_only"] == 0
    reversed_period = ["layer", "grid", "--from", "2017-06", "--to", "2017-05-31"]
    bad = CliRunner().invoke(app, [*reversed_period, "--out", str(out)])
    assert bad.exit_code == 2 and "--from (2017-06) is after --to" in bad.stderr


def _first_coordinate(geometry: dict) -> tuple[float, float]:  # type: ignore[type-arg]
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return float(coords[0]), float(coords[1])
