"""``hotspots premises import|search|check|rank|report`` on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.ingest import ingest_paths
from hotspots.store import open_store
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV
from tests.premises.conftest import NDR_CSV, WHITE_SWAN

runner = CliRunner()


@pytest.mark.slow
def test_premises_commands(env_store: str, tmp_path: Path) -> None:
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], open_store(env_store))
    rejects = tmp_path / "rejects.csv"
    done = runner.invoke(
        app, ["premises", "import", str(NDR_CSV), "--rejects", str(rejects), "--json"]
    )
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert (summary["stored"], summary["rejected"]) == (434, 9)
    assert len(rejects.read_text().splitlines()) == 10  # header + 9
    again = runner.invoke(app, ["premises", "import", str(NDR_CSV)])
    assert "already imported, nothing changed" in again.stdout

    found = runner.invoke(app, ["premises", "search", "white swan"])
    assert WHITE_SWAN in found.stdout.splitlines()[0]

    checked = runner.invoke(
        app, ["premises", "check", WHITE_SWAN, "--radius-m", "100", "--change",
              "2017-05"],
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    result = json.loads(checked.stdout)
    assert result["total"] == 512 and result["before_after"]["date"] == "2017-05"

    ranked = runner.invoke(app, ["premises", "rank", "--out", str(tmp_path / "r.csv")])
    assert ranked.exit_code == 0, ranked.output
    assert "191 premises (pub, club), 100 m, 2017-02 to 2017-07" in ranked.stdout

    stem = tmp_path / "out" / "swan"
    made = runner.invoke(app, ["premises", "report", WHITE_SWAN, "--out", str(stem)])
    assert made.exit_code == 0, made.output
    assert stem.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
    assert "The White Swan" in stem.with_suffix(".html").read_text()
    assert stem.with_suffix(".csv").read_text().startswith("section,item,value")


def test_bad_input_is_one_clear_line(env_store: str, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["premises", "import", str(tmp_path / "x.csv")])
    assert missing.exit_code == 2
    assert "no mapping file given and none beside it" in missing.output
    too_big = runner.invoke(app, ["premises", "check", "x", "--radius-m", "900"])
    assert too_big.exit_code == 2
