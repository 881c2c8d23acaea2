"""``hotspots evaluate`` on the real sample months: tables, CSV, chart, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.ingest import ingest_paths
from hotspots.store import open_store
from tests.conftest import PORTSMOUTH_CSV

runner = CliRunner()


def test_evaluate_writes_table_csv_and_chart(env_store: str, tmp_path: Path) -> None:
    ingest_paths([PORTSMOUTH_CSV], open_store(env_store))
    md, csv, charts = tmp_path / "t.md", tmp_path / "f.csv", tmp_path / "charts"
    result = runner.invoke(
        app,
        ["evaluate", "--theme", "violence", "--theme", "drugs", "--markdown", str(md),
         "--csv", str(csv), "--chart", str(charts)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "violence: 4,510 incidents, origins 2017-05, 2017-06, 2017-07" in result.output
    )
    assert "Gi* z, 3 months" in result.output
    text = md.read_text()
    assert text.count("| method | hit rate % | PAI | PEI | RRI | origins |") == 2
    folds = pd.read_csv(csv)
    # 13 recipes x 3 origins x 5 coverages x 2 themes.
    assert len(folds) == 13 * 3 * 5 * 2
    assert set(folds["coverage"]) == {0.01, 0.02, 0.05, 0.1, 0.2}
    svg = (charts / "hit_rate_violence.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 13


def test_evaluate_json_and_too_few_months(env_store: str) -> None:
    ingest_paths([PORTSMOUTH_CSV], open_store(env_store))
    result = runner.invoke(app, ["evaluate", "--theme", "asb", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["asb"]["parameters"]["grid_cell_size_m"] == 100.0
    assert out["asb"]["parameters"]["min_train"] == 3
    bad = runner.invoke(app, ["evaluate", "--theme", "asb", "--min-train", "6"])
    assert bad.exit_code == 2
    assert "needs at least 7" in bad.output
