"""Shared real-data fixtures for the geocoding tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hotspots.crs import wgs84_to_bng
from hotspots.geocode import PostcodeIndex

REPO_ROOT = Path(__file__).resolve().parents[2]
CODEPOINT_CSV = REPO_ROOT / "boundaries" / "data" / "codepoint_open_2014_PO.csv"
POLICE_CSV = (
    REPO_ROOT / "sample_data" / "police_uk" / "portsmouth-street-2017-02_to_2017-07.csv"
)


@pytest.fixture(scope="session")
def postcode_index() -> PostcodeIndex:
    """The real Code-Point Open 2014 PO-area table."""
    return PostcodeIndex.from_codepoint_csv(CODEPOINT_CSV)


@pytest.fixture(scope="session")
def codepoint_raw() -> pd.DataFrame:
    """The Code-Point CSV read independently of the code under test."""
    return pd.read_csv(CODEPOINT_CSV, dtype={"Postcode": str})


@pytest.fixture(scope="session")
def police_points() -> pd.DataFrame:
    """Portsmouth police.uk crimes with BNG snap points and LSOA-derived town."""
    crimes = pd.read_csv(POLICE_CSV)
    easting_m, northing_m = wgs84_to_bng(crimes["Longitude"], crimes["Latitude"])
    return pd.DataFrame(
        {
            "location": crimes["Location"],
            "easting_m": easting_m,
            "northing_m": northing_m,
            "town": crimes["LSOA name"].str.replace(r"\s+\S+$", "", regex=True),
            "lon": crimes["Longitude"],
            "lat": crimes["Latitude"],
        }
    )


@pytest.fixture(scope="session")
def snap_points_by_street(police_points: pd.DataFrame) -> dict[str, set[tuple]]:
    """Distinct snap points (rounded to mm) per police.uk street label."""
    names = police_points["location"].str.removeprefix("On or near ")
    rounded = police_points[["easting_m", "northing_m"]].round(3)
    points: dict[str, set[tuple]] = {}
    for name, e, n in zip(
        names, rounded["easting_m"], rounded["northing_m"], strict=True
    ):
        points.setdefault(name, set()).add((e, n))
    return points
