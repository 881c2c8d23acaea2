"""Area summaries counted in SQL and kept until the data changes (issue 14)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from api.main import create_app
from api.shortcut import kept_summary
from boundaries.io import read_boundaries
from hotspots.areas import area_counts, area_incidents, resolve_area
from hotspots.ingest import ingest_paths
from hotspots.schema import FLAG_COLUMNS
from hotspots.settings import Settings
from hotspots.store import IncidentQuery, open_store
from hotspots.summaries import SUMMARY_KEYS
from tests.api.conftest import ANALYST
from tests.conftest import LOCAL_DIR, PORTSMOUTH_CSV

BY = [*SUMMARY_KEYS, *FLAG_COLUMNS]


def test_store_counts_are_the_rows_grouped(sample_url: str) -> None:
    store = open_store(sample_url)
    for query in (
        IncidentQuery(),
        IncidentQuery(month_from="2017-03", month_to="2017-05", themes=["alcohol"]),
    ):
        counts = store.counts(query, BY)
        rows = store.incidents(query)
        grouped = rows.groupby(BY, dropna=False).size().rename("n").reset_index()
        key = [*BY]
        pd.testing.assert_frame_equal(
            counts.sort_values(key, na_position="first").reset_index(drop=True),
            grouped.sort_values(key, na_position="first").reset_index(drop=True),
            check_dtype=False,
        )
        assert counts["n"].sum() == len(rows) == store.count(query)


def test_area_counts_of_wards_and_lsoas_count_each_incident_once(
    sample_url: str,
) -> None:
    store = open_store(sample_url)
    ward = read_boundaries("ward")["code"].iloc[0]
    lsoas = read_boundaries("lsoa")["code"]
    area = resolve_area(f"{ward},{lsoas.iloc[0]},{lsoas.iloc[-1]}")
    assert area.ward_codes and area.lsoa_codes
    counts = area_counts(store, area, IncidentQuery(), BY)
    rows = area_incidents(store, area, IncidentQuery())
    assert counts["n"].sum() == len(rows) == rows["incident_id"].nunique()
    city = resolve_area("city")
    assert area_counts(store, city, IncidentQuery(), BY)["n"].sum() == len(
        area_incidents(store, city, IncidentQuery())
    )


def _store_count(url: str, ward: str) -> int:
    path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        sql = "SELECT COUNT(*) FROM incidents WHERE ward_code = ?"
        return int(conn.execute(sql, (ward,)).fetchone()[0])


def test_a_repeat_summary_is_kept_until_the_data_changes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    ingest_paths([LOCAL_DIR], open_store(url))
    settings = Settings(database_url=url, api_keys="analyst-key=analyst")
    app = create_app(settings)
    client = TestClient(app)
    ward = "E05002443"
    path = f"/api/v1/areas/{ward}/summary"

    first = client.get(path, headers=ANALYST).json()
    again = client.get(path, headers=ANALYST).json()  # the shortcut's answer
    assert again == first
    version = first["data_version"]
    asks = {
        "path": path,
        "query_string": b"",
        "headers": [(b"x-api-key", ANALYST["X-API-Key"].encode())],
    }
    assert json.loads(kept_summary(app.state.summaries_kept, asks, version)) == first
    assert app.state.summaries.hits == 0  # the route never ran again
    public = client.get(path).json()  # another role: its own summary ...
    assert app.state.summaries.hits == 1  # ... from the city's counts kept
    assert public["excluded_flags"] and public["role"] != first["role"]
    assert first["incidents"]["total"] == _store_count(url, ward)

    ingest_paths([PORTSMOUTH_CSV], open_store(url))
    after = client.get(path, headers=ANALYST).json()
    assert after["data_version"] > first["data_version"]
    assert after["incidents"]["total"] == _store_count(url, ward)
    assert after["incidents"]["total"] > first["incidents"]["total"]
