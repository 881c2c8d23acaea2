"""The area check on planted incidents: distances in metres, the edge counted,
disclosure, profile, before/after, the expected count and outlet density."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hotspots.access import Role, policy_for
from hotspots.areas import resolve_area
from hotspots.errors import InvalidParameterError
from hotspots.ingest import ingest_paths
from hotspots.premises import register_of
from hotspots.premises.check import FEWER_THAN_5, check_premises, within_radius
from hotspots.premises.context import CheckRequest, build_context
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.premises.stats import poisson_ci
from hotspots.store import SQLiteStore

X0, Y0 = 464000.0, 100000.0  # Guildhall, Portsmouth (BNG metres)

# id, dx, dy, date, time, category, domestic abuse
PLANTED = [
    ("E1", 100.0, 0.0, "2017-03-03", "23:15", "Assault", ""),  # exactly 100 m
    ("E2", 60.0, 80.0, "2017-03-04", "23:40", "Assault", ""),  # 60-80-100: 100 m
    ("E3", 0.0, -99.99, "2017-03-10", "01:05", "Disorder", "Y"),
    ("E4", -70.0, 70.0, "2017-06-02", "02:30", "Disorder", "Y"),  # 98.99 m
    ("O1", 100.5, 0.0, "2017-03-03", "22:00", "Assault", ""),  # 100.5 m: out
    ("O2", 0.0, 150.0, "2017-06-03", "12:00", "Assault", "Y"),  # out
    ("O3", 600.0, 600.0, "2017-04-01", "12:00", "Assault", ""),
]
INCIDENT_TOML = """
source = "planted"
[columns]
id = "id"
date = "date"
time = "time"
category = "category"
easting = "easting"
northing = "northing"
[flags]
domestic_abuse = "da"
[options]
date_format = "%Y-%m-%d"
[themes]
Assault = "violence"
Disorder = "asb"
"""
PREMISES_TOML = """
source = "test-register"
source_date = "2024-04"
[columns]
id = "ref"
name = "name"
address = "address"
type = "type"
easting = "x"
northing = "y"
licence_type = "licence"
hours = "hours"
"""
# ref, name, dx, dy, type
PREMISES = [
    ("P1", "The Planted Arms", 0.0, 0.0, "pub"),
    ("P2", "Edge Club", 250.0, 0.0, "club"),  # exactly 250 m: an outlet
    ("P3", "Far Hotel", 250.5, 0.0, "hotel"),  # just beyond
    ("P4", "Corner Bistro", 30.0, 40.0, "restaurant"),  # 50 m
]


def _write_store(folder: Path) -> SQLiteStore:
    csv = folder / "planted.csv"
    rows = ["id,date,time,category,easting,northing,da"]
    rows += [
        f"{i},{d},{t},{c},{X0 + dx},{Y0 + dy},{da}"
        for i, dx, dy, d, t, c, da in PLANTED
    ]
    csv.write_text("\n".join(rows) + "\n")
    (folder / "planted.toml").write_text(INCIDENT_TOML)
    store = SQLiteStore(folder / "planted.db")
    report = ingest_paths([csv], store)
    assert report.totals()["stored"] == len(PLANTED)
    prem = folder / "register.csv"
    lines = ["ref,name,address,type,x,y,licence,hours"]
    lines += [
        f'{r},{n},"{n}, 1 Test Street, Portsmouth",{t},{X0 + dx},{Y0 + dy},'
        "Premises licence,Mon-Sun 11:00-23:00"
        for r, n, dx, dy, t in PREMISES
    ]
    prem.write_text("\n".join(lines) + "\n")
    mapping = folder / "register.toml"
    mapping.write_text(PREMISES_TOML)
    result = import_premises(prem, read_mapping(mapping), register_of(store), None)
    assert result.result is not None and result.result.stored == 4
    return store


@pytest.fixture
def planted(tmp_path: Path) -> SQLiteStore:
    return _write_store(tmp_path)


def _check(store, pack, role=Role.PARTNER, **request):  # type: ignore[no-untyped-def]
    register = register_of(store)
    ctx = build_context(
        store, pack, register.premises(), CheckRequest(**request),
        policy=policy_for(role),
    )  # fmt: skip
    return check_premises(register.get("test-register:P1"), ctx), ctx


def test_within_radius_counts_the_edge_in_metres() -> None:
    import numpy as np

    xy = np.array([[100.0, 0.0], [60.0, 80.0], [100.0001, 0.0], [0.0, 0.0]])
    assert within_radius(xy, 0.0, 0.0, 100.0).tolist() == [True, True, False, True]


def test_incidents_exactly_at_the_radius_count(planted: SQLiteStore, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(planted, pack, month_from="2017-02", month_to="2017-07")
    # E1 (100 m), E2 (60/80: 100 m), E3 (99.99 m), E4 (98.99 m); not O1 at 100.5 m.
    assert result["total"] == 4
    assert {r["theme"]: r["count"] for r in result["by_theme"]} == {
        "violence": 2,
        "asb": 2,
    }
    result, _ = _check(planted, pack, radius_m=150, month_from="2017-02")
    assert result["total"] == 6  # plus O1 and O2 (exactly 150 m)


def test_radius_limits() -> None:
    with pytest.raises(InvalidParameterError, match="between 50 and 500 metres"):
        CheckRequest(radius_m=40)
    with pytest.raises(InvalidParameterError, match="got 501"):
        CheckRequest(radius_m=501)


def test_sensitive_counts_below_5_hidden_below_analyst(planted, pack) -> None:  # type: ignore[no-untyped-def]
    partner, _ = _check(planted, pack, month_from="2017-02")
    analyst, _ = _check(planted, pack, Role.ANALYST, month_from="2017-02")
    public, _ = _check(planted, pack, Role.PUBLIC, month_from="2017-02")
    da = {r["flag"]: r["count"] for r in partner["sensitive"]}
    assert da == {"domestic_abuse": FEWER_THAN_5, "sexual_offence": 0, "hate_crime": 0}
    assert analyst["sensitive"][0]["count"] == 2  # E3, E4
    assert public["sensitive"][0]["count"] == "not shown to this role"
    assert public["total"] == 2  # the public never counts them


def test_profile_hours_days_and_months(planted, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(planted, pack, month_from="2017-02", month_to="2017-07")
    profile = result["profile"]
    expected_hours = [0] * 24
    for h in (23, 23, 1, 2):
        expected_hours[h] += 1
    assert profile["by_hour"] == expected_hours
    assert profile["late_night"] == 4
    # 2017-03-03 Fri, 03-04 Sat, 03-10 Fri, 06-02 Fri.
    days = {r["day"]: r["count"] for r in profile["by_day"]}
    assert days["Fri"] == 3 and days["Sat"] == 1 and sum(days.values()) == 4
    assert profile["fri_sat"] == 4
    months = {r["month"]: r["count"] for r in result["by_month"]}
    assert months == {
        "2017-02": 0, "2017-03": 3, "2017-04": 0, "2017-05": 0, "2017-06": 1,
        "2017-07": 0,
    }  # fmt: skip


def test_expected_count_and_rate_ratio_against_the_city(planted, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(planted, pack, month_from="2017-02", month_to="2017-07")
    city_m2 = resolve_area(None, pack).geometry.area
    expected = len(PLANTED) * math.pi * 100**2 / city_m2  # 7 incidents in the city
    city = result["comparison"]["city"]
    assert city["expected"] == pytest.approx(expected)
    low, high = poisson_ci(4)
    assert city["ci_low"] == pytest.approx(low / expected)
    assert city["ci_high"] == pytest.approx(high / expected)
    assert result["rate_ratio_sentence"].startswith("Within 100 m: 4 incidents, ")
    assert result["ward"]["name"] == "Charles Dickens"


def test_outlets_within_250_m_edge_included(planted, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(planted, pack, month_from="2017-02")
    outlets = result["outlets"]
    assert [(r["name"], r["distance_m"]) for r in outlets["nearby"]] == [
        ("Corner Bistro", 50),
        ("Edge Club", 250),
    ]
    assert outlets["count"] == 2


def test_before_after_on_whole_months(planted, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(
        planted, pack, month_from="2017-02", month_to="2017-07", change_date="2017-05"
    )
    change = result["before_after"]
    assert (change["before"], change["after"]) == (3, 1)
    assert (change["months_before"], change["months_after"]) == (3, 3)
    # binomial(4, 0.5): P(X <= 1) * 2 = 2 * 5/16 = 0.625
    assert change["p_value"] == pytest.approx(0.625)
    mid, _ = _check(
        planted, pack, month_from="2017-02", month_to="2017-07",
        change_date="2017-03-15",
    )  # fmt: skip
    assert mid["before_after"]["months_before"] == 1  # 2017-02; March left out
    assert mid["before_after"]["months_after"] == 4
    assert "left out" in mid["before_after"]["note"]


def test_caveats_in_plain_words(planted, pack) -> None:  # type: ignore[no-untyped-def]
    result, _ = _check(planted, pack, month_from="2017-02")
    text = " ".join(result["caveats"])
    assert "anonymous map points" in text
    assert "no day or time of day" in text
    # This register gives licence and hours, so no "no licence" caveat.
    assert "no licence type" not in text


def test_before_after_finds_a_planted_change(tmp_path: Path, pack) -> None:  # type: ignore[no-untyped-def]
    # 2 incidents a month before 2017-05, 8 a month from it, 50 m from the pub.
    csv = tmp_path / "planted.csv"
    rows = ["id,date,time,category,easting,northing,da"]
    for month, n in (("02", 2), ("03", 2), ("04", 2), ("05", 8), ("06", 8), ("07", 8)):
        rows += [
            f"C{month}{i},2017-{month}-{i + 1:02d},21:00,Assault,{X0 + 30},{Y0 + 40},"
            for i in range(n)
        ]
    csv.write_text("\n".join(rows) + "\n")
    (tmp_path / "planted.toml").write_text(INCIDENT_TOML)
    store = SQLiteStore(tmp_path / "change.db")
    ingest_paths([csv], store)
    (tmp_path / "register.csv").write_text(
        "ref,name,address,type,x,y,licence,hours\n"
        f'P1,The Planted Arms,"1 Test Street, Portsmouth",pub,{X0},{Y0},,\n'
    )
    (tmp_path / "register.toml").write_text(PREMISES_TOML)
    import_premises(
        tmp_path / "register.csv", read_mapping(tmp_path / "register.toml"),
        register_of(store), None,
    )  # fmt: skip
    result, _ = _check(
        store, pack, month_from="2017-02", month_to="2017-07", change_date="2017-05"
    )
    change = result["before_after"]
    assert (change["before"], change["after"]) == (6, 24)
    assert (change["rate_before"], change["rate_after"]) == (2.0, 8.0)
    assert change["ratio"] == pytest.approx(4.0)
    # Under no change, after | 30 ~ binomial(30, 1/2): p = 2 * P(X >= 24).
    p = 2 * sum(math.comb(30, k) for k in range(24, 31)) / 2**30
    assert change["p_value"] == pytest.approx(p)  # 0.00143
    assert change["beyond_chance"]
    assert change["sentence"].startswith("From 2.0 to 8.0 incidents a month after")
    assert "beyond chance" in change["sentence"]
    # The register gives no licence or hours: the caveat says so.
    assert any("no licence type" in c for c in result["caveats"])
