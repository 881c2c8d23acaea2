"""Build the labelled street test set (tests/geocode/data/street_testset.csv).

Every string is made from real police.uk snap points: Portsmouth's streets
(what the gazetteer holds) and the streets of the rest of the Hampshire force
area (what it must not confuse them with). Each row says what a correct
geocoder does with the string: place it on a named Portsmouth street (at that
street's location) or reject it; rejected strings from other districts carry
their real location, so a wrong placement's distance can be measured.

Kinds (see tests/geocode/data/README.md for the counts):

- ``exact``: a Portsmouth street as police.uk writes it.
- ``variant``: the same name written differently (case, "Rd"/"St" ...,
  a missing apostrophe, a house number, "outside", "On or near", spacing).
- ``typo``: one slip (swap, drop, double or changed letter) in the longest
  word of a Portsmouth name; never another real street name.
- ``not_in_gazetteer``: a correctly spelt street of another Hampshire district
  that Portsmouth does not have, without a town; half of them close to a
  Portsmouth name (rapidfuzz token_sort_ratio >= 85, the old acceptance rule).
- ``neighbouring_town``: "Street, Town" with a street of Gosport, Fareham,
  Havant, Southampton, Eastleigh or Winchester and that district's name; half
  of the names also exist in Portsmouth.
- ``town_in_name``: "Street, Town" from those districts where Portsmouth has a
  street named after the town ("East Street, Havant" and "Havant Street").
- ``street_town``: a Portsmouth street as "Street, Town" (Southsea for PO4/PO5,
  Cosham for some of PO6, else Portsmouth), sometimes with a house number,
  flat, postcode or county.

Portsmouth names that cover separate streets (snap points more than
:data:`MULTI_STREET_GAP_M` apart with none between, e.g. Albert Road in
Southsea and in Cosham) and road numbers (A3, M275) are left out: a name alone
cannot say which street is meant. Deterministic: one seeded generator.

    .venv/bin/python scripts/make_street_testset.py [--out PATH] [--seed N]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform

from hotspots.crs import wgs84_to_bng
from hotspots.geocode.street_names import (
    STREET_ABBREVIATIONS,
    is_non_street,
    normalise_street,
    strip_police_prefix,
)

REPO = Path(__file__).resolve().parent.parent
POLICE_DIR = REPO / "sample_data" / "police_uk"
PORTSMOUTH_CSV = POLICE_DIR / "portsmouth-street-2017-02_to_2017-07.csv"
CODEPOINT_CSV = REPO / "boundaries" / "data" / "codepoint_open_2014_PO.csv"
OUT = REPO / "tests" / "geocode" / "data" / "street_testset.csv"

MULTI_STREET_GAP_M = 3_000.0
NEIGHBOURS = ("Gosport", "Fareham", "Havant", "Southampton", "Eastleigh", "Winchester")
COUNTS = {
    "exact": 100,
    "variant": 120,
    "typo": 120,
    "not_in_gazetteer": 150,
    "neighbouring_town": 100,
    "town_in_name": 30,
    "street_town": 120,
}
COLUMNS = [
    "text",
    "kind",
    "detail",
    "expected",
    "true_street",
    "true_district",
    "easting_m",
    "northing_m",
]
ABBREVIATE = {full: short for short, full in STREET_ABBREVIATIONS.items()}
ABBREVIATE.update({"road": "Rd", "street": "St", "avenue": "Ave", "terrace": "Tce"})
_ROAD_NUMBER = re.compile(r"^[am]\d+[a-z]?$")


def snap_points(paths: list[Path]) -> pd.DataFrame:
    """police.uk street labels with BNG snap points, district and street key."""
    crimes = pd.concat(
        [pd.read_csv(p, usecols=["Location", "LSOA name", "Longitude", "Latitude"])
         for p in paths],
        ignore_index=True,
    )  # fmt: skip
    crimes = crimes.dropna()
    crimes = crimes[crimes["Location"].str.startswith("On or near ")]
    crimes = crimes[~crimes["Location"].map(is_non_street)]
    easting, northing = wgs84_to_bng(crimes["Longitude"], crimes["Latitude"])
    points = pd.DataFrame(
        {
            "label": crimes["Location"].map(strip_police_prefix).to_numpy(),
            "district": crimes["LSOA name"]
            .str.replace(r"\s+\S+$", "", regex=True)
            .to_numpy(),
            "easting_m": np.round(easting, 3),
            "northing_m": np.round(northing, 3),
        }
    )
    points["key"] = points["label"].map(normalise_street)
    points = points[~points["key"].str.match(_ROAD_NUMBER)]
    return points.drop_duplicates(["key", "district", "easting_m", "northing_m"])


def streets_of(points: pd.DataFrame) -> pd.DataFrame:
    """One row per key: commonest label, location, largest snap-point gap."""
    rows = []
    for key, group in points.groupby("key", sort=True):
        xy = group[["easting_m", "northing_m"]].to_numpy()
        centre = xy.mean(axis=0)
        location = xy[np.argmin(np.hypot(*(xy - centre).T))]
        gap = (
            minimum_spanning_tree(squareform(pdist(xy))).toarray().max()
            if len(xy) > 1
            else 0.0
        )
        rows.append(
            {
                "key": key,
                "label": group["label"].value_counts().index[0],
                "district": group["district"].value_counts().index[0],
                "easting_m": location[0],
                "northing_m": location[1],
                "gap_m": gap,
            }
        )
    return pd.DataFrame(rows)


def streets_by_district(points: pd.DataFrame) -> pd.DataFrame:
    """One row per (key, district): each district's street is its own place."""
    frames = [
        streets_of(group).assign(district=district)
        for district, group in points.groupby("district", sort=True)
    ]
    return pd.concat(frames, ignore_index=True)


def row(text: str, kind: str, detail: str, expected: str, street: pd.Series) -> dict:
    """One labelled string; ``street`` gives the truth (name, district, place)."""
    return {
        "text": text,
        "kind": kind,
        "detail": detail,
        "expected": expected,
        "true_street": street["label"],
        "true_district": street["district"],
        "easting_m": street["easting_m"],
        "northing_m": street["northing_m"],
    }


def variant(label: str, rng: np.random.Generator) -> tuple[str, str] | None:
    """The label written another way, and how; None if the way does not apply."""
    words = label.split()
    how = str(
        rng.choice(
            ["upper", "lower", "abbreviation", "apostrophe", "house_number",
             "outside", "police_prefix", "spacing"]
        )
    )  # fmt: skip
    last = words[-1].lower()
    if how == "upper":
        return label.upper(), how
    if how == "lower":
        return label.lower(), how
    if how == "abbreviation":
        if len(words) < 2 or last not in ABBREVIATE:
            return None
        dot = "." if rng.random() < 0.3 else ""
        return " ".join([*words[:-1], ABBREVIATE[last].title() + dot]), how
    if how == "apostrophe":
        if "'" not in label:
            return None
        return label.replace("'S", "s").replace("'s", "s").replace("'", ""), how
    if how == "house_number":
        return f"{rng.integers(1, 250)} {label}", how
    if how == "outside":
        return f"outside {rng.integers(1, 120)} {label}", how
    if how == "police_prefix":
        return f"On or near {label}", how
    return "  ".join(words), how


def typo(label: str, rng: np.random.Generator) -> tuple[str, str] | None:
    """One slip in the longest word (never its first letter), and its kind."""
    words = label.split()
    longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    word = words[longest]
    if len(word) < 4 or not word.isalpha():
        return None
    how = str(rng.choice(["swap", "drop", "double", "change"]))
    i = int(rng.integers(1, len(word) - 1))
    if how == "swap":
        if word[i] == word[i + 1]:
            return None
        new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif how == "drop":
        new = word[:i] + word[i + 1 :]
    elif how == "double":
        new = word[: i + 1] + word[i] + word[i + 1 :]
    else:
        letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i].lower()]
        new = word[:i] + str(rng.choice(letters)) + word[i + 1 :]
    words[longest] = new
    return " ".join(words), how


def build(seed: int) -> pd.DataFrame:
    """The whole labelled set, in a fixed order."""
    rng = np.random.default_rng(seed)
    hampshire = sorted(POLICE_DIR.glob("2017-0?-hampshire-street.csv"))
    everywhere = snap_points([PORTSMOUTH_CSV, *hampshire])
    portsmouth_points = everywhere[everywhere["district"] == "Portsmouth"]
    portsmouth = streets_of(portsmouth_points)
    known_keys = set(portsmouth["key"])
    single = portsmouth[portsmouth["gap_m"] <= MULTI_STREET_GAP_M].reset_index(
        drop=True
    )
    other_points = everywhere[everywhere["district"] != "Portsmouth"]
    others = streets_by_district(other_points)
    all_keys = known_keys | set(others["key"])
    rows: list[dict] = []

    def pick(frame: pd.DataFrame, n: int) -> pd.DataFrame:
        return frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]

    for _, street in pick(single, COUNTS["exact"]).iterrows():
        rows.append(row(street["label"], "exact", "", "place", street))

    made = 0
    while made < COUNTS["variant"]:
        street = single.iloc[int(rng.integers(len(single)))]
        written = variant(street["label"], rng)
        if written is not None:
            rows.append(row(written[0], "variant", written[1], "place", street))
            made += 1

    made, seen = 0, set()
    while made < COUNTS["typo"]:
        street = single.iloc[int(rng.integers(len(single)))]
        written = typo(street["label"], rng)
        if written is None or written[0] in seen:
            continue
        if normalise_street(written[0]) in all_keys:
            continue  # a real street name: not a typo
        seen.add(written[0])
        rows.append(row(written[0], "typo", written[1], "reject_or_place", street))
        made += 1

    absent = (
        others[~others["key"].isin(known_keys)]
        .drop_duplicates("key")
        .reset_index(drop=True)
    )
    scores = np.array(
        [
            process.extractOne(k, sorted(known_keys), scorer=fuzz.token_sort_ratio)[1]
            for k in absent["key"]
        ]
    )
    half = COUNTS["not_in_gazetteer"] // 2
    for detail, frame in (
        ("close to a Portsmouth name", absent[scores >= 85]),
        ("any", absent[scores < 85]),
    ):
        for _, street in pick(frame.reset_index(drop=True), half).iterrows():
            rows.append(
                row(street["label"], "not_in_gazetteer", detail, "reject", street)
            )

    neighbours = others[others["district"].isin(NEIGHBOURS)].reset_index(drop=True)
    shared = neighbours[neighbours["key"].isin(known_keys)]
    near = neighbours[
        ~neighbours["key"].isin(known_keys)
        & neighbours["key"].isin(absent.loc[scores >= 85, "key"])
    ]
    half = COUNTS["neighbouring_town"] // 2
    for detail, frame in (
        ("name also in Portsmouth", shared),
        ("close to a Portsmouth name", near),
    ):
        for _, street in pick(frame.reset_index(drop=True), half).iterrows():
            text = f"{street['label']}, {street['district']}"
            rows.append(row(text, "neighbouring_town", detail, "reject", street))

    # "East Street, Havant" read whole matched Portsmouth's "Havant Street".
    type_of = others["key"].str.split().str[-1]
    town_named = others[
        others["district"].isin(NEIGHBOURS)
        & np.array(
            [
                f"{district.lower()} {kind}" in known_keys
                for district, kind in zip(others["district"], type_of, strict=True)
            ]
        )
    ].reset_index(drop=True)
    for _, street in pick(town_named, COUNTS["town_in_name"]).iterrows():
        text = f"{street['label']}, {street['district']}"
        rows.append(row(text, "town_in_name", "", "reject", street))

    codepoint = pd.read_csv(
        CODEPOINT_CSV, usecols=["Postcode", "Eastings", "Northings"]
    )
    tree = cKDTree(codepoint[["Eastings", "Northings"]].to_numpy())
    for _, street in pick(single, COUNTS["street_town"]).iterrows():
        _, nearest = tree.query([street["easting_m"], street["northing_m"]])
        postcode = str(codepoint["Postcode"].iloc[nearest])
        district = postcode.split()[0]
        town = "Portsmouth"
        if district in ("PO4", "PO5") and rng.random() < 0.7:
            town = "Southsea"
        elif district == "PO6" and rng.random() < 0.5:
            town = "Cosham"
        form = str(rng.choice(["plain", "number", "flat", "postcode", "county"]))
        label, number = street["label"], rng.integers(1, 250)
        text = {
            "plain": f"{label}, {town}",
            "number": f"{number} {label}, {town}",
            "flat": f"Flat {rng.integers(1, 9)}, {number} {label}, {town}",
            "postcode": f"{label}, {town}, {postcode}",
            "county": f"{label}, {town}, Hants",
        }[form]
        rows.append(row(text, "street_town", form, "place", street))

    table = pd.DataFrame(rows, columns=COLUMNS)
    table["expected"] = table["expected"].replace("reject_or_place", "place")
    table[["easting_m", "northing_m"]] = table[["easting_m", "northing_m"]].round(1)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    table = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, lineterminator="\n")
    print(f"{len(table)} strings -> {args.out}")
    print(table.groupby(["kind", "expected"]).size().to_string())


if __name__ == "__main__":
    main()
