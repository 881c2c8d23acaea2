"""The sample register on the real sample data: import, search, Gi* bin, the hour
profile of the synthetic local incidents, ranking with overlaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

import geopandas as gpd
import shapely

from hotspots.access import Role, policy_for
from hotspots.errors import IngestError
from hotspots.ingest import pack_postcodes
from hotspots.layers import compute_layer
from hotspots.premises import register_of
from hotspots.premises.check import check_premises
from hotspots.premises.context import CheckRequest, build_context, gistar_request
from hotspots.premises.importer import import_premises, read_mapping
from hotspots.premises.rank import rank_premises
from hotspots.premises.search import search_premises
from hotspots.store import SQLiteStore
from tests.conftest import LOCAL_DIR
from tests.premises.conftest import NDR_CSV, NDR_TOML, WHITE_SWAN


def test_sample_register_import_counts_and_rejects(sample_store: SQLiteStore) -> None:
    register = register_of(sample_store)
    frame = register.premises()
    # 439 CL/CR/CH rows (PROVENANCE.md: about 443), 9 of them not locatable.
    assert len(frame) == 434
    assert frame["premises_type"].value_counts().to_dict() == {
        "restaurant": 181, "pub": 145, "hotel": 62, "club": 46,
    }  # fmt: skip
    imports = register.imports()
    counts = ["rows_read", "rows_stored", "rows_skipped", "rows_rejected"]
    assert imports.loc[0, counts].tolist() == [5588, 434, 5145, 9]
    rejects = register.rejects(int(imports.loc[0, "import_id"]))
    # Row numbers as a spreadsheet shows them (header = row 1).
    raw = pd.read_csv(NDR_CSV, dtype=str, encoding="utf-8-sig")
    for row in rejects.itertuples():
        assert raw.loc[row.row - 2, "Property Reference Number"] in row.record
    assert rejects["field"].value_counts().to_dict() == {"postcode": 8, "address": 1}
    assert "no postcode at the end of the address" in set(rejects["reason"])
    assert (frame["geocode_quality"] == "postcode").all()
    swan = register.get(WHITE_SWAN)
    assert swan["name"] == "The White Swan" and swan["postcode"] == "PO1 2DD"
    assert swan["licence_type"] == "" and swan["hours"] == ""


def test_import_is_idempotent_and_atomic(tmp_path: Path, pack) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "p.db")
    register = register_of(store)
    mapping = read_mapping(NDR_TOML)
    postcodes = pack_postcodes(pack)
    first = import_premises(NDR_CSV, mapping, register, postcodes)
    before = register.premises()
    again = import_premises(NDR_CSV, mapping, register, postcodes)
    assert again.result is None and again.summary()["already_imported"]
    forced = import_premises(NDR_CSV, mapping, register, postcodes, force=True)
    assert forced.result.replaced == first.result.stored == 434
    pd.testing.assert_frame_equal(register.premises(), before)
    # A file missing a mapped column is refused whole; the register is untouched.
    broken = tmp_path / "broken.csv"
    broken.write_text(
        'Property Reference Number,Full Property Address\n1,"A, PO1 2DD"\n'
    )
    with pytest.raises(IngestError, match=r"\['Analysis Code', 'Primary Liable"):
        import_premises(broken, mapping, register, postcodes)
    pd.testing.assert_frame_equal(register.premises(), before)


def test_mapping_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('source = "x"\n[columns]\nid = "a"\naddress = "b"\nnmae = "c"\n')
    with pytest.raises(
        IngestError, match=r"unknown key\(s\) in \[columns\]: \['nmae'\]"
    ):
        read_mapping(bad)
    bad.write_text('source = "x"\n[columns]\nid = "a"\naddress = "b"\n')
    with pytest.raises(IngestError, match="must name the 'name' column"):
        read_mapping(bad)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("whte swan", "The White Swan"),  # a missing letter
        ("The Dolphin", "The Dolphin"),
        ("po1 2dd", "The White Swan"),  # a postcode in any case
        ("froddington arms", "Froddington Arms"),
        ("Nell Gwyne", "The Nell Gwynne"),
    ],
)
def test_search_is_typo_tolerant(sample_store, query, expected) -> None:  # type: ignore[no-untyped-def]
    results = search_premises(register_of(sample_store).premises(), query, 5)
    assert expected in [r["name"] for r in results[:3]]
    assert results == sorted(results, key=lambda r: -r["score"])


def test_search_by_street_ranks_premises_on_it(sample_store) -> None:  # type: ignore[no-untyped-def]
    results = search_premises(register_of(sample_store).premises(), "Guildhal Walk", 10)
    assert len(results) == 10
    assert all("Guildhall Walk" in r["address"] for r in results)


@pytest.fixture(scope="module")
def city_context(sample_db: Path, pack):  # type: ignore[no-untyped-def]
    store = SQLiteStore(sample_db)
    policy = policy_for(Role.PARTNER)
    request = CheckRequest(month_from="2017-02", month_to="2017-07")
    layer = compute_layer(
        store, gistar_request(request, policy, "2017-02", "2017-07"), pack
    )
    context = build_context(
        store, pack, register_of(store).premises(), request, policy=policy,
        gistar_layer=layer,
    )  # fmt: skip
    return context, layer


def test_gistar_bin_comes_from_the_city_layer(city_context, sample_db) -> None:  # type: ignore[no-untyped-def]
    context, layer = city_context
    swan = register_of(SQLiteStore(sample_db)).get(WHITE_SWAN)
    result = check_premises(swan, context)
    cells = gpd.GeoDataFrame.from_features(layer["features"], crs=4326)
    cell = cells[cells.contains(shapely.Point(swan["lon"], swan["lat"]))].iloc[0]
    assert result["gistar"]["bin"] == cell["gistar_bin"] == 3
    assert result["gistar"]["cell_incidents"] == cell["n"]
    # The cell's count is the city layer's (a 150 m-ish cell), not the circle's.
    assert result["gistar"]["cell_incidents"] != result["total"]
    assert result["cia"] == {
        "inside": True, "name": "City centre (Guildhall Walk) - illustration",
    }  # fmt: skip


def test_hour_profile_of_the_synthetic_local_incidents(city_context, sample_db) -> None:  # type: ignore[no-untyped-def]
    context, _ = city_context
    store = SQLiteStore(sample_db)
    swan = register_of(store).get(WHITE_SWAN)
    result = check_premises({**swan}, context)
    # Independently: the stored local incidents within 100 m (scipy KD-tree), and
    # their Time and Date columns read straight from the CSVs.
    stored = store.incidents()
    stored = stored[stored["month"].between("2017-02", "2017-07")]
    tree = cKDTree(stored[["easting", "northing"]].to_numpy())
    near = stored.iloc[tree.query_ball_point([swan["easting"], swan["northing"]], 100)]
    alcohol = pd.read_csv(LOCAL_DIR / "alcohol_incidents.csv", dtype=str)
    timed = alcohol[alcohol["Ref"].isin(near["source_id"])]
    hours = np.bincount(timed["Time"].str[:2].astype(int), minlength=24)
    assert len(timed) > 50
    asb = pd.read_csv(LOCAL_DIR / "council_asb_log.csv", dtype=str)
    asb_timed = asb[asb["Case Ref"].isin(near["source_id"]) & asb["Time"].notna()]
    hours += np.bincount(asb_timed["Time"].str[:2].astype(int), minlength=24)
    days = pd.concat(
        [
            pd.to_datetime(timed["Date"], format="%Y-%m-%d"),
            pd.to_datetime(asb_timed["Date Reported"], format="%d/%m/%Y"),
        ]
    )
    weekdays = np.bincount(days.dt.day_of_week, minlength=7).tolist()
    assert [r["count"] for r in result["profile"]["by_day"]] == weekdays
    assert result["profile"]["by_hour"] == hours.tolist()
    assert result["profile"]["timed"] == len(timed) + len(asb_timed)
    # police.uk incidents carry no time: they are in the total, not the profile.
    assert result["total"] == len(near)
    assert result["profile"]["timed"] < result["total"]


def test_rank_counts_overlaps_once_per_cluster(city_context) -> None:  # type: ignore[no-untyped-def]
    context, _ = city_context
    frame = rank_premises(context)
    assert set(frame["premises_type"]) == {"pub", "club"}
    assert len(frame) == 191
    assert frame["incidents"].is_monotonic_decreasing
    xy = context.incidents[["easting", "northing"]].to_numpy()
    register = context.premises.set_index("premises_id")
    for cluster, members in frame.groupby("cluster"):
        points = register.loc[members["premises_id"], ["easting", "northing"]]
        union = set()
        for x, y in points.to_numpy():
            union |= set(np.flatnonzero(np.hypot(xy[:, 0] - x, xy[:, 1] - y) <= 100))
        assert (members["cluster_incidents"] == len(union)).all(), cluster
    top = frame.iloc[0]
    assert top["cluster_premises"] > 1 and top["overlaps_with"]
    assert top["shared"] <= top["incidents"] <= top["cluster_incidents"]
