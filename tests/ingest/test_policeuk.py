from __future__ import annotations

import pandas as pd
import pytest

from boundaries.io import read_boundaries
from hotspots.errors import IngestError
from hotspots.readers.policeuk import read_police_uk
from tests.conftest import MONTHLY_FILES, PORTSMOUTH_CSV

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)


def test_reads_every_row_of_a_real_monthly_file() -> None:
    path = MONTHLY_FILES[0]
    expected = pd.read_csv(path)
    raw = read_police_uk(path.read_bytes(), name=path.name)
    assert len(raw) == len(expected) == 14834
    assert (raw["source"] == "police.uk").all()
    assert (raw["month"] == "2017-02").all()
    assert (raw["occurred_precision"] == "month").all()
    assert raw["snapped"].all()
    asb = raw["category"] == "Anti-social behaviour"
    assert (raw.loc[asb, "source_id"] == "").all()
    assert (raw.loc[~asb, "source_id"].str.len() == 64).all()
    assert raw["row"].iloc[0] == 2  # as a spreadsheet numbers it


def test_town_comes_from_the_lsoa_name() -> None:
    raw = read_police_uk(PORTSMOUTH_CSV.read_bytes())
    assert set(raw["town"]) == {"Portsmouth"}
    lsoas = set(read_boundaries("lsoa")["code"])
    assert set(raw["source_lsoa"]) <= lsoas


def test_rows_without_location_or_with_bad_month_are_marked() -> None:
    body = (
        ",2017-02,Hampshire Constabulary,Hampshire Constabulary,,,No Location,,,"
        "Anti-social behaviour,,\n"
        ",2017-13,Hampshire Constabulary,Hampshire Constabulary,-1.09,50.8,"
        "On or near X,E01017112,Portsmouth 001A,Drugs,,\n"
    )
    raw = read_police_uk((HEADER + body).encode())
    assert pd.isna(raw.loc[0, "lon"])
    assert raw.loc[0, "error_field"] == ""  # locating it fails later, with a reason
    assert raw.loc[1, "error_field"] == "Month"
    assert "2017-13" in raw.loc[1, "error_reason"]


def test_identical_asb_rows_share_a_record_key() -> None:
    row = (
        ",2017-02,Hampshire Constabulary,Hampshire Constabulary,-1.09,50.8,"
        "On or near X,E01017112,Portsmouth 001A,Anti-social behaviour,,\n"
    )
    raw = read_police_uk((HEADER + row * 3).encode())
    assert raw["record_key"].nunique() == 1


def test_a_file_without_police_uk_columns_is_refused() -> None:
    with pytest.raises(IngestError, match="missing column"):
        read_police_uk(b"a,b,c\n1,2,3\n", name="council.csv")
