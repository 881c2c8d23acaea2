"""Malformed input files (issue 13): a clear error naming the file, or the bad
row rejected with its reason, never a traceback; the store is unchanged when a
file is refused."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspots.cli import app
from hotspots.errors import IngestError
from hotspots.ingest import IngestLimits, IngestOptions, ingest_paths
from hotspots.store import SQLiteStore

runner = CliRunner()

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)
ASB = (
    ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.091236,50.797445,"
    "On or near Guildhall Walk,E01017012,Portsmouth 018A,Anti-social behaviour,,\n"
)
GOOD_FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [-1.0912, 50.7974]},
    "properties": {"id": "a1", "date": "2017-05-06", "category": "Assault"},
}


def _counts(store: SQLiteStore) -> tuple[int, int, int]:
    """Incidents, batches and rejects in the store's file."""
    with sqlite3.connect(store.path) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("incidents", "batches", "rejects")
        )  # type: ignore[return-value]


def _geojson(path: Path, features: object) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _cli_refuses(path: Path, *words: str) -> str:
    """Run ``hotspots ingest path``: exit 2, one clear message, no traceback."""
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {path}")
    for word in words:
        assert word in result.stderr
    return result.stderr


# -- GeoJSON and mapping files ------------------------------------------------


def test_features_that_are_not_an_array_refuse_the_file(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = _geojson(tmp_path / "five.geojson", 5)
    with pytest.raises(IngestError, match=r"'features' must be an array.*a number"):
        ingest_paths([path], store)
    assert _counts(store) == (0, 0, 0)
    _cli_refuses(path, "'features' must be an array of Feature objects")


def test_a_crs_without_a_properties_object_is_taken_as_wgs84(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "crs.geojson"
    doc = {"type": "FeatureCollection", "crs": {"properties": [1]},
           "features": [GOOD_FEATURE]}  # fmt: skip
    path.write_text(json.dumps(doc))
    assert ingest_paths([path], store).totals()["stored"] == 1


def test_deeply_nested_json_refuses_the_file(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = tmp_path / "deep.geojson"
    depth = 100_000
    path.write_text(
        '{"type": "FeatureCollection", "features": [' + "[" * depth + "]" * depth + "]}"
    )
    with pytest.raises(IngestError, match="nested too deeply"):
        ingest_paths([path], store)
    assert _counts(store) == (0, 0, 0)
    _cli_refuses(path, "nested too deeply")


@pytest.mark.parametrize(
    ("feature", "field", "reason"),
    [
        (5, "feature", "feature is a number, not an object"),
        (["x"], "feature", "feature is an array, not an object"),
        (
            {**GOOD_FEATURE, "properties": [1, 2]},
            "properties",
            "properties must be an object, found an array",
        ),
        (
            {**GOOD_FEATURE, "geometry": {"type": "Point", "coordinates": 5}},
            "geometry",
            "point coordinates must be an array [x, y], found a number",
        ),
        (
            {**GOOD_FEATURE, "geometry": {"type": "Point", "coordinates": ["a", 1]}},
            "geometry",
            "point coordinates must be numbers, found ['a', 1]",
        ),
    ],
)
def test_a_malformed_feature_is_one_rejected_row(
    tmp_path: Path, store: SQLiteStore, feature: object, field: str, reason: str
) -> None:
    other = {**GOOD_FEATURE, "properties": {**GOOD_FEATURE["properties"], "id": "b"}}
    path = _geojson(tmp_path / "assaults.geojson", [feature, other])
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (2, 1, 1)
    [reject] = store.rejects().to_dict("records")
    assert (reject["row"], reject["field"], reject["reason"]) == (2, field, reason)
    assert store.incidents()["source_id"].tolist() == ["b"]


def test_a_malformed_feature_through_the_cli_is_reported_not_a_traceback(
    tmp_path: Path, env_store: str
) -> None:
    path = _geojson(tmp_path / "assaults.geojson", [5, GOOD_FEATURE])
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rejected_by_reason"] == {"feature is a number, not an object": 1}
    assert report["stored"] == 1


def _mapped_log(tmp_path: Path, options: str) -> Path:
    csv = tmp_path / "council.csv"
    csv.write_text("Date,Type,Postcode\n2017-03-01,Street drinking,PO1 2AB\n")
    (tmp_path / "council.toml").write_text(
        'source = "council"\n[columns]\ndate = "Date"\ncategory = "Type"\n'
        f'postcode = "Postcode"\n[options]\n{options}\n'
    )
    return csv


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("date_format = 7", "[options] date_format must be a non-empty string"),
        ('time_format = ["%H"]', "[options] time_format must be a non-empty string"),
        ('date_format = "%Q"', "[options] date_format '%Q': 'Q' is a bad directive"),
        ('default_flags = "alcohol"', "default_flags must be a list of flag names"),
        ('encoding = "klingon"', "encoding 'klingon' is not a known encoding"),
    ],
)
def test_a_mapping_with_a_bad_option_refuses_the_file_naming_it(
    tmp_path: Path, store: SQLiteStore, env_store: str, options: str, message: str
) -> None:
    csv = _mapped_log(tmp_path, options)
    with pytest.raises(IngestError, match=r"council\.toml") as caught:
        ingest_paths([csv], store)
    assert message in str(caught.value)
    assert _counts(store) == (0, 0, 0)
    result = runner.invoke(app, ["ingest", str(csv)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {caught.value}\n"


def test_a_mapping_whose_columns_are_not_a_table_is_refused(
    tmp_path: Path, store: SQLiteStore
) -> None:
    csv = tmp_path / "council.csv"
    csv.write_text("Date,Type,Postcode\n2017-03-01,Street drinking,PO1 2AB\n")
    (tmp_path / "council.toml").write_text('source = "council"\ncolumns = 5\n')
    with pytest.raises(IngestError, match=r"council.toml: \[columns\] must be a table"):
        ingest_paths([csv], store)
    (tmp_path / "council.toml").write_text(
        'source = "council"\n[columns]\ndate = 5\ncategory = "Type"\n'
        'postcode = "Postcode"\n'
    )
    with pytest.raises(IngestError, match=r"\[columns\] date must be a non-empty"):
        ingest_paths([csv], store)


# -- police.uk rows -----------------------------------------------------------


def test_a_row_of_only_commas_is_skipped_and_the_rest_ingested(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + ASB + ",,,,,,,,,,,\n" + ASB + ",,,,,,,,,,,\n")
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (2, 2, 0)
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 2


def test_a_rejected_row_with_no_field_left_has_an_empty_record(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """Only a Context: no field the reject record keeps (Arrow once dropped it)."""
    path = tmp_path / "context.csv"
    path.write_text(HEADER + ASB + ",,,,,,,,,,,a note\n")
    totals = ingest_paths([path], store).totals()
    assert (totals["stored"], totals["rejected"]) == (1, 1)
    [reject] = store.rejects().to_dict("records")
    assert reject["row"] == 3
    assert reject["record"] == "{}"


def test_lines_that_cannot_be_split_are_rejected_with_their_row(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """A stray comma or quote costs that row, not the file; rows after a blank
    line or a bad one keep their line numbers."""
    bad_quote = ASB.replace("On or near", 'On "or" near', 1).replace(",,\n", '",\n')
    extra_comma = ASB.replace("Guildhall Walk", "Guildhall, Walk")
    late = ASB.replace("2017-02", "2017-13")  # rejected: shows its row number
    body = ASB + "\n" + bad_quote + ASB + extra_comma + ",,,,,,,,,,,\n" + late
    path = tmp_path / "broken.csv"
    path.write_text(HEADER + body)
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (5, 2, 3)
    rejects = store.rejects().set_index("row")
    assert list(rejects.index) == [4, 6, 8]
    assert rejects.loc[4, "field"] == "row"
    assert rejects.loc[4, "reason"].startswith(
        "expected 12 fields, found 11 (unbalanced quotes or an unquoted comma?): "
    )
    assert rejects.loc[6, "reason"].startswith("expected 12 fields, found 13")
    assert rejects.loc[8, "field"] == "Month"


def test_a_quote_left_open_refuses_the_file_naming_its_line(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = tmp_path / "open_quote.csv"
    path.write_text(HEADER + ASB + '"abc,2017-02,Hampshire\n' + ASB * 3)
    with pytest.raises(IngestError, match="quoted value opened on line 3 is not"):
        ingest_paths([path], store)
    assert _counts(store) == (0, 0, 0)
    _cli_refuses(path, "opened on line 3")


def test_a_50_mb_field_rejects_its_row_only(tmp_path: Path, store: SQLiteStore) -> None:
    huge = ASB.replace("On or near Guildhall Walk", "x" * 50_000_000)
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + ASB + huge + ASB)
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (3, 2, 1)
    [reject] = store.rejects().to_dict("records")
    assert (reject["row"], reject["field"]) == (3, "Location")
    assert reject["reason"] == (
        "field is over the limit of 65,536 bytes: 50,000,000 bytes"
    )
    assert len(reject["record"]) < 1000  # the value is not kept


def test_a_nul_byte_rejects_its_row(tmp_path: Path, store: SQLiteStore) -> None:
    path = tmp_path / "nul.csv"
    path.write_text(HEADER + ASB + ASB.replace("Guildhall", "Guild\x00hall"))
    totals = ingest_paths([path], store).totals()
    assert (totals["stored"], totals["rejected"]) == (1, 1)
    [reject] = store.rejects().to_dict("records")
    assert (reject["row"], reject["field"]) == (3, "Location")
    assert reject["reason"] == "field contains a NUL byte (\\x00)"
    assert "\x00" not in reject["record"]
    assert "\x00" not in "".join(store.incidents()["location_text"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_utf8_with_a_byte_order_mark_are_read(
    tmp_path: Path, store: SQLiteStore, encoding: str
) -> None:
    path = tmp_path / "excel.csv"
    text = HEADER + ASB.replace("Guildhall Walk", "Guildhall Café")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"]) == (1, 1)
    assert store.incidents()["location_text"].tolist() == ["On or near Guildhall Café"]


def test_a_latin1_file_is_refused_naming_the_line_and_byte(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = tmp_path / "latin1.csv"
    text = HEADER + ASB + ASB.replace("Guildhall Walk", "Café Walk")
    path.write_bytes(text.encode("latin-1"))
    offset = len((HEADER + ASB).encode()) + ASB.index("Guildhall") + 3
    with pytest.raises(IngestError) as caught:
        ingest_paths([path], store)
    message = str(caught.value)
    assert message.startswith(
        f"{path}: not UTF-8: byte 0xE9 at line 3 (byte offset {offset}), which reads '"
    )
    assert "Café Walk" in message and "'CSV UTF-8'" in message
    assert _counts(store) == (0, 0, 0)
    _cli_refuses(path, "not UTF-8: byte 0xE9 at line 3")


def test_utf16_without_a_byte_order_mark_is_named(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "nobom.csv"
    path.write_bytes((HEADER + ASB).encode("utf-16-le"))
    with pytest.raises(IngestError, match="looks like UTF-16 without a byte-order"):
        ingest_paths([path], store)


def test_a_mapping_may_declare_a_windows_1252_log(
    tmp_path: Path, store: SQLiteStore
) -> None:
    csv = _mapped_log(tmp_path, 'encoding = "cp1252"')
    csv.write_bytes("Date,Type,Postcode\n2017-03-01,Caf\u00e9 disorder,PO1 2AB\n"
                    .encode("cp1252"))  # fmt: skip
    assert ingest_paths([csv], store).totals()["read"] == 1
    [record] = [*store.rejects()["record"], *store.incidents()["category"]]
    assert "Café disorder" in record


# -- the same record twice in one file -----------------------------------------

CRIME = (
    "{id},2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.091236,"
    "50.797445,On or near Guildhall Walk,E01017012,Portsmouth 018A,Drugs,,\n"
)


def test_a_crime_id_twice_in_one_file_is_stored_once(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(HEADER + CRIME.format(id="c1") * 2 + CRIME.format(id="c2") + ASB)
    first = ingest_paths([path], store).files[0]
    assert (first.read, first.stored, first.duplicates) == (4, 3, 1)
    assert sorted(store.incidents()["source_id"].dropna()) == ["c1", "c2"]
    [batch] = store.batches().to_dict("records")
    assert (batch["rows_stored"], batch["rows_duplicate"]) == (3, 1)
    forced = ingest_paths([path], store, options=IngestOptions(force=True)).files[0]
    assert (forced.stored, forced.duplicates) == (0, 4)
    assert store.count() == 3


def test_a_case_ref_twice_in_a_mapped_log_is_stored_once(
    tmp_path: Path, store: SQLiteStore
) -> None:
    csv = tmp_path / "council.csv"
    row = "ASB-1,2017-03-01,Street drinking,-1.091236,50.797445\n"
    csv.write_text("Ref,Date,Type,Lon,Lat\n" + row * 2)
    (tmp_path / "council.toml").write_text(
        'source = "council"\n[columns]\nid = "Ref"\ndate = "Date"\n'
        'category = "Type"\nlon = "Lon"\nlat = "Lat"\n'
    )
    report = ingest_paths([csv], store).files[0]
    assert (report.stored, report.duplicates) == (1, 1)


# -- implausible months ---------------------------------------------------------


def test_months_before_police_uk_or_after_this_month_are_rejected(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "months.csv"
    rows = [ASB.replace("2017-02", month) for month in ("1900-01", "2099-01")]
    path.write_text(HEADER + "".join(rows) + ASB)
    totals = ingest_paths([path], store).totals()
    assert (totals["stored"], totals["rejected"]) == (1, 2)
    rejects = store.rejects().set_index("row")
    assert rejects.loc[2, "field"] == rejects.loc[3, "field"] == "Month"
    assert rejects.loc[2, "reason"] == (
        "month '1900-01' is before 2010-12, the earliest accepted "
        "(HOTSPOTS_EARLIEST_MONTH)"
    )
    this_month = date.today().strftime("%Y-%m")
    assert rejects.loc[3, "reason"] == (
        f"month '2099-01' is after the current month, {this_month}"
    )


def test_a_dated_log_is_checked_too_and_the_earliest_month_is_a_setting(
    tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "council.csv"
    csv.write_text("Date,Type,Lon,Lat\n2009-06-01,Street drinking,-1.0912,50.7974\n")
    (tmp_path / "council.toml").write_text(
        'source = "council"\n[columns]\ndate = "Date"\ncategory = "Type"\n'
        'lon = "Lon"\nlat = "Lat"\n'
    )
    assert ingest_paths([csv], store).totals()["stored"] == 0
    [reject] = store.rejects().to_dict("records")
    assert reject["field"] == "Date"
    assert reject["reason"].startswith("month '2009-06' is before 2010-12")
    limits = IngestLimits(earliest_month="2009-06")
    forced = IngestOptions(force=True, limits=limits)
    assert ingest_paths([csv], store, options=forced).totals()["stored"] == 1
    store.path.unlink()
    monkeypatch.setenv("HOTSPOTS_EARLIEST_MONTH", "2005-01")
    fresh = SQLiteStore(store.path)
    assert ingest_paths([csv], fresh).totals()["stored"] == 1


# -- zips -------------------------------------------------------------------------


def _zip_bomb(path: Path, expanded_mb: int) -> Path:
    """A police.uk-looking zip member of ``expanded_mb`` MB of one repeated row,
    written 1 MB at a time so the test never holds it."""
    chunk = (ASB * (1_000_000 // len(ASB))).encode()
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("2017-02/2017-02-hampshire-street.csv", "w") as member,
    ):
        member.write(HEADER.encode())
        for _ in range(expanded_mb):
            member.write(chunk)
    return path


def test_a_zip_bomb_is_refused_before_it_is_read(
    tmp_path: Path, store: SQLiteStore, env_store: str
) -> None:
    path = _zip_bomb(tmp_path / "2017-02.zip", expanded_mb=200)
    assert path.stat().st_size < 2_000_000
    with pytest.raises(IngestError) as caught:
        ingest_paths([path], store)
    message = str(caught.value)
    assert message.startswith(f"{path}!2017-02/2017-02-hampshire-street.csv: expands ")
    assert (
        "over the limit of 100 (HOTSPOTS_MAX_ZIP_RATIO): a likely zip bomb" in message
    )
    assert _counts(store) == (0, 0, 0)
    _cli_refuses(path, "a likely zip bomb", "nothing in the zip was ingested")


def test_a_zip_member_over_the_size_limit_is_refused(
    tmp_path: Path, env_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _zip_bomb(tmp_path / "2017-02.zip", expanded_mb=3)
    monkeypatch.setenv("HOTSPOTS_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("HOTSPOTS_MAX_UNZIPPED_MB", "2")
    _cli_refuses(path, "over the 2.0 MB limit", "(HOTSPOTS_MAX_UNZIPPED_MB)")
    monkeypatch.setenv("HOTSPOTS_MAX_UNZIPPED_MB", "0")
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 2
    assert "HOTSPOTS_MAX_UNZIPPED_MB='0'" in result.stderr


def test_a_zip_within_the_limits_is_ingested(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2017-02/2017-02-hampshire-street.csv", HEADER + ASB * 3)
        archive.writestr("2017-02/2017-02-hampshire-outcomes.csv", "x" * 100_000)
    report = ingest_paths([path], store)
    assert report.totals()["stored"] == 3
    assert report.skipped == [f"{path}!2017-02/2017-02-hampshire-outcomes.csv"]


# -- the same checks on a mapped log --------------------------------------------


def _log_with_ids(tmp_path: Path, body: str) -> Path:
    csv = tmp_path / "log.csv"
    csv.write_text("Ref,Date,Type,Lon,Lat\n" + body)
    (tmp_path / "log.toml").write_text(
        'source = "council"\n[columns]\nid = "Ref"\ndate = "Date"\n'
        'category = "Type"\nlon = "Lon"\nlat = "Lat"\n'
    )
    return csv


LOG_ROW = "A{n},2017-03-01,Street drinking,-1.0912,50.7974\n"


def test_a_mapped_log_skips_blank_rows_keeping_row_numbers(
    tmp_path: Path, store: SQLiteStore
) -> None:
    bad_date = LOG_ROW.format(n=3).replace("2017-03-01", "someday")
    body = LOG_ROW.format(n=1) + "\n" + LOG_ROW.format(n=2) + ",,,,\n" + bad_date
    totals = ingest_paths([_log_with_ids(tmp_path, body)], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (3, 2, 1)
    assert store.rejects()["row"].tolist() == [6]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Street\x00drinking", "field contains a NUL byte (\\x00)"),
        ("é" * 40_000, "field is over the limit of 65,536 bytes: 80,000 bytes"),
    ],
)
def test_a_mapped_log_rejects_a_nul_or_a_huge_field(
    tmp_path: Path, store: SQLiteStore, value: str, reason: str
) -> None:
    body = LOG_ROW.format(n=1) + LOG_ROW.format(n=2).replace("Street drinking", value)
    totals = ingest_paths([_log_with_ids(tmp_path, body)], store).totals()
    assert (totals["stored"], totals["rejected"]) == (1, 1)
    [reject] = store.rejects().to_dict("records")
    assert (reject["row"], reject["field"], reject["reason"]) == (3, "Type", reason)
    assert "\x00" not in reject["record"] and len(reject["record"]) < 1000


def test_a_nul_in_a_geojson_property_rejects_the_feature(
    tmp_path: Path, store: SQLiteStore
) -> None:
    bad = {**GOOD_FEATURE, "properties": {"id": "n", "date": "2017-05-06",
                                          "category": "Ass\x00ault"}}  # fmt: skip
    path = _geojson(tmp_path / "nul.geojson", [GOOD_FEATURE, bad])
    totals = ingest_paths([path], store).totals()
    assert (totals["stored"], totals["rejected"]) == (1, 1)
    assert store.rejects()["field"].tolist() == ["category"]


def test_rows_after_a_value_with_a_line_break_keep_their_line_numbers(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """A re-saved file may quote a Context with a line break: it is read, and
    the rows after it are numbered by the lines they are on."""
    multi_line = ASB.replace(",,\n", ',,"a note\nover two lines"\n')
    wide = ASB.replace("Guildhall Walk", "Guildhall, Walk")  # line 5
    late = ASB.replace("2017-02", "2017-13")  # line 6
    path = tmp_path / "resaved.csv"
    path.write_text(HEADER + multi_line + ASB + wide + late)
    totals = ingest_paths([path], store).totals()
    assert (totals["read"], totals["stored"], totals["rejected"]) == (4, 2, 2)
    assert store.rejects()["row"].tolist() == [5, 6]
