"""Where the bundled sample data lives (``hotspots serve --with-sample-data``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SAMPLE_DIR", "SAMPLE_PATHS"]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"

#: police.uk Portsmouth extract first: it also feeds the street gazetteer that
#: the local logs' street addresses are matched against.
SAMPLE_PATHS: tuple[Path, ...] = (
    SAMPLE_DIR / "police_uk" / "portsmouth-street-2017-02_to_2017-07.csv",
    SAMPLE_DIR / "local",
)
