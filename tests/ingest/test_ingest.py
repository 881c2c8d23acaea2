"""Ingest end to end into a real SQLite file, on real police.uk files."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hotspots.errors import IngestError
from hotspots.ingest import (
    OUTSIDE_STUDY_AREA,
    IngestOptions,
    _reason_kind,
    ingest_paths,
)
from hotspots.store import IncidentQuery, SQLiteStore
from hotspots.store.base import short_file_name
from tests.conftest import LOCAL_DIR, MONTHLY_FILES, PORTSMOUTH_CSV

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)
ASB_AT_GUILDHALL = (
    ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.091236,50.797445,"
    "On or near Guildhall Walk,E01017012,Portsmouth 018A,Anti-social behaviour,,\n"
)


def _write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.slow
def test_six_hampshire_months_store_the_city_and_report_the_rest(
    store: SQLiteStore,
) -> None:
    report = ingest_paths(MONTHLY_FILES, store)
    totals = report.totals()
    expected = pd.concat(pd.read_csv(p) for p in MONTHLY_FILES)
    in_portsmouth = expected["LSOA name"].fillna("").str.startswith("Portsmouth ")
    assert totals["read"] == len(expected) == 104576
    assert totals["stored"] == in_portsmouth.sum() == 17950
    assert totals["rejected"] == (~in_portsmouth).sum()
    assert totals["rejected_by_reason"] == {OUTSIDE_STUDY_AREA: 104576 - 17950}
    assert (
        totals["read"] == totals["stored"] + totals["rejected"] + totals["duplicates"]
    )
    assert store.count() == 17950
    again = ingest_paths(MONTHLY_FILES, store).totals()
    assert (again["files"], again["stored"]) == (0, 0)
    assert len(again["already_ingested"]) == 6
    forced = ingest_paths(MONTHLY_FILES, store, options=IngestOptions(force=True))
    assert forced.totals()["stored"] == 0
    assert forced.totals()["duplicates"] == 17950
    assert store.count() == 17950
    batches = store.batches()
    assert len(batches) == 12
    assert batches["checksum"].str.len().eq(64).all()


def test_the_portsmouth_extract_duplicates_the_monthly_files(
    store: SQLiteStore,
) -> None:
    ingest_paths([MONTHLY_FILES[0]], store)
    report = ingest_paths([PORTSMOUTH_CSV], store).totals()
    february = 2577  # Portsmouth rows in the February file
    assert report["duplicates"] == february
    assert report["stored"] == 17950 - february


def test_stored_incidents_have_themes_areas_and_both_crs(store: SQLiteStore) -> None:
    ingest_paths([PORTSMOUTH_CSV], store)
    incidents = store.incidents()
    assert incidents["ward_code"].notna().all()
    assert incidents["lsoa_code"].notna().all()
    assert set(incidents["theme"]) == {"asb", "violence", "drugs", "other"}
    source = pd.read_csv(PORTSMOUTH_CSV)
    assert (incidents["theme"] == "asb").sum() == (
        source["Crime type"] == "Anti-social behaviour"
    ).sum()
    violent = source["Crime type"].isin(
        ["Violence and sexual offences", "Robbery", "Possession of weapons"]
    )
    assert (incidents["theme"] == "violence").sum() == violent.sum()
    assert incidents["easting"].between(455000, 475000).all()
    assert incidents["northing"].between(95000, 110000).all()
    assert incidents["lon"].between(-1.2, -1.0).all()
    assert set(incidents["geocode_quality"]) == {"snapped"}
    # police.uk assigns the LSOA from the true location before snapping, so snap
    # points near an LSOA edge can differ from our point-in-polygon: ~94% agree.
    merged = incidents.dropna(subset=["source_id"]).merge(
        source.dropna(subset=["Crime ID"]), left_on="source_id", right_on="Crime ID"
    )
    assert len(merged) == source["Crime ID"].notna().sum()
    agree = (merged["lsoa_code"] == merged["LSOA code"]).mean()
    assert 0.9 < agree < 1.0


def test_identical_rows_in_one_file_are_all_kept_and_rerun_adds_none(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = _write(tmp_path / "asb.csv", ASB_AT_GUILDHALL * 4)
    first = ingest_paths([path], store).totals()
    assert first["stored"] == 4
    assert ingest_paths([path], store).totals()["stored"] == 0
    # A later download with one more identical report adds just that one.
    _write(tmp_path / "later.csv", ASB_AT_GUILDHALL * 5)
    later = ingest_paths([tmp_path / "later.csv"], store).totals()
    assert (later["stored"], later["duplicates"]) == (1, 4)
    assert store.count() == 5


def test_a_file_already_ingested_is_skipped_naming_its_batch(
    store: SQLiteStore,
) -> None:
    """Same bytes, same SHA-256: no new batch, no second copy of its rejects."""
    first = ingest_paths([MONTHLY_FILES[0]], store)
    batch_id = first.files[0].batch_id
    rejects = len(store.rejects())
    assert rejects > 0  # the rest of Hampshire
    again = ingest_paths([MONTHLY_FILES[0]], store)
    assert again.files == []
    [skipped] = again.already_ingested
    assert skipped.name == str(MONTHLY_FILES[0])
    assert skipped.batch_id == batch_id
    assert skipped.ingested_at == store.batches()["ingested_at"].iloc[0]
    assert f"already ingested (batch {batch_id}, 20" in str(skipped)
    assert len(store.batches()) == 1
    assert len(store.rejects()) == rejects
    assert again.totals()["already_ingested"] == [vars(skipped)]


def test_force_ingests_a_file_already_stored_again(store: SQLiteStore) -> None:
    ingest_paths([PORTSMOUTH_CSV], store)
    forced = ingest_paths([PORTSMOUTH_CSV], store, options=IngestOptions(force=True))
    assert forced.already_ingested == []
    assert (forced.files[0].stored, forced.files[0].duplicates) == (0, 17950)
    assert list(store.batches()["batch_id"]) == [1, 2]
    assert store.count() == 17950


def test_a_copy_under_another_name_is_the_same_file(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = _write(tmp_path / "asb.csv", ASB_AT_GUILDHALL * 2)
    copy = tmp_path / "copy" / "renamed.csv"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    report = ingest_paths([path, copy], store)
    assert [f.name for f in report.files] == [str(path)]
    assert [a.name for a in report.already_ingested] == [str(copy)]
    edited = _write(tmp_path / "edited.csv", ASB_AT_GUILDHALL * 3)
    assert ingest_paths([edited], store).totals()["stored"] == 1


def test_reasons_with_apostrophes_are_counted_as_one_reason(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """Street names such as St Mary's are quoted "..." by repr; the apostrophe
    must not split their reason into many buckets."""
    ingest_paths([PORTSMOUTH_CSV], store)  # the street gazetteer
    mapping = (LOCAL_DIR / "alcohol_incidents.toml").read_text()
    (tmp_path / "log.toml").write_text(mapping)
    streets = [
        "St Mary's Crescent", "St Mary's Crescent", "Queen's Gate Mews",
        "Bishop's Lane", "Kings Gate Mews", "Mary's Petrol Station",
    ]  # fmt: skip
    rows = [
        f"A{i},2017-02-01,17:30,Drink-related noise,{street},Portsmouth,,"
        for i, street in enumerate(streets)
    ]
    header = "Ref,Date,Time,Category,Street,Town,Venue,Grid Ref"
    (tmp_path / "log.csv").write_text("\n".join([header, *rows]) + "\n")
    report = ingest_paths([tmp_path / "log.csv"], store).totals()
    reasons = " ".join(store.rejects()["reason"])
    assert "St Mary's Crescent" in reasons and "Bishop's Lane" in reasons
    by_reason = report["rejected_by_reason"]
    assert sum(by_reason.values()) == 6
    for kind in by_reason:  # every value folded away, none cut at an apostrophe
        assert kind.startswith("no street in the gazetteer matches '…' in Portsmouth")
        assert not any(name in kind for name in ("Mary", "Queen", "Bishop", "King"))


@pytest.mark.parametrize(
    "reason",
    [  # as the street geocoder wrote them, in each quoting it has used
        'no street in the gazetteer matches "St Mary\'s Crescent" in Portsmouth '
        '(best "King Edward\'s Crescent", score 73.2 < 85)',
        'no street in the gazetteer matches "Bishop\'s Lane" in Portsmouth '
        "(best 'Horsea Lane', score 69.6 < 85)",
        "no street in the gazetteer matches 'Kings Gate Mews' in Portsmouth "
        "(best 'Kings Mews', score 80.0 < 85)",
        "no street in the gazetteer matches 'St Mary's Road' in Portsmouth "
        '(best "Queen\'s Grove", score 64.3 < 85)',
    ],
)
def test_a_reason_kind_folds_values_in_either_quote(reason: str) -> None:
    assert _reason_kind(reason) == (
        "no street in the gazetteer matches '…' in Portsmouth (best '…', score N < 85)"
    )


def test_a_reason_kind_keeps_what_comes_before_a_colon() -> None:
    assert _reason_kind("not a valid UK postcode: 'PO1' (only the outward code)") == (
        "not a valid UK postcode"
    )
    assert _reason_kind("'Unit 3: Mary's Yard' is a place, not a street") == (
        "'…' is a place, not a street"
    )


def test_rejected_rows_are_reported_with_row_field_and_reason(
    tmp_path: Path, store: SQLiteStore
) -> None:
    body = (
        ASB_AT_GUILDHALL
        + ",2017-02,Hampshire Constabulary,Hampshire Constabulary,,,No Location,,,"
        "Anti-social behaviour,,\n"
        + ",2017-02,Hampshire Constabulary,Hampshire Constabulary,0,0,On or near X,"
        ",,Drugs,,\n"
        + ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.3,50.9,"
        "On or near Y,E01022553,Southampton 001A,Drugs,,\n"
        + ",2017-14,Hampshire Constabulary,Hampshire Constabulary,-1.09,50.8,"
        "On or near Z,E01017012,Portsmouth 018A,Drugs,,\n"
    )
    report = ingest_paths([_write(tmp_path / "mixed.csv", body)], store)
    assert report.totals()["stored"] == 1
    rejects = store.rejects(report.files[0].batch_id).set_index("row")
    assert list(rejects.index) == [3, 4, 5, 6]
    assert rejects.loc[3, "reason"] == "no location given"
    assert "null island" in rejects.loc[4, "reason"]
    assert rejects.loc[5, "reason"] == OUTSIDE_STUDY_AREA
    assert rejects.loc[6, "field"] == "Month"
    assert json.loads(rejects.loc[5, "record"])["category"] == "Drugs"


def test_study_area_all_keeps_located_rows_outside_the_city(
    tmp_path: Path, store: SQLiteStore
) -> None:
    body = (
        ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.404,50.904,"
        "On or near Y,E01032747,Southampton 029C,Drugs,,\n"
    )
    path = _write(tmp_path / "soton.csv", body)
    report = ingest_paths([path], store, options=IngestOptions(study_area="all"))
    assert report.totals()["stored"] == 1
    stored = store.incidents().iloc[0]
    assert stored["ward_code"] is None and stored["lsoa_code"] is None


def test_a_police_uk_zip_with_month_folders(tmp_path: Path, store: SQLiteStore) -> None:
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2017-02/2017-02-hampshire-street.csv", HEADER + ASB_AT_GUILDHALL)
        zf.writestr("2017-02/2017-02-hampshire-outcomes.csv", "Crime ID,Month\n")
        zf.write(PORTSMOUTH_CSV, "2017-03/portsmouth-street.csv")
    report = ingest_paths([archive], store)
    assert [Path(f.name.split("!")[1]).name for f in report.files] == [
        "2017-02-hampshire-street.csv",
        "portsmouth-street.csv",
    ]
    assert report.skipped == [f"{archive}!2017-02/2017-02-hampshire-outcomes.csv"]
    assert store.count() == 17950 + 1
    # Shown without the server's folders, a member keeps its archive's name.
    assert [short_file_name(name) for name in store.batches()["file_name"]] == [
        "download.zip!2017-02/2017-02-hampshire-street.csv",
        "download.zip!2017-03/portsmouth-street.csv",
    ]


def test_a_file_that_fails_mid_way_leaves_nothing_behind(
    tmp_path: Path, store: SQLiteStore
) -> None:
    good = _write(tmp_path / "a.csv", ASB_AT_GUILDHALL)
    bad = tmp_path / "b.csv"
    bad.write_text("not,a,police,file\n1,2,3,4\n")
    with pytest.raises(IngestError, match=r"b\.csv"):
        ingest_paths([good, bad], store)
    assert store.count() == 1  # the good file before it landed whole
    assert len(store.batches()) == 1


def test_a_store_error_rolls_the_whole_file_back(
    tmp_path: Path, store: SQLiteStore
) -> None:
    # A real failure inside SQLite on the third row of the file.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_on_drugs BEFORE INSERT ON incidents "
            "WHEN NEW.category = 'Drugs' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    drugs = ASB_AT_GUILDHALL.replace("Anti-social behaviour", "Drugs")
    path = _write(tmp_path / "asb.csv", ASB_AT_GUILDHALL * 2 + drugs)
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_paths([path], store)
    assert store.count() == 0
    assert store.batches().empty
    assert store.rejects().empty
    assert store.data_version() == 0


def test_query_filters(store: SQLiteStore) -> None:
    ingest_paths([PORTSMOUTH_CSV], store)
    asb_march = store.incidents(
        IncidentQuery(themes=["asb"], month_from="2017-03", month_to="2017-03")
    )
    source = pd.read_csv(PORTSMOUTH_CSV)
    expected = (
        (source["Crime type"] == "Anti-social behaviour")
        & (source["Month"] == "2017-03")
    ).sum()
    assert len(asb_march) == expected > 0
    ward = asb_march["ward_code"].iloc[0]
    in_ward = store.incidents(IncidentQuery(themes=["asb"], ward_codes=[ward]))
    assert (in_ward["ward_code"] == ward).all()


def test_progress_callbacks_report_files_and_rows(store: SQLiteStore) -> None:
    files: list[tuple[str, int, int]] = []
    rows: list[tuple[int, int]] = []
    ingest_paths(
        [PORTSMOUTH_CSV],
        store,
        on_file=lambda name, i, n: files.append((Path(name).name, i, n)),
        on_rows=lambda done, total: rows.append((done, total)),
    )
    assert files == [(PORTSMOUTH_CSV.name, 0, 1)]
    assert rows[-1] == (17950, 17950)
    assert [done for done, _ in rows] == sorted(done for done, _ in rows)


def test_day_bounds_keep_only_incidents_wholly_inside(store: SQLiteStore) -> None:
    """Council reports have days; police.uk rows are known to the month only."""
    ingest_paths([PORTSMOUTH_CSV, LOCAL_DIR], store)

    def ids(**bounds: str) -> set[str]:
        frame = store.incidents(IncidentQuery(columns=("incident_id",), **bounds))
        return set(frame["incident_id"])

    everything = store.incidents(
        IncidentQuery(columns=("incident_id", "occurred_at", "occurred_precision"))
    )
    start = everything["occurred_at"].str[:10]
    dated = everything["occurred_precision"] != "month"
    # 15 March to 30 April: dated reports on those days, police.uk April only.
    expected = set(
        everything.loc[
            (dated & (start >= "2017-03-15") & (start <= "2017-04-30"))
            | (~dated & (start == "2017-04-01")),
            "incident_id",
        ]
    )
    got = ids(month_from="2017-03", month_to="2017-04", day_from="2017-03-15",
              day_to="2017-04-30")  # fmt: skip
    assert got == expected
    assert (dated & (start == "2017-03-15")).any()  # the bound day is there
    # Whole months given as days are the same as the months.
    assert ids(day_from="2017-03-01", day_to="2017-04-30") == ids(
        month_from="2017-03", month_to="2017-04"
    )
    # An end part-way through April leaves April's police.uk rows out.
    april_29 = ids(day_from="2017-04-01", day_to="2017-04-29")
    assert april_29 == set(
        everything.loc[
            dated & (start >= "2017-04-01") & (start <= "2017-04-29"), "incident_id"
        ]
    )
