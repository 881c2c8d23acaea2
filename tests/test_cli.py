"""The ``hotspots`` command, run as a user would (CliRunner, real SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV

runner = CliRunner()


def test_ingest_json_reports_the_counts_for_scripts(env_store: str) -> None:
    result = runner.invoke(
        app, ["ingest", str(LOCAL_DIR / "council_asb_log.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("read", "stored", "rejected", "duplicates")} == {
        "read": 3000,
        "stored": 2895,
        "rejected": 105,
        "duplicates": 0,
    }
    assert sum(report["rejected_by_reason"].values()) == 105
    assert report["store"] == env_store
    assert open_store(env_store).count() == 2895


def test_ingest_prints_a_summary_table_and_rerun_adds_nothing(env_store: str) -> None:
    first = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)])
    assert first.exit_code == 0, first.output
    assert "17,950" in first.stdout
    assert "Store now holds 17,950 incidents." in first.stdout
    again = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV), "--json"])
    assert json.loads(again.stdout)["duplicates"] == 17950
    batches = runner.invoke(app, ["batches"], env={"COLUMNS": "250"})
    assert batches.exit_code == 0
    assert "portsmouth-street" in batches.stdout


def test_rejects_report_file(env_store: str, tmp_path: Path) -> None:
    out = tmp_path / "rejects.csv"
    result = runner.invoke(
        app, ["ingest", str(LOCAL_DIR / "council_asb_log.csv"), "--rejects", str(out)]
    )
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(out)
    assert len(rejects) == 105
    assert list(rejects.columns) == [
        "batch_id", "file_name", "row", "field", "reason", "record",
    ]  # fmt: skip
    assert rejects["row"].between(2, 3001).all()


def test_unreadable_input_exits_2_naming_the_file(
    env_store: str, tmp_path: Path
) -> None:
    bad = tmp_path / "council.csv"
    bad.write_text("Ref,When\n1,2\n")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 2
    assert "council.csv" in result.stderr
    assert "mapping" in result.stderr
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr


def test_unsupported_store_url_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", "mysql://x")
    result = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)])
    assert result.exit_code == 2
    assert "sqlite:///" in result.stderr
