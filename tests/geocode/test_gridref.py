"""OS grid references: known squares to the metre, errors, vectorised parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import GeocodeError
from hotspots.geocode import (
    GridReference,
    PostcodeIndex,
    parse_grid_reference,
    parse_grid_references,
)


@pytest.mark.parametrize(
    ("text", "south_west_m", "precision_m"),
    [
        # Portsmouth: SU is the 100 km square (4, 1).
        ("SU 6400 0100", (464_000, 101_000), 10),
        ("su64000100", (464_000, 101_000), 10),
        ("S U 64 00 01 00", (464_000, 101_000), 10),
        ("SU6401", (464_000, 101_000), 1_000),
        ("SU 640 011", (464_000, 101_100), 100),
        # Central London (TQ = (5, 1)) and Edinburgh (NT = (3, 6)).
        ("TQ 30 80", (530_000, 180_000), 1_000),
        ("NT 25 73", (325_000, 673_000), 1_000),
        ("NT2573", (325_000, 673_000), 1_000),
        # Ben Nevis, ten digits: a 1 m square.
        ("NN 16667 71283", (216_667, 771_283), 1),
        # Two digits: 10 km; no digits: the whole 100 km square.
        ("SU 6 0", (460_000, 100_000), 10_000),
        ("SU", (400_000, 100_000), 100_000),
        # Corners of the grid: SV (0, 0) off Scilly, HP (4, 12) Shetland.
        ("SV 00 00", (0, 0), 1_000),
        ("HP 60 10", (460_000, 1_210_000), 1_000),
    ],
)
def test_known_references_give_the_square_centre(
    text: str, south_west_m: tuple[int, int], precision_m: int
) -> None:
    ref = parse_grid_reference(text)
    assert ref.precision_m == precision_m
    assert ref.easting_m == south_west_m[0] + precision_m / 2
    assert ref.northing_m == south_west_m[1] + precision_m / 2
    assert ref.south_west_m == south_west_m


def test_six_figure_reference_centre_is_50_m_in() -> None:
    assert parse_grid_reference("SU 640 011") == GridReference(
        easting_m=464_050.0, northing_m=101_150.0, precision_m=100
    )


def test_ten_figure_reference_matches_a_codepoint_centroid(
    postcode_index: PostcodeIndex,
) -> None:
    """PO1 1AA is at (464342, 100366): its ten-figure reference is SU 64342 00366."""
    found = postcode_index.lookup(["PO1 1AA"]).iloc[0]
    ref = parse_grid_reference("SU 64342 00366")
    assert ref.south_west_m == (found["easting_m"], found["northing_m"])
    assert ref.precision_m == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SU 6400 010", "odd number of digits (7) in grid reference 'SU 6400 010'"),
        ("SU1", "odd number of digits (1)"),
        ("SI 12 34", "unknown grid letter 'I'"),
        ("IS1234", "unknown grid letter 'I'"),
        ("SU-6400-0100", "bad characters '-' in grid reference 'SU-6400-0100'"),
        ("SU 64.00 01.00", "bad characters '.'"),
        ("S1 2345", "not two letters followed by digits"),
        ("1234", "not two letters followed by digits"),
        ("SU 123456 123456", "too many digits (12 > 10)"),
        ("SU 64 0100", "different numbers of digits (2 and 4)"),
        ("AA 12 34", "grid square 'AA' in grid reference 'AA 12 34' is outside"),
        ("", "no grid reference given"),
        ("   ", "no grid reference given"),
    ],
)
def test_bad_references_raise_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(GeocodeError) as caught:
        parse_grid_reference(text)
    assert message in str(caught.value)


def test_non_text_raises() -> None:
    with pytest.raises(GeocodeError, match="must be text"):
        parse_grid_reference(464000)  # type: ignore[arg-type]


def test_vectorised_parse_keeps_index_and_reports_errors() -> None:
    texts = pd.Series(["SU 6400 0100", "SI12", None, "tq3080"], index=[10, 11, 12, 13])
    parsed = parse_grid_references(texts)
    assert list(parsed.columns) == ["easting_m", "northing_m", "precision_m", "error"]
    assert list(parsed.index) == [10, 11, 12, 13]
    assert parsed.loc[10].tolist() == [464_005.0, 101_005.0, 10.0, None]
    assert parsed.loc[13].tolist() == [530_500.0, 180_500.0, 1_000.0, None]
    assert (
        parsed.loc[[11, 12], ["easting_m", "northing_m", "precision_m"]]
        .isna()
        .all(axis=None)
    )
    assert "unknown grid letter 'I'" in parsed.at[11, "error"]
    assert parsed.at[12, "error"] == "no grid reference given"


def test_vectorised_parse_of_100000_repeated_references() -> None:
    distinct = ["SU 6400 0100", "SU6401", "bad", "NT 25 73"]
    picks = np.random.default_rng(7).integers(0, len(distinct), 100_000)
    texts = pd.Series(np.array(distinct, dtype=object)[picks])
    parsed = parse_grid_references(texts)
    assert len(parsed) == 100_000
    for code, text in enumerate(distinct):
        rows = parsed.loc[picks == code]
        try:
            ref = parse_grid_reference(text)
        except GeocodeError as error:
            assert rows["error"].eq(str(error)).all()
            assert rows["easting_m"].isna().all()
        else:
            assert rows["error"].isna().all()
            assert rows["easting_m"].eq(ref.easting_m).all()
            assert rows["northing_m"].eq(ref.northing_m).all()
            assert rows["precision_m"].eq(ref.precision_m).all()


def test_empty_input_gives_empty_frame() -> None:
    parsed = parse_grid_references(pd.Series([], dtype=object))
    assert parsed.empty
    assert list(parsed.columns) == ["easting_m", "northing_m", "precision_m", "error"]
