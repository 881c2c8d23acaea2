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
    first = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)], env={"COLUMNS": "80"})
    assert first.exit_code == 0, first.output
    assert "17,950" in first.stdout
    assert "Store now holds 17,950 incidents." in first.stdout
    again = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)])
    assert again.exit_code == 0, again.output
    assert f"{PORTSMOUTH_CSV}: already ingested (batch 1, 20" in again.stdout
    as_json = json.loads(
        runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV), "--json"]).stdout
    )
    assert (as_json["files"], as_json["stored"], as_json["duplicates"]) == (0, 0, 0)
    assert [a["batch_id"] for a in as_json["already_ingested"]] == [1]
    assert len(open_store(env_store).batches()) == 1
    forced = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV), "--force", "--json"])
    assert json.loads(forced.stdout)["duplicates"] == 17950
    batches = runner.invoke(app, ["batches"], env={"COLUMNS": "250"})
    assert batches.exit_code == 0
    assert "portsmouth-street-2017-02_to_2017-07.csv" in batches.stdout
    assert str(PORTSMOUTH_CSV.parent) not in batches.stdout  # file names only


def test_rejects_of_a_run_that_ingested_nothing_is_an_empty_report(
    env_store: str, tmp_path: Path
) -> None:
    log = LOCAL_DIR / "council_asb_log.csv"
    assert runner.invoke(app, ["ingest", str(log)]).exit_code == 0
    out = tmp_path / "rejects.csv"
    again = runner.invoke(app, ["ingest", str(log), "--rejects", str(out)])
    assert again.exit_code == 0, again.output
    assert pd.read_csv(out).columns[-1] == "record"
    assert pd.read_csv(out).empty


BATCH_HEADERS = ("batch", "file", "source", "ingested", "read", "stored", "rejected")


def test_batches_at_80_columns_keep_every_header_whole(env_store: str) -> None:
    ingest = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV), str(LOCAL_DIR)])
    assert ingest.exit_code == 0, ingest.output
    listed = runner.invoke(app, ["batches"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    assert "…" not in listed.stdout
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.lstrip().startswith("batch"))
    assert header.split() == [*BATCH_HEADERS, "dupl."]
    assert "17,950" in listed.stdout and "2,895" in listed.stdout


def test_batches_narrower_than_a_table_list_one_block_per_batch(
    env_store: str,
) -> None:
    assert runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)]).exit_code == 0
    listed = runner.invoke(app, ["batches"], env={"COLUMNS": "40"})
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[1:5] == [
        "batch 1",
        "  file: portsmouth-street-2017-02_to_2017-07.csv",
        "  source: police.uk",
        lines[4],  # the ingest time
    ]
    assert lines[4].startswith("  ingested: 20")
    assert "  stored: 17,950" in lines


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


def test_an_error_to_a_pipe_is_one_line_however_narrow(
    env_store: str, tmp_path: Path
) -> None:
    """A log gets the whole message on one line, whatever COLUMNS says."""
    folder = tmp_path / ("a-long-folder-name-" * 6)
    folder.mkdir()
    missing = folder / "nope.csv"
    for columns in ("40", "80", "250"):
        result = runner.invoke(app, ["ingest", str(missing)], env={"COLUMNS": columns})
        assert result.exit_code == 2
        assert result.stderr == f"error: {missing}: no such file or folder\n"


def test_a_bad_setting_is_one_line_naming_the_variable(env_store: str) -> None:
    commands = [
        ["batches"],
        ["ingest", str(PORTSMOUTH_CSV)],
        ["layer", "grid", "--out", "x.geojson"],
        ["serve"],
    ]
    for args in commands:
        result = runner.invoke(app, args, env={"HOTSPOTS_STUDY_AREA": "town"})
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr == (
            "error: HOTSPOTS_STUDY_AREA='town': input should be 'city' or 'all'\n"
        )
    two = runner.invoke(
        app, ["batches"], env={"HOTSPOTS_PORT": "eighty", "HOTSPOTS_STUDY_AREA": "x"}
    )
    assert two.exit_code == 2
    assert [line.split("=")[0] for line in two.stderr.splitlines()] == [
        "error: HOTSPOTS_STUDY_AREA",
        "error: HOTSPOTS_PORT",
    ]


def test_help_is_plain_without_type_labels() -> None:
    for command in ([], ["ingest"], ["batches"], ["layer"], ["serve"]):
        result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
        assert result.exit_code == 0, result.output
        assert "<" not in result.stdout, result.stdout  # no <list[Path]>, <bool>
        help_line = next(x for x in result.stdout.splitlines() if "--help" in x)
        assert "bool" not in help_line
    ingest = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "100"}).stdout
    assert "ingest [OPTIONS] PATHS..." in ingest
    mapping = next(x for x in ingest.splitlines() if "--mapping" in x)
    assert mapping.split()[1:3] == ["--mapping", "FILE"]
    assert "--force" in ingest and "--no-force" not in ingest


def test_unsupported_store_url_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", "mysql://x")
    result = runner.invoke(app, ["ingest", str(PORTSMOUTH_CSV)])
    assert result.exit_code == 2
    assert "sqlite:///" in result.stderr


def test_serve_on_every_interface_prints_a_url_to_open(tmp_path: Path) -> None:
    """In a container the service binds 0.0.0.0, which no browser can open: it
    prints http://localhost:PORT and uvicorn's own bind-address line is dropped."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.live_server import free_port

    port = free_port()
    env = {**os.environ, "HOTSPOTS_DATA_DIR": str(tmp_path), "HOTSPOTS_AREA": "",
           "HOTSPOTS_COMPUTE_PROCESSES": "0"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "hotspots.cli", "serve", "--host", "0.0.0.0",
         "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health"):
                    break
            except OSError:
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert f"Map: http://localhost:{port}/" in output
    assert "Application startup complete" in output  # uvicorn still logs
    assert "0.0.0.0" not in output
