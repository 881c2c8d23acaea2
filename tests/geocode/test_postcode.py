"""Postcodes: normalisation, format check and Code-Point Open look-ups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyproj import Transformer

from hotspots.errors import InvalidParameterError
from hotspots.geocode import (
    PostcodeIndex,
    check_lonlat,
    normalise_postcode,
    normalise_postcodes,
)

# (postcode, easting_m, northing_m) as in boundaries/data/codepoint_open_2014_PO.csv
KNOWN_CENTROIDS = [
    ("PO1 1AA", 464_342, 100_366),
    ("PO2 7DJ", 465_032, 101_549),
    ("PO9 9SS", 471_590, 106_945),
    ("PO10 7AA", 474_999, 105_852),  # stored as "PO107AA" (7-character form)
    ("PO1 1BH", 464_568, 100_421),  # positional quality 50, still has coordinates
]


@pytest.mark.parametrize(
    "text", ["po12ab", " PO1  2AB", "po1 2ab", "PO12AB", "Po1\t2aB", "PO1 2AB"]
)
def test_spelling_variants_normalise_to_one_form(text: str) -> None:
    assert normalise_postcode(text) == "PO1 2AB"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m11ae", "M1 1AE"),  # A9
        ("B338TH", "B33 8TH"),  # A99
        ("w1a0ax", "W1A 0AX"),  # A9A
        ("CR26XH", "CR2 6XH"),  # AA9
        ("dn551pt", "DN55 1PT"),  # AA99
        ("EC1A1BB", "EC1A 1BB"),  # AA9A
        ("gir0aa", "GIR 0AA"),  # the special Girobank postcode
    ],
)
def test_every_uk_shape_is_accepted(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "PO1",  # outward code only
        "PO1 2A",
        "PO1 2ABC",
        "1PO 2AB",
        "QO1 2AB",  # Q is never a first letter
        "PI1 2AB",  # I is never a second letter
        "PO1 2CB",  # C is never an inward letter
        "PO123 4AB",
        "",
        None,
        np.nan,
        12345,
    ],
)
def test_invalid_postcodes_normalise_to_none(text: object) -> None:
    assert normalise_postcode(text) is None


def test_vectorised_normalisation_keeps_index() -> None:
    result = normalise_postcodes(pd.Series(["po12ab", "bad", None], index=[5, 6, 7]))
    assert result.to_dict() == {5: "PO1 2AB", 6: None, 7: None}


def test_every_codepoint_postcode_passes_the_format_check(
    postcode_index: PostcodeIndex, codepoint_raw: pd.DataFrame
) -> None:
    assert postcode_index.n_invalid_postcodes == 0
    assert len(postcode_index) == len(codepoint_raw) == 23_731
    # The 2014 file has no rows without coordinates (no quality 90, no zeros).
    assert postcode_index.n_without_coordinates == 0
    assert postcode_index.n_duplicates == 0


@pytest.mark.parametrize(("postcode", "easting_m", "northing_m"), KNOWN_CENTROIDS)
def test_known_postcodes_give_their_centroid(
    postcode_index: PostcodeIndex, postcode: str, easting_m: int, northing_m: int
) -> None:
    variants = [postcode, postcode.lower(), postcode.replace(" ", ""), f"  {postcode} "]
    found = postcode_index.lookup(variants)
    assert found["postcode"].tolist() == [postcode] * 4
    assert found["easting_m"].tolist() == [easting_m] * 4
    assert found["northing_m"].tolist() == [northing_m] * 4
    assert found["error"].isna().all()


def test_lookup_matches_the_raw_file_for_every_postcode(
    postcode_index: PostcodeIndex, codepoint_raw: pd.DataFrame
) -> None:
    found = postcode_index.lookup(codepoint_raw["Postcode"])
    assert found["error"].isna().all()
    assert np.array_equal(found["easting_m"], codepoint_raw["Eastings"])
    assert np.array_equal(found["northing_m"], codepoint_raw["Northings"])
    assert found["ward_code"].tolist() == codepoint_raw["Admin_ward_code"].tolist()
    assert (
        found["district_code"].tolist() == codepoint_raw["Admin_district_code"].tolist()
    )


def test_lookup_errors_name_the_value(postcode_index: PostcodeIndex) -> None:
    found = postcode_index.lookup(
        pd.Series(["PO9 9ZZ", "xyz", None, "   ", "PO1", np.nan], index=list("abcdef"))
    )
    assert found.loc["a", "postcode"] == "PO9 9ZZ"
    assert found.loc["a", "error"] == (
        "postcode not in the lookup table (Code-Point Open 2014): 'PO9 9ZZ' "
        "(the table covers PO, but not this postcode)"
    )
    assert found.loc["b", "error"] == "not a valid UK postcode: 'xyz'"
    assert found.loc["b", "postcode"] is None
    assert found.loc[["c", "d", "f"], "error"].tolist() == ["no postcode given"] * 3
    assert found.loc["e", "error"].startswith("not a valid UK postcode: 'PO1'")
    assert found[["easting_m", "northing_m"]].isna().all(axis=None)


def test_a_postcode_outside_the_table_says_which_areas_it_covers(
    postcode_index: PostcodeIndex,
) -> None:
    """The bundled table is Portsmouth's PO area: a Southampton postcode needs
    another table, and the error says so."""
    assert postcode_index.areas == ("PO",)
    found = postcode_index.lookup(["SO14 7LY", "so147ly"])
    assert (
        found["error"].tolist()
        == [
            "postcode not in the lookup table (Code-Point Open 2014): 'SO14 7LY' "
            "(the table covers PO only, not SO)"
        ]
        * 2
    )


def test_the_covered_areas_are_listed_or_counted() -> None:
    def table(postcodes: list[str]) -> PostcodeIndex:
        n = len(postcodes)
        frame = {"postcode": postcodes, "easting_m": [1.0] * n, "northing_m": [1.0] * n}
        return PostcodeIndex(pd.DataFrame(frame), source="t")

    two = table(["SO14 7LY", "PO1 1AA", "PO2 7DJ"])
    assert two.areas == ("PO", "SO")
    assert (
        two.lookup(["BN1 1AA"])["error"]
        .iloc[0]
        .endswith("(the table covers PO and SO only, not BN)")
    )
    areas = ["AB", "B", "BN", "CB", "E", "G", "L", "M", "N"]
    many = table([f"{area}1 1AA" for area in areas])
    assert (
        many.lookup(["PO1 1AA"])["error"]
        .iloc[0]
        .endswith("(the table covers 9 postcode areas only, not PO)")
    )
    assert (
        table([]).lookup(["PO1 1AA"])["error"].iloc[0].endswith("(the table is empty)")
    )


def test_ward_and_district_codes(postcode_index: PostcodeIndex) -> None:
    found = postcode_index.lookup(["PO1 1AA", "PO9 9SS"])
    assert found["ward_code"].tolist() == ["E05002443", "E05004576"]
    assert found["district_code"].tolist() == ["E06000044", "E07000090"]


def test_postcode_centroid_round_trips_through_lonlat(
    postcode_index: PostcodeIndex,
) -> None:
    """The WGS84 position of PO1 1AA projects back onto its centroid within 1 m."""
    found = postcode_index.lookup(["PO1 1AA"]).iloc[0]
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(found["easting_m"], found["northing_m"])
    assert -1.1 < lon < -1.08 and 50.79 < lat < 50.80  # Portsmouth, near the Hard
    checked = check_lonlat([lon], [lat]).iloc[0]
    assert checked["error"] is None
    assert abs(checked["easting_m"] - 464_342) < 1.0
    assert abs(checked["northing_m"] - 100_366) < 1.0


def test_100000_repeated_lookups_are_correct(postcode_index: PostcodeIndex) -> None:
    distinct = ["po1 1aa", "PO107AA", "PO9 9ZZ", "nonsense", None]
    picks = np.random.default_rng(3).integers(0, len(distinct), 100_000)
    texts = pd.Series(np.array(distinct, dtype=object)[picks])
    found = postcode_index.lookup(texts)
    single = postcode_index.lookup(distinct)
    assert len(found) == 100_000
    for code in range(len(distinct)):
        rows = found.loc[picks == code]
        expected = single.iloc[code]
        assert rows["postcode"].tolist() == [expected["postcode"]] * len(rows)
        assert rows["error"].tolist() == [expected["error"]] * len(rows)
        assert np.array_equal(
            rows["easting_m"].to_numpy(),
            np.full(len(rows), expected["easting_m"]),
            equal_nan=True,
        )


def test_table_rows_without_coordinates_are_not_found() -> None:
    table = pd.DataFrame(
        {
            "postcode": ["po1 1aa", "PO1 1AB", "PO1 1AE", "PO1 1AA", "bad"],
            "easting_m": [464_342, 0, np.nan, 1, 2],
            "northing_m": [100_366, 0, 100_000, 1, 2],
        }
    )
    index = PostcodeIndex(table, source="test table")
    assert (index.n_without_coordinates, index.n_duplicates) == (2, 1)
    assert index.n_invalid_postcodes == 1
    assert len(index) == 1
    assert "PO1 1AA" in index and "PO1 1AB" not in index
    found = index.lookup(["PO1 1AA", "PO1 1AB"])
    assert found["easting_m"].iloc[0] == 464_342  # first of the duplicates kept
    assert found["error"].iloc[1] == (
        "postcode not in the lookup table (test table): 'PO1 1AB' "
        "(the table covers PO, but not this postcode)"
    )
    assert "ward_code" not in found


def test_table_without_required_columns_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="northing_m"):
        PostcodeIndex(pd.DataFrame({"postcode": ["PO1 1AA"], "easting_m": [1.0]}))


def test_headerless_codepoint_file_with_quality_90(tmp_path: Path) -> None:
    """Original Code-Point files have no header; quality 90 rows have no position."""
    csv = tmp_path / "po.csv"
    csv.write_text(
        '"PO1 1AA",10,464342,100366,"E92000001","E19000002","E18000009","",'
        '"E06000044","E05002443"\n'
        '"PO1 9ZZ",90,0,0,"E92000001","","","","",""\n'
    )
    index = PostcodeIndex.from_codepoint_csv(csv)
    assert index.n_without_coordinates == 1
    found = index.lookup(["PO1 1AA", "PO1 9ZZ"])
    assert found["easting_m"].iloc[0] == 464_342
    assert found["ward_code"].iloc[0] == "E05002443"
    assert found["error"].iloc[1].startswith("postcode not in the lookup table")
