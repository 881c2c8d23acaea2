"""Street geocoding benchmark: precision and recall on the labelled test set.

Builds the street gazetteer from the Portsmouth police.uk snap points in
``sample_data/police_uk`` (towns from the LSOA names, as an ingest does),
splits each labelled string of ``tests/geocode/data/street_testset.csv`` into
street and town (as the mapped-CSV reader does) and geocodes it. A placement
is wrong when it is more than :data:`WRONG_M` from the string's true location;
recall is the share of strings that should be placed that are placed within
:data:`WRONG_M` of the truth.

Then, as a wider check, every correctly spelt street name of the other
Hampshire districts that Portsmouth does not have is geocoded without a town:
each placement is one of those names put on a Portsmouth street.

Usage::

    .venv/bin/python benchmarks/bench_geocode.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.crs import wgs84_to_bng
from hotspots.geocode import StreetGazetteer, normalise_street, split_street_towns
from hotspots.geocode.street_names import is_non_street

REPO = Path(__file__).resolve().parent.parent
POLICE_DIR = REPO / "sample_data" / "police_uk"
PORTSMOUTH_CSV = POLICE_DIR / "portsmouth-street-2017-02_to_2017-07.csv"
TESTSET_CSV = REPO / "tests" / "geocode" / "data" / "street_testset.csv"
WRONG_M = 200.0


def portsmouth_gazetteer() -> StreetGazetteer:
    """The gazetteer an ingest of the Portsmouth months builds."""
    crimes = pd.read_csv(PORTSMOUTH_CSV)
    easting, northing = wgs84_to_bng(crimes["Longitude"], crimes["Latitude"])
    towns = crimes["LSOA name"].str.replace(r"\s+\S+$", "", regex=True)
    return StreetGazetteer.from_points(crimes["Location"], easting, northing, towns)


def score_testset(gazetteer: StreetGazetteer, testset: pd.DataFrame) -> pd.DataFrame:
    """The test set plus ``placed``, ``distance_m``, ``wrong``, ``correct`` ..."""
    parts = split_street_towns(testset["text"])
    found = gazetteer.geocode(parts["street"], parts["town"])
    distance_m = np.hypot(
        found["easting_m"] - testset["easting_m"],
        found["northing_m"] - testset["northing_m"],
    )
    placed = found["error"].isna()
    return testset.assign(
        placed=placed,
        distance_m=distance_m,
        wrong=placed & (distance_m > WRONG_M),
        correct=placed & (distance_m <= WRONG_M) & (testset["expected"] == "place"),
        matched_street=found["matched_street"],
        error=found["error"],
    )


def summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Per kind and overall: strings, expected places, placed, wrong, recall."""

    def one(frame: pd.DataFrame) -> dict[str, float]:
        to_place = int((frame["expected"] == "place").sum())
        return {
            "strings": len(frame),
            "to_place": to_place,
            "placed": int(frame["placed"].sum()),
            "correct": int(frame["correct"].sum()),
            "wrong_gt_200m": int(frame["wrong"].sum()),
            "recall": frame["correct"].sum() / to_place if to_place else np.nan,
        }

    rows = {kind: one(frame) for kind, frame in scored.groupby("kind", sort=True)}
    rows["all"] = one(scored)
    return pd.DataFrame(rows).T


def other_district_names(gazetteer: StreetGazetteer) -> pd.Series:
    """Street names of the other Hampshire districts that Portsmouth lacks."""
    frames = [
        pd.read_csv(path, usecols=["Location", "LSOA name"])
        for path in sorted(POLICE_DIR.glob("2017-0?-hampshire-street.csv"))
    ]
    crimes = pd.concat(frames, ignore_index=True).dropna()
    crimes = crimes[~crimes["LSOA name"].str.startswith("Portsmouth ")]
    crimes = crimes[crimes["Location"].str.startswith("On or near ")]
    labels = crimes["Location"].str.removeprefix("On or near ").drop_duplicates()
    labels = labels[~labels.map(is_non_street)]
    keys = labels.map(normalise_street)
    known = set(gazetteer.streets["street_key"])
    absent = ~keys.isin(known) & ~keys.duplicated()
    return labels[absent].reset_index(drop=True)


def main() -> int:
    gazetteer = portsmouth_gazetteer()
    testset = pd.read_csv(TESTSET_CSV, keep_default_na=False)
    scored = score_testset(gazetteer, testset)
    table = summary(scored)
    with pd.option_context("display.width", 120):
        print(f"labelled set: {len(testset)} strings, {TESTSET_CSV.name}")
        print(table.to_string(float_format="{:.3f}".format))
    wrong = scored[scored["wrong"]]
    if len(wrong):
        print("\nwrong placements:")
        print(wrong[["text", "kind", "matched_street", "distance_m"]].to_string())
    names = other_district_names(gazetteer)
    found = gazetteer.geocode(names)
    placed = found["error"].isna()
    print(
        f"\nother districts' streets absent from Portsmouth: {len(names)} names, "
        f"{int(placed.sum())} placed on a Portsmouth street"
    )
    for name, street in zip(
        names[placed], found.loc[placed, "matched_street"], strict=True
    ):
        print(f"  {name!r} -> {street!r}")
    return 1 if len(wrong) else 0


if __name__ == "__main__":
    sys.exit(main())
