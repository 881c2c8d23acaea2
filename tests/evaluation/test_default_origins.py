"""The map's default recipe is chosen on the last year of origins, as each
layer's trust figure is scored."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from hotspots.errors import InvalidParameterError
from hotspots.evaluation.backtest import origins
from hotspots.evaluation.run import choose_default
from hotspots.evaluation.trust import MAX_ORIGINS
from hotspots.ingest import ingest_paths
from hotspots.store import open_store
from tests.conftest import PORTSMOUTH_CSV


def test_origins_keep_the_last() -> None:
    months = [f"2016-{m:02d}" for m in range(1, 13)] + ["2017-01", "2017-02"]
    assert origins(months, 3) == list(range(3, 14))
    assert origins(months, 3, last=4) == [10, 11, 12, 13]
    assert origins(months, 3, test_months=2, last=4) == [9, 10, 11, 12]
    assert origins(months, 3, last=40) == origins(months, 3)
    with pytest.raises(InvalidParameterError):
        origins(months, 3, last=0)


def _two_years(folder: Path) -> list[Path]:
    """The six sample months as four half-years (2015-2016), ids re-hashed."""
    rows = list(csv.reader(PORTSMOUTH_CSV.open(newline="", encoding="utf-8")))
    months = sorted({row[1] for row in rows[1:]})
    paths = []
    for year in (2015, 2016):
        for half in (0, 1):
            new = {m: f"{year}-{6 * half + i + 1:02d}" for i, m in enumerate(months)}
            path = folder / f"{year}-{half}.csv"
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(rows[0])
                for row in rows[1:]:
                    row = [*row]
                    row[1] = new[row[1]]
                    if row[0]:
                        row[0] = hashlib.sha256((row[0] + row[1]).encode()).hexdigest()
                    writer.writerow(row)
            paths.append(path)
    return paths


@pytest.mark.slow
def test_default_choice_backtests_the_last_year(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'two_years.db'}")
    ingest_paths(_two_years(tmp_path), store)
    assert len(store.months()) == 24
    choice = choose_default(store, theme="asb")
    assert choice is not None
    assert choice.origins == MAX_ORIGINS == 12
    assert choice.parameters["origins"] == store.months()[-12:]
    assert choice.parameters["last_origins"] == 12
    store.close()
