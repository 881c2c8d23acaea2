"""Stores for evaluation tests: the real sample months, and a planted repeat."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotspots.ingest import ingest_paths
from hotspots.store import SQLiteStore, open_store
from tests.conftest import PORTSMOUTH_CSV

REPEATED_MONTHS = ("2017-02", "2017-03", "2017-04", "2017-05")


@pytest.fixture(scope="package")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    """Six police.uk months of Portsmouth in a real SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('eval') / 'sample.db'}"
    ingest_paths([PORTSMOUTH_CSV], open_store(url))
    return open_store(url)


@pytest.fixture(scope="package")
def repeated_store(tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    """February's real ASB rows repeated unchanged for four months: every
    month has the same map, so a count map's next month is known exactly."""
    folder = tmp_path_factory.mktemp("repeat")
    with PORTSMOUTH_CSV.open(newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        feb = [
            r
            for r in reader
            if r["Month"] == "2017-02" and r["Crime type"] == "Anti-social behaviour"
        ]
    path = Path(folder) / "repeated-street.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for month in REPEATED_MONTHS:
            writer.writerows({**r, "Month": month} for r in feb)
    url = f"sqlite:///{folder / 'repeat.db'}"
    ingest_paths([path], open_store(url))
    return open_store(url)
