"""The synthetic local logs through their mapping files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hotspots.errors import IngestError
from hotspots.ingest import ingest_paths
from hotspots.readers.mapped_csv import read_mapped_csv
from hotspots.readers.mapping import mapping_from_dict, read_mapping
from hotspots.store import IncidentQuery, SQLiteStore
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV

ASB_LOG = LOCAL_DIR / "council_asb_log.csv"
ALCOHOL_LOG = LOCAL_DIR / "alcohol_incidents.csv"


def test_council_log_rejects_exactly_the_planted_postcode_errors(
    store: SQLiteStore,
) -> None:
    report = ingest_paths([ASB_LOG], store)
    totals = report.totals()
    # sample_data/local/README.md: 60 blank, 30 invalid, 15 unknown postcodes.
    assert totals["read"] == 3000
    assert totals["rejected"] == 60 + 30 + 15
    assert totals["stored"] == 2895
    reasons = totals["rejected_by_reason"]
    assert reasons["no location given"] == 60
    assert reasons["not a valid UK postcode"] == 30
    assert reasons["postcode not in the lookup table (Code-Point Open 2014)"] == 15
    rejects = store.rejects()
    assert set(rejects["field"]) == {"postcode", "location"}


def test_council_log_fields_flags_and_themes(store: SQLiteStore) -> None:
    ingest_paths([ASB_LOG], store)
    incidents = store.incidents()
    source = pd.read_csv(ASB_LOG, dtype=str, keep_default_na=False)
    first = incidents.set_index("source_id").loc["ASB-2017-000101"]
    row = source.set_index("Case Ref").loc["ASB-2017-000101"]
    assert first["occurred_at"] == "2017-02-01T02:24:00"
    assert first["occurred_precision"] == "minute"
    assert first["category"] == row["Incident Type"]
    assert first["geocode_quality"] == "postcode"
    assert first["location_text"] == row["Location"]
    stored_ids = set(incidents["source_id"])
    flagged = source.loc[source["Alcohol Related"] == "Y", "Case Ref"]
    expected = sum(1 for ref in flagged if ref in stored_ids)
    assert incidents["alcohol_related"].sum() == expected
    assert (
        (incidents.loc[incidents["category"] == "Street drinking", "theme"])
        .eq("alcohol")
        .all()
    )
    alcohol = store.incidents(IncidentQuery(themes=["alcohol"]))
    assert (
        len(alcohol)
        == (incidents["alcohol_related"] | (incidents["theme"] == "alcohol")).sum()
    )


def test_alcohol_log_uses_streets_from_police_uk_and_grid_refs(
    store: SQLiteStore,
) -> None:
    ingest_paths([PORTSMOUTH_CSV], store)
    report = ingest_paths([ALCOHOL_LOG], store).totals()
    incidents = store.incidents(
        IncidentQuery(sources=["portsmouth-partnership-alcohol"])
    )
    assert report["read"] == 1200
    assert report["stored"] == len(incidents) >= 1190
    quality = incidents["geocode_quality"].value_counts()
    assert quality["gridref"] == 180  # README: 180 rows carry a grid reference
    assert quality["street"] == len(incidents) - 180
    assert incidents["alcohol_related"].all()  # default_flags in the mapping
    assert incidents["geocode_note"].str.contains("score").sum() == quality["street"]


def test_street_addresses_fail_clearly_without_a_gazetteer(store: SQLiteStore) -> None:
    report = ingest_paths([ALCOHOL_LOG], store).totals()
    assert report["stored"] == 180  # the grid-reference rows only
    assert (
        "no street gazetteer (ingest police.uk first)" in report["rejected_by_reason"]
    )


def test_bad_dates_and_times_are_rejected_with_field(tmp_path: Path) -> None:
    mapping = mapping_from_dict(
        {
            "source": "test",
            "columns": {"date": "D", "time": "T", "category": "C", "postcode": "P"},
            "options": {"date_format": "%d/%m/%Y"},
        },
        name="inline",
    )
    csv = "D,T,C,P\n31/02/2017,10:00,Noise,PO1 1AA\n01/03/2017,25:99,Noise,PO1 1AA\n"
    raw = read_mapped_csv(csv.encode(), mapping)
    assert raw.loc[0, "error_field"] == "D"
    assert "'31/02/2017' does not match %d/%m/%Y" in raw.loc[0, "error_reason"]
    assert raw.loc[1, "error_field"] == "T"
    assert raw.loc[1, "row"] == 3


def test_mapping_errors_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('source = "x"\n[columns]\ndate = "D"\ncategory = "C"\n')
    with pytest.raises(IngestError, match="must name a location"):
        read_mapping(path)
    path.write_text('source = "x"\n[columns]\ndate = "D"\ncategory = "C"\nlon = "X"\n')
    with pytest.raises(IngestError, match="'lon' and 'lat' go together"):
        read_mapping(path)
    mapping = read_mapping(LOCAL_DIR / "council_asb_log.toml")
    with pytest.raises(IngestError, match="missing from the file"):
        read_mapped_csv(b"Case Ref,Date\n1,2\n", mapping, name="short.csv")


def test_rows_without_an_id_are_identified_by_content(
    tmp_path: Path, store: SQLiteStore
) -> None:
    (tmp_path / "log.toml").write_text(
        'source = "log"\n[columns]\ndate = "Date"\ncategory = "Type"\n'
        'easting = "E"\nnorthing = "N"\n[options]\ndate_format = "%Y-%m-%d"\n'
    )
    row = "2017-03-04,Noise,464342,100366\n"
    (tmp_path / "log.csv").write_text("Date,Type,E,N\n" + row * 2)
    assert ingest_paths([tmp_path / "log.csv"], store).totals()["stored"] == 2
    assert ingest_paths([tmp_path / "log.csv"], store).totals()["stored"] == 0
    stored = store.incidents()
    assert set(stored["geocode_quality"]) == {"exact"}
    assert set(stored["occurred_precision"]) == {"day"}


def _street_log(tmp_path: Path, column_key: str) -> Path:
    """A council-style log with "Street, Town" addresses in one column."""
    (tmp_path / "addr.toml").write_text(
        f'source = "addr"\n[columns]\ndate = "Date"\ncategory = "Type"\n'
        f'{column_key} = "Address"\n[options]\ndate_format = "%Y-%m-%d"\n'
    )
    rows = [
        "Elm Grove, Southsea",
        "12 Kingston Crescent, Portsmouth",
        "East Street, Havant",
        "Victoria Road, Fareham",
        "Belmont Road, Eastleigh",
    ]
    csv = "Date,Type,Address\n" + "".join(f'2017-03-04,Noise,"{r}"\n' for r in rows)
    (tmp_path / "addr.csv").write_text(csv)
    return tmp_path / "addr.csv"


@pytest.mark.parametrize("column_key", ["street", "address"])
def test_street_town_addresses_are_split_and_the_town_checked(
    tmp_path: Path, store: SQLiteStore, column_key: str
) -> None:
    """Failed before: the whole text was matched, so "Elm Grove, Southsea"
    scored 66.7 against Elm Grove and was rejected, while "East Street, Havant"
    scored 83.9 against Portsmouth's Havant Street (threshold 85), and the
    "address" key did not exist."""
    ingest_paths([PORTSMOUTH_CSV], store)
    report = ingest_paths([_street_log(tmp_path, column_key)], store).totals()
    stored = store.incidents(IncidentQuery(sources=["addr"]))
    assert report["stored"] == len(stored) == 2
    assert set(stored["geocode_note"].str.extract(r"street (.*) \(score")[0]) == {
        "Elm Grove",
        "Kingston Crescent",
    }
    rejects = store.rejects()
    assert sorted(rejects["reason"]) == [
        'town "Eastleigh" is outside the gazetteer\'s area (Portsmouth)',
        'town "Fareham" is outside the gazetteer\'s area (Portsmouth)',
        'town "Havant" is outside the gazetteer\'s area (Portsmouth)',
    ]


def test_address_mapping_keeps_the_text(tmp_path: Path) -> None:
    mapping = mapping_from_dict(
        {"source": "x", "columns": {"date": "D", "category": "C", "address": "A"}},
        name="inline",
    )
    raw = read_mapped_csv(
        b'D,C,A\n2017-03-04,Noise,"Flat 2, 9 Elm Grove, Southsea"\n', mapping
    )
    assert raw.loc[0, ["street", "town"]].tolist() == ["Elm Grove", "Southsea"]
    assert raw.loc[0, "location_text"] == "Flat 2, 9 Elm Grove, Southsea"
