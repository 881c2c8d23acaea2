"""``hotspots --help`` starts fast: each command imports the heavy stack itself.

Checked with ``sys.modules`` in a fresh interpreter (a timed test would be
flaky; the time itself is in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "sklearn", "geopandas", "pandas", "shapely", "pyproj", "fastapi")

_PROBE = """
import json, sys
from hotspots.cli import app
heavy = json.loads(sys.argv[2])
sys.argv = ["hotspots", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit:
    pass
loaded = [m for m in heavy if m in sys.modules]
print("\\n" + json.dumps(sorted(loaded)))
"""


@pytest.mark.parametrize(
    "arguments",
    [["--help"], ["area", "--help"], ["premises", "--help"], ["layer", "--help"],
     ["ingest", "--help"], ["evaluate", "--help"]],
)  # fmt: skip
def test_help_loads_no_analysis_stack(arguments: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(arguments), json.dumps(HEAVY)],
        capture_output=True, text=True, check=False, env={"COLUMNS": "100"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-1500:]
    assert "Usage" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


_LAYER_PROBE = """
import json, sys
import hotspots.layers
from hotspots.analysis.registry import get_method
get_method("gistar")
print(json.dumps(sorted(m for m in sys.modules
                        if m in ("sklearn", "scipy.signal", "scipy.stats"))))
"""


def test_a_gistar_layer_loads_no_clustering_or_signal_stack() -> None:
    # A Gi* layer needs neither scikit-learn (clusters) nor scipy.signal and
    # scipy.stats (~1.5 s to import together); they load when used.
    done = subprocess.run(
        [sys.executable, "-c", _LAYER_PROBE], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-1500:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_python_dash_m_has_every_command() -> None:
    """``python -m hotspots.cli`` offers the same commands as ``hotspots``
    (the groups added after the module's own commands included)."""
    done = subprocess.run(
        [sys.executable, "-m", "hotspots.cli", "--help"],
        capture_output=True, text=True, check=True, env={"COLUMNS": "100"},
    )  # fmt: skip
    for command in ("ingest", "batches", "layer", "serve", "evaluate", "area",
                    "premises", "db", "report"):  # fmt: skip
        assert f" {command} " in done.stdout, command
