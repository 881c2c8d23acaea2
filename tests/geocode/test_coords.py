"""Coordinate checks: swapped, null island, missing, out of range, projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyproj import Transformer

from hotspots.geocode import COORDINATE_COLUMNS, check_bng, check_lonlat

# Portsmouth Guildhall, roughly.
GUILDHALL_LON, GUILDHALL_LAT = -1.0913, 50.7983
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def test_portsmouth_point_is_projected_like_pyproj() -> None:
    checked = check_lonlat([GUILDHALL_LON], [GUILDHALL_LAT])
    assert list(checked.columns) == COORDINATE_COLUMNS
    easting_m, northing_m = TO_BNG.transform(GUILDHALL_LON, GUILDHALL_LAT)
    row = checked.iloc[0]
    assert row["error"] is None and row["note"] is None
    assert row["easting_m"] == pytest.approx(easting_m, abs=1e-6)
    assert row["northing_m"] == pytest.approx(northing_m, abs=1e-6)
    assert 464_000 < row["easting_m"] < 465_000  # central Portsmouth, SU 64 00
    assert 100_000 < row["northing_m"] < 101_000
    assert (row["lon"], row["lat"]) == (GUILDHALL_LON, GUILDHALL_LAT)


def test_swapped_lonlat_is_corrected_with_a_note() -> None:
    checked = check_lonlat(
        [GUILDHALL_LAT, GUILDHALL_LON], [GUILDHALL_LON, GUILDHALL_LAT]
    )
    swapped, straight = checked.iloc[0], checked.iloc[1]
    assert swapped["note"] == (
        "latitude and longitude were swapped in the source; corrected"
    )
    assert swapped["error"] is None and straight["note"] is None
    assert (swapped["lon"], swapped["lat"]) == (GUILDHALL_LON, GUILDHALL_LAT)
    assert swapped["easting_m"] == straight["easting_m"]
    assert swapped["northing_m"] == straight["northing_m"]


@pytest.mark.parametrize(
    ("lon", "lat", "error"),
    [
        (0, 0, "coordinates are (0, 0) (null island)"),
        ("0", "0.0", "coordinates are (0, 0) (null island)"),
        (None, 50.8, "no coordinates"),
        (-1.09, np.nan, "no coordinates"),
        ("", "", "no coordinates"),
        ("abc", 50.8, "no coordinates: longitude 'abc' is not a number"),
        (-1.09, "n/a", "no coordinates: latitude 'n/a' is not a number"),
        (200.5, 50.8, "longitude 200.5 outside -180..180"),
        (-1.09, -95, "latitude -95 outside -90..90"),
        (np.inf, 50.8, "longitude inf outside -180..180"),
        (151.2, -33.9, "longitude/latitude outside the British National Grid area"),
    ],
)
def test_bad_lonlat_is_an_error(lon: object, lat: object, error: str) -> None:
    row = check_lonlat(pd.Series([lon], dtype=object), [lat]).iloc[0]
    assert row["error"].startswith(error)
    assert np.isnan([row["easting_m"], row["northing_m"], row["lon"], row["lat"]]).all()


def test_numeric_strings_are_accepted() -> None:
    row = check_lonlat(pd.Series([" -1.0913 "]), pd.Series(["50.7983"])).iloc[0]
    assert row["error"] is None
    assert row["easting_m"] == pytest.approx(
        TO_BNG.transform(GUILDHALL_LON, GUILDHALL_LAT)[0], abs=1e-6
    )


def test_result_keeps_the_input_index_and_mixes_rows() -> None:
    lon = pd.Series([GUILDHALL_LON, 0.0, None], index=["x", "y", "z"])
    checked = check_lonlat(lon, [GUILDHALL_LAT, 0.0, 50.8])
    assert list(checked.index) == ["x", "y", "z"]
    assert checked["error"].tolist() == [
        None,
        "coordinates are (0, 0) (null island)",
        "no coordinates",
    ]


def test_every_police_uk_point_passes(police_points: pd.DataFrame) -> None:
    checked = check_lonlat(police_points["lon"], police_points["lat"])
    assert checked["error"].isna().all()
    assert checked["note"].isna().all()
    assert np.allclose(checked["easting_m"], police_points["easting_m"])
    assert checked["easting_m"].between(460_000, 470_000).all()
    assert checked["northing_m"].between(97_000, 108_000).all()


def test_bng_point_is_unprojected_like_pyproj() -> None:
    row = check_bng([464_342], [100_366]).iloc[0]
    lon, lat = TO_WGS84.transform(464_342, 100_366)
    assert row["error"] is None
    assert (row["easting_m"], row["northing_m"]) == (464_342, 100_366)
    assert row["lon"] == pytest.approx(lon, abs=1e-9)
    assert row["lat"] == pytest.approx(lat, abs=1e-9)


@pytest.mark.parametrize(
    ("easting", "northing", "error"),
    [
        (None, 100_366, "no coordinates"),
        ("", "", "no coordinates"),
        ("464k", 100_366, "no coordinates: easting '464k' is not a number"),
        (0, 0, "easting/northing are (0, 0)"),
        (-1.0913, 50.7983, "looks like longitude/latitude in degrees, not metres"),
        (50.7983, -1.0913, "looks like longitude/latitude in degrees, not metres"),
        (800_000, 100_000, "easting/northing outside the British National Grid"),
        (464_342, 1_400_000, "easting/northing outside the British National Grid"),
        (-5_000, 100_000, "easting/northing outside the British National Grid"),
    ],
)
def test_bad_bng_is_an_error(easting: object, northing: object, error: str) -> None:
    row = check_bng(pd.Series([easting], dtype=object), [northing]).iloc[0]
    assert row["error"].startswith(error)
    assert np.isnan([row["easting_m"], row["northing_m"], row["lon"], row["lat"]]).all()


def test_degrees_error_names_the_values() -> None:
    row = check_bng([-1.0913], [50.7983]).iloc[0]
    assert row["error"].endswith("(-1.0913, 50.7983)")


def test_inputs_of_different_length_are_refused() -> None:
    from hotspots.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="differ in length"):
        check_lonlat([1.0, 2.0], [50.0])
