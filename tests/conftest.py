"""Shared fixtures: repo data paths and a real SQLite store in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.store import SQLiteStore

REPO = Path(__file__).resolve().parent.parent
POLICE_UK_DIR = REPO / "sample_data" / "police_uk"
PORTSMOUTH_CSV = POLICE_UK_DIR / "portsmouth-street-2017-02_to_2017-07.csv"
MONTHLY_FILES = sorted(POLICE_UK_DIR.glob("2017-0?-hampshire-street.csv"))
LOCAL_DIR = REPO / "sample_data" / "local"


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    """An empty store in a real SQLite file."""
    return SQLiteStore(tmp_path / "hotspots.db")


@pytest.fixture
def env_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point HOTSPOTS_DATABASE_URL at a fresh SQLite file; returns the URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", url)
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(tmp_path / "data"))
    return url


def portsmouth_months(target: Path, keep: set[str]) -> Path:
    """The rows of the Portsmouth sample file whose month is in ``keep``, written
    to ``target`` (a smaller police.uk file for ingests in steps)."""
    import csv

    with (
        PORTSMOUTH_CSV.open(newline="", encoding="utf-8") as src,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        rows = csv.reader(src)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(rows))
        writer.writerows(row for row in rows if row[1] in keep)
    return target
