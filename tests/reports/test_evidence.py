"""The evidence report: every CSV number printed, no outside request, a PDF whose
text holds what the HTML says."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest

from hotspots.access import Role, policy_for
from hotspots.premises import register_of
from hotspots.premises.context import CheckRequest
from hotspots.premises.service import Report, context_for, make_report
from hotspots.reports.evidence import report_numbers
from hotspots.store import SQLiteStore
from tests.premises.conftest import WHITE_SWAN


@pytest.fixture(scope="module")
def report(sample_db: Path, pack) -> Report:  # type: ignore[no-untyped-def]
    store = SQLiteStore(sample_db)
    register = register_of(store)
    request = CheckRequest(
        month_from="2017-02", month_to="2017-07", change_date="2017-05"
    )
    context = context_for(store, pack, register, request, policy_for(Role.PARTNER))
    return make_report(register.get(WHITE_SWAN), context, pack, generated_by="tests")


def _cell(value: object) -> str:
    return f'<td class="n">{escape(str(value))}</td>'


def test_every_number_in_the_csv_is_printed_where_it_belongs(report: Report) -> None:
    html = report.html
    rows = list(csv.DictReader(io.StringIO(report.csv)))
    assert rows == [
        {k: str(v) for k, v in r.items()} for r in report_numbers(report.check)
    ]
    tabled = (
        "by theme",
        "by category",
        "by source",
        "sensitive",
    )
    checked = 0
    for r in rows:
        if r["section"] in tabled:
            assert f"<td>{escape(r['item'])}</td>{_cell(r['value'])}" in html, r
            checked += 1
        elif r["section"] == "nearby premises (m)":
            pattern = f"<td>{re.escape(escape(r['item']))}</td><td>[a-z]+</td>"
            assert re.search(pattern + re.escape(_cell(r["value"])), html), r
            checked += 1
        elif r["section"] in ("by hour", "by day", "by month"):
            # Bar charts print each value over its bar.
            assert f">{r['value']}</text>" in html, r
            checked += 1
        elif r["section"].startswith("against the"):
            ci = (f"{r['value']} to ", f" to {r['value']}</td>")
            assert _cell(r["value"]) in html or any(t in html for t in ci), r
            checked += 1
        else:
            assert r["value"] in re.sub(r"<[^>]+>", " ", html), r
            checked += 1
    assert checked == len(rows) > 60
    hours = [r["value"] for r in rows if r["section"] == "by hour"]
    assert [int(v) for v in hours] == report.check["profile"]["by_hour"]


def test_report_makes_no_outside_request(report: Report) -> None:
    html = report.html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in html and "https://" not in html.replace(
        "https://github.com/martinjc/UK-GeoJSON", ""
    )
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert "@page { size: A4" in html


def test_report_says_what_the_register_lacks(report: Report) -> None:
    assert "no licence type and no opening or licensable hours" in report.html
    assert "not given by the register" in report.html
    assert "anonymous map points" in report.html
    assert "illustration" in report.html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_text_holds_the_report(report: Report, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(report.pdf())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "A4" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert 2 <= pages <= 6
    flat = " ".join(text.split())
    assert report.check["rate_ratio_sentence"] in flat
    for row in report.check["by_category"]:
        assert row["category"] in flat
    assert "Generated" in flat and "by tests" in flat
    for row in report_numbers(report.check):  # every CSV number is in the PDF
        assert str(row["value"]) in flat, row
