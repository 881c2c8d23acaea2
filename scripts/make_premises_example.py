"""Build the example evidence report committed under docs/examples/.

The White Swan (Guildhall Walk, PO1 2DD) from the sample register, 100 m, the six
sample months (2017-02 to 2017-07), before/after 2017-05, partner role, on a fresh
store of the sample data. Writes HTML, PDF, CSV and one PNG per PDF page
(``pdftoppm``, poppler-utils). Run from the repo root.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from hotspots.access import Role, policy_for
from hotspots.ingest import ingest_paths, pack_postcodes
from hotspots.premises import register_of
from hotspots.premises.context import CheckRequest
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.premises.service import context_for, make_report
from hotspots.settings import Settings
from hotspots.store import SQLiteStore

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "examples"
STEM = "premises-report-the-white-swan"
WHITE_SWAN = "portsmouth-ndr-2022-01:177503398210"
NDR_CSV = REPO / "sample_data/premises/portsmouth-ndr-properties-january-2022.csv"


def main() -> None:
    pack = Settings().area_pack()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "example.db")
        ingest_paths(
            [REPO / "sample_data/police_uk/portsmouth-street-2017-02_to_2017-07.csv",
             REPO / "sample_data/local"],
            store,
        )  # fmt: skip
        register = register_of(store)
        import_premises(
            NDR_CSV, read_mapping(NDR_CSV.with_suffix(".toml")), register,
            pack_postcodes(pack),
        )  # fmt: skip
        request = CheckRequest(
            month_from="2017-02", month_to="2017-07", change_date="2017-05"
        )
        context = context_for(store, pack, register, request, policy_for(Role.PARTNER))
        report = make_report(
            register.get(WHITE_SWAN), context, pack,
            generated_by="scripts/make_premises_example.py (role partner)",
        )  # fmt: skip
    (OUT / f"{STEM}.html").write_text(report.html, encoding="utf-8")
    (OUT / f"{STEM}.csv").write_text(report.csv, encoding="utf-8")
    pdf = OUT / f"{STEM}.pdf"
    pdf.write_bytes(report.pdf())
    for old in OUT.glob(f"{STEM}-page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(OUT / f"{STEM}-page")],
        check=True,
    )
    print("\n".join(sorted(p.name for p in OUT.glob(f"{STEM}*"))))


if __name__ == "__main__":
    main()
