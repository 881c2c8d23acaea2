"""``hotspots area``: build a pack from the open files, choose it, ingest into it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.store import open_store
from tests.conftest import MONTHLY_FILES, REPO

runner = CliRunner()
AREAS = REPO / "sample_data" / "areas"
POSTCODES = REPO / "boundaries" / "data" / "codepoint_open_2014_PO.csv"


def _create(name: str, *extra: str) -> list[str]:
    return [
        "area", "create", name,
        "--wards", str(AREAS / "gosport_wards_2013.geojson"),
        "--lsoas", str(AREAS / "gosport_lsoa_2011.geojson"),
        "--postcodes", str(POSTCODES), *extra,
    ]  # fmt: skip


def test_create_use_show_and_ingest_as_a_new_user(env_store: str) -> None:
    listed = runner.invoke(app, ["area", "list"])
    assert listed.stdout.split() == ["*", "portsmouth"]
    built = runner.invoke(app, _create("gosport"))
    assert built.exit_code == 0, built.output
    assert "Gosport (E07000088)" in built.stdout
    assert "ward: 17 areas" in built.stdout and "lsoa: 53 areas" in built.stdout
    used = runner.invoke(app, ["area", "use", "gosport"])
    assert used.exit_code == 0 and "Active area: gosport (Gosport)" in used.stdout
    shown = json.loads(runner.invoke(app, ["area", "show", "--json"]).stdout)
    assert shown["boundary_sets"] == {"ward": 17, "lsoa": 53}
    assert runner.invoke(app, ["area", "list"]).stdout.split() == [
        "portsmouth", "*", "gosport",
    ]  # fmt: skip
    ingested = runner.invoke(app, ["ingest", *map(str, MONTHLY_FILES), "--json"])
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["stored"] == 4931
    assert open_store(env_store).count() == 4931


def test_the_setting_wins_over_the_remembered_pack(
    env_store: str, tmp_path: Path
) -> None:
    assert runner.invoke(app, _create("gosport", "--use")).exit_code == 0
    out = tmp_path / "layer.geojson"
    result = runner.invoke(
        app,
        ["layer", "grid", "--out", str(out), "--theme", "asb"],
        env={"HOTSPOTS_AREA": "portsmouth"},
    )
    # The store is empty: the message names the area the layer was asked for.
    assert result.exit_code == 2
    assert "no asb incidents in Portsmouth" in result.stderr
    remembered = runner.invoke(app, ["layer", "grid", "--out", str(out)])
    assert "no incidents in Gosport" in remembered.stderr


def test_an_unknown_pack_and_a_bad_build_are_one_line_errors(env_store: str) -> None:
    unknown = runner.invoke(app, ["area", "use", "atlantis"])
    assert unknown.exit_code == 2
    assert "no area pack 'atlantis'; packs: portsmouth" in unknown.stderr
    bad = runner.invoke(app, [*_create("gosport")[:-2], "--postcodes", str(AREAS)])
    assert bad.exit_code == 2
    assert runner.invoke(app, ["area", "list"]).stdout.split() == ["*", "portsmouth"]


@pytest.mark.parametrize(
    ("variable", "nearest"),
    [
        ("HOTSPOTS_ARAE", "HOTSPOTS_AREA"),
        ("HOTSPOTS_DATABASE", "HOTSPOTS_DATABASE_URL"),
    ],
)
def test_an_unknown_setting_is_a_warning_naming_the_nearest(
    env_store: str, variable: str, nearest: str
) -> None:
    result = runner.invoke(app, ["area", "list"], env={variable: "x"})
    assert result.exit_code == 0
    assert (
        f"{variable} is not a hotspots setting, ignored; did you mean {nearest}?"
        in (result.stderr)
    )
