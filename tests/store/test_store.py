"""The store protocol, the same tests on SQLite and on PostGIS (``any_store``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store import IncidentQuery, IncidentStore
from hotspots.store.base import REJECT_COLUMNS, BatchRecord, PriorityMatch

N = 60
WARDS = ["E05002442", "E05002443", "E05002444"]
LSOAS = ["E01017001", "E01017002", "E01017003", "E01017004"]
THEMES = ["asb", "violence", "drugs", "alcohol", "other"]
CATEGORIES = ["Anti-social behaviour", "Violence and sexual offences", "Drugs",
              "Public-order", "Other theft"]  # fmt: skip


def incidents(n: int = N, first_id: int = 1, seed: int = 0) -> pd.DataFrame:
    """``n`` varied incidents in the incident schema (ids ``first_id``...)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    months = [f"2017-{m:02d}" for m in rng.integers(1, 13, n)]
    day_known = rng.random(n) < 0.5
    occurred = [
        f"{m}-{int(d):02d}T{int(h):02d}:30:00" if known else f"{m}-01T00:00:00"
        for m, d, h, known in zip(
            months, rng.integers(1, 29, n), rng.integers(0, 24, n), day_known,
            strict=True,
        )
    ]  # fmt: skip
    frame = pd.DataFrame(
        {
            "incident_id": ids,
            "source": rng.choice(["police.uk", "council-asb"], n),
            "source_id": [f"S{i}" if i % 3 else None for i in ids],
            "category": rng.choice(CATEGORIES, n),
            "theme": rng.choice(THEMES, n),
            **{flag: rng.random(n) < 0.3 for flag in FLAG_COLUMNS},
            "occurred_at": occurred,
            "occurred_precision": np.where(day_known, "minute", "month"),
            "month": months,
            "easting": 463000 + rng.random(n) * 4000,
            "northing": 98000 + rng.random(n) * 6000,
            "lon": -1.1 + rng.random(n) * 0.05,
            "lat": 50.78 + rng.random(n) * 0.05,
            "geocode_quality": rng.choice(["snapped", "exact", "postcode"], n),
            "geocode_precision_m": np.where(rng.random(n) < 0.2, np.nan, 10.0),
            "geocode_note": [None if i % 4 else 'a "quoted", note' for i in ids],
            "location_text": [f"On or near Street {i % 7}" for i in ids],
            "town": rng.choice(["Portsmouth", "Southsea", ""], n),
            "lsoa_code": rng.choice(LSOAS, n),
            "ward_code": rng.choice(WARDS, n),
            "batch_id": 0,
        }
    )
    frame.loc[0, "easting"], frame.loc[0, "northing"] = 465000.0, 100000.0  # an edge
    return frame.loc[:, list(INCIDENT_COLUMNS)]


def rejects(rows: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": rows, "field": "date", "reason": "no date", "record": "a,b,,c"},
        columns=list(REJECT_COLUMNS),
    )


def batch(name: str = "file.csv", checksum: str = "c1", rows: int = N) -> BatchRecord:
    return BatchRecord(name, checksum, "test", rows, "2026-12-01T10:00:00+00:00")


def ids(frame: pd.DataFrame) -> list[int]:
    return sorted(int(i) for i in frame["incident_id"])


def test_a_batch_is_stored_with_its_rejects_and_counts(
    any_store: IncidentStore,
) -> None:
    result = any_store.add_batch(batch(rows=N + 2), incidents(), rejects([3, 7]))
    assert (result.stored, result.duplicates, result.rejected) == (N, 0, 2)
    assert any_store.count() == N
    stored = any_store.batches()
    assert stored[["rows_read", "rows_stored", "rows_rejected", "rows_duplicate"]]\
        .iloc[0].tolist() == [N + 2, N, 2, 0]  # fmt: skip
    found = any_store.rejects(result.batch_id)
    assert found["row"].tolist() == [3, 7]
    assert found["file_name"].unique().tolist() == ["file.csv"]
    assert found["record"].iloc[0] == "a,b,,c"
    assert any_store.batch_with_checksum("c1")["batch_id"] == result.batch_id
    assert any_store.batch_with_checksum("nope") is None


def test_values_come_back_as_stored(any_store: IncidentStore) -> None:
    given = incidents()
    batch_id = any_store.add_batch(batch(), given, rejects([])).batch_id
    back = any_store.incidents().sort_values("incident_id", ignore_index=True)
    expected = given.assign(batch_id=batch_id)
    expected["geocode_precision_m"] = expected["geocode_precision_m"].astype(float)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert back["geocode_note"].isna().sum() == given["geocode_note"].isna().sum()
    assert (back["town"] == "").sum() == (given["town"] == "").sum()  # "" not NULL


def test_ids_already_stored_are_duplicates_not_stored_twice(
    any_store: IncidentStore,
) -> None:
    any_store.add_batch(batch(), incidents(40), rejects([]))
    version = any_store.data_version()
    overlapping = incidents(40, first_id=21, seed=1)  # ids 21..60: 20 new
    repeated = pd.concat([overlapping, overlapping.iloc[:5]], ignore_index=True)
    result = any_store.add_batch(batch("b.csv", "c2"), repeated, rejects([]))
    assert (result.stored, result.duplicates) == (20, 25)
    assert any_store.count() == 60
    assert any_store.data_version() == version + 1
    again = any_store.add_batch(batch("c.csv", "c3"), overlapping, rejects([2]))
    assert (again.stored, again.duplicates, again.rejected) == (0, 40, 1)
    assert any_store.data_version() == version + 1  # nothing new: same version


def test_a_repeated_id_in_one_batch_keeps_its_first_row(
    any_store: IncidentStore,
) -> None:
    frame = incidents(3)
    second = frame.iloc[[0]].assign(category="second copy")
    any_store.add_batch(batch(), pd.concat([frame, second]), rejects([]))
    assert any_store.incidents(IncidentQuery(incident_ids=[1]))["category"].item() \
        == frame["category"].iloc[0]  # fmt: skip


def test_a_failed_batch_leaves_nothing(any_store: IncidentStore) -> None:
    writer_of = any_store.batch_writer  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="reader failed"), writer_of(batch()) as w:
        w.add(incidents(30), rejects([2]))
        raise RuntimeError("reader failed")
    assert any_store.count() == 0
    assert any_store.batches().empty and any_store.rejects().empty
    assert any_store.data_version() == 0


STORED = incidents()


def _expected(query: IncidentQuery) -> list[int]:
    """The ids ``query`` should give, by pandas on :data:`STORED`."""
    f = STORED
    keep = pd.Series(True, index=f.index)
    if query.themes:
        theme = f["theme"].isin(query.themes)
        keep &= theme | (f["alcohol_related"] if "alcohol" in query.themes else False)
    if query.categories:
        keep &= f["category"].isin(query.categories)
    if query.sources:
        keep &= f["source"].isin(query.sources)
    if query.ward_codes:
        keep &= f["ward_code"].isin(query.ward_codes)
    if query.lsoa_codes:
        keep &= f["lsoa_code"].isin(query.lsoa_codes)
    if query.month_from:
        keep &= f["month"] >= query.month_from
    if query.month_to:
        keep &= f["month"] <= query.month_to
    if query.bbox_bng:
        x0, y0, x1, y1 = query.bbox_bng
        keep &= f["easting"].between(x0, x1) & f["northing"].between(y0, y1)
    if query.flags:
        keep &= f[list(query.flags)].any(axis=1)
    if query.within_m:
        x, y, r = query.within_m
        keep &= (f["easting"] - x) ** 2 + (f["northing"] - y) ** 2 <= r * r
    return ids(f[keep])


QUERIES = {
    "theme": IncidentQuery(themes=["asb", "drugs"]),
    "alcohol theme or flag": IncidentQuery(themes=["alcohol"]),
    "category": IncidentQuery(categories=["Drugs", "Public-order"]),
    "source": IncidentQuery(sources=["council-asb"]),
    "months": IncidentQuery(month_from="2017-03", month_to="2017-06"),
    "ward": IncidentQuery(ward_codes=[WARDS[1]]),
    "lsoas": IncidentQuery(lsoa_codes=LSOAS[:2]),
    "ward and period": IncidentQuery(ward_codes=WARDS[:2], month_from="2017-07"),
    "bbox, edge included": IncidentQuery(bbox_bng=(464000, 99000, 465000, 100000)),
    "flags": IncidentQuery(flags=["hate_crime", "domestic_abuse"]),
    "within a radius, edge included": IncidentQuery(within_m=(464800, 100000, 200)),
    "radius and theme": IncidentQuery(within_m=(465000, 101000, 1500), themes=["asb"]),
    "everything": IncidentQuery(
        themes=["violence", "asb"], month_from="2017-02", month_to="2017-11",
        ward_codes=WARDS[:2], bbox_bng=(463000, 98000, 466000, 103000),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(QUERIES))
def test_filters_select_what_pandas_selects(
    any_store: IncidentStore, name: str
) -> None:
    any_store.add_batch(batch(), STORED, rejects([]))
    query = QUERIES[name]
    expected = _expected(query)
    assert expected, "a filter test needs matches"
    assert ids(any_store.incidents(query)) == expected
    assert any_store.count(query) == len(expected)


def test_day_bounds_leave_out_month_only_dates_part_way(
    any_store: IncidentStore,
) -> None:
    any_store.add_batch(batch(), STORED, rejects([]))
    found = any_store.incidents(
        IncidentQuery(day_from="2017-03-10", day_to="2017-05-20")
    )
    day = STORED["occurred_precision"] != "month"
    start = STORED["occurred_at"] >= "2017-03-10"
    end = STORED["occurred_at"] < "2017-05-21"
    whole_months = STORED["month"] < "2017-05"
    expected = STORED[start & end & (day | whole_months)]
    assert ids(found) == ids(expected)


def test_priority_matches_theme_or_category_or_flag(any_store: IncidentStore) -> None:
    any_store.add_batch(batch(), STORED, rejects([]))
    match = PriorityMatch(themes=("drugs",), categories=("public order",),
                          flags=("sexual_offence",))  # fmt: skip
    f = STORED
    expected = f[(f["theme"] == "drugs") | (f["category"] == "Public-order")
                 | f["sexual_offence"]]  # fmt: skip
    assert ids(any_store.incidents(IncidentQuery(priority=match))) == ids(expected)
    assert any_store.count(IncidentQuery(priority=PriorityMatch())) == 0


def test_an_unknown_flag_is_refused_by_name(any_store: IncidentStore) -> None:
    with pytest.raises(ValueError, match=r"unknown flag.*nonsense"):
        any_store.incidents(IncidentQuery(flags=["nonsense"]))


def test_pages_ids_and_columns(any_store: IncidentStore) -> None:
    any_store.add_batch(batch(), STORED, rejects([]))
    first = any_store.incidents(IncidentQuery(limit=25, columns=["incident_id"]))
    assert list(first.columns) == ["incident_id"]
    assert first["incident_id"].tolist() == list(range(1, 26))
    rest = any_store.incidents(IncidentQuery(after_id=25, limit=1000))
    assert rest["incident_id"].tolist() == list(range(26, N + 1))
    assert any_store.count(IncidentQuery(after_id=25, limit=3)) == N  # paging ignored
    picked = any_store.incidents(IncidentQuery(incident_ids=[5, 9, 999]))
    assert ids(picked) == [5, 9]
    assert picked["alcohol_related"].dtype == bool


def test_counts_months_and_street_points(any_store: IncidentStore) -> None:
    any_store.add_batch(batch(), STORED, rejects([]))
    counts = any_store.counts(IncidentQuery(), ["ward_code", "hate_crime"])
    expected = STORED.groupby(["ward_code", "hate_crime"]).size()
    got = counts.set_index(["ward_code", "hate_crime"])["n"].sort_index()
    assert got.to_dict() == expected.to_dict()
    assert counts["hate_crime"].dtype == bool
    with pytest.raises(StoreError, match="cannot count incidents by"):
        any_store.counts(IncidentQuery(), ["nonsense"])
    assert any_store.months() == sorted(STORED["month"].unique())
    points = any_store.street_points()
    snapped = STORED[STORED["geocode_quality"] == "snapped"]
    assert len(points) == len(
        snapped.drop_duplicates(["location_text", "town", "easting", "northing"])
    )
    assert points.equals(points.sort_values(["location_text", "town"], kind="stable"))


#: A value for every IncidentQuery field that filters (``columns`` and
#: ``limit`` shape the answer instead).
FILTER_VALUES: dict[str, object] = {
    "themes": ["asb"], "categories": ["Drugs"], "month_from": "2017-01",
    "month_to": "2017-02", "day_from": "2017-01-02", "day_to": "2017-01-03",
    "ward_codes": [WARDS[0]], "lsoa_codes": [LSOAS[0]],
    "bbox_bng": (0.0, 0.0, 1.0, 1.0), "sources": ["police.uk"],
    "incident_ids": [1], "after_id": 1, "flags": ["hate_crime"],
    "priority": PriorityMatch(themes=("asb",)), "within_m": (1.0, 2.0, 3.0),
}  # fmt: skip


def test_every_query_field_is_a_filter_in_both_stores() -> None:
    from dataclasses import fields

    from hotspots.store import postgis, sqlite

    names = {f.name for f in fields(IncidentQuery)}
    assert names == {*FILTER_VALUES, "columns", "limit"}, (
        "IncidentQuery has a new field: make the shared WHERE clause honour it "
        "(hotspots/store/where.py) and add it to FILTER_VALUES"
    )
    for name, value in FILTER_VALUES.items():
        query = IncidentQuery(**{name: value})  # type: ignore[arg-type]
        for store in (sqlite, postgis):
            assert store._where(query)[0].startswith("WHERE "), (store, name)


def test_rows_come_oldest_first_ties_by_id_whatever_the_columns(
    any_store: IncidentStore,
) -> None:
    """Without paging, rows are ordered by ``occurred_at`` then ``incident_id``
    (so the order never depends on the plan), also when neither is asked for."""
    given = incidents(n=300, seed=5)
    given["occurred_at"] = given["occurred_at"].str.slice(0, 7) + "-01T00:00:00"
    given["location_text"] = [f"row {i}" for i in given["incident_id"]]
    shuffled = given.sample(frac=1, random_state=1)  # stored out of id order
    any_store.add_batch(batch(), shuffled, rejects([]))
    expected = given.sort_values(["occurred_at", "incident_id"])
    assert given["occurred_at"].duplicated().sum() > 250  # many ties
    back_ids = any_store.incidents()["incident_id"].tolist()
    assert back_ids == expected["incident_id"].tolist()
    for columns in (("location_text",), ("month", "location_text", "easting")):
        back = any_store.incidents(IncidentQuery(columns=columns))
        assert list(back.columns) == list(columns)
        assert back["location_text"].tolist() == expected["location_text"].tolist()
    query = IncidentQuery(themes=["asb"], columns=("location_text",))
    chosen = expected[expected["theme"] == "asb"]
    assert any_store.incidents(query)["location_text"].tolist() == (
        chosen["location_text"].tolist()
    )
