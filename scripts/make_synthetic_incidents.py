"""Generate SYNTHETIC local incident logs for Portsmouth (no real incidents).

Council ASB case logs and partnership alcohol-incident records are not open data,
so this script invents them, anchored to real places: licensed premises from the
city council's business rates list (Analysis Code CL pubs, CL2 clubs), OS Code-Point
Open 2014 postcodes and police.uk "On or near <street>" names. Output is seeded and
byte-for-byte reproducible; deliberate data-quality errors are planted and counted.
See sample_data/local/README.md.

    .venv/bin/python scripts/make_synthetic_incidents.py [--out DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from pyproj import Transformer

REPO = Path(__file__).resolve().parent.parent
PREMISES_CSV = REPO / "sample_data/premises/portsmouth-ndr-properties-january-2022.csv"
CODEPOINT_CSV = REPO / "boundaries/data/codepoint_open_2014_PO.csv"
POLICE_CSV = REPO / "sample_data/police_uk/portsmouth-street-2017-02_to_2017-07.csv"
PORTSMOUTH = "E06000044"
START, END = date(2017, 2, 1), date(2017, 7, 31)
DAYS = np.array([START + timedelta(d) for d in range((END - START).days + 1)])
N_ASB, N_ALCOHOL = 3000, 1200

# fmt: off
# Premises whose address is in these night-time-economy areas draw 5x the incidents.
NTE_ZONES = re.compile(
    r"Guildhall Walk|Commercial Road|Stanhope Road|Gunwharf Quays|The Hard|Bath Square"
    r"|Albert Road, Southsea|Palmerston Road|Osborne Road|Elm Grove")
NOT_A_NAME = re.compile(r"^(\d|unit\b|part\b)", re.IGNORECASE)  # address starts
FLOOR = re.compile(r"floor|^basement$", re.IGNORECASE)  # skipped before the name
GENERIC_NAMES = {"Club", "Club House", "Clubhouse & Store", "Nightclub & Premises",
                 "Social Club", "Boat House", "Chalets Paulsgrove Allotments"}
# police.uk snap points named after a place type rather than a street
POLICE_PLACE_TYPES = {"Supermarket", "Petrol Station", "Parking Area", "Nightclub",
                      "Pedestrian Subway", "Shopping Area", "Police Station",
                      "Hospital", "Ferry Terminal"}
ABBREVIATIONS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln",
                 "Crescent": "Cres", "Terrace": "Tce", "Gardens": "Gdns",
                 "Close": "Cl", "Place": "Pl", "Parade": "Pde", "Square": "Sq"}
INWARD_LETTERS = list("ABDEFGHJLNPQRSTUWXYZ")  # letters used in inward codes

# relative weight of each hour 00..23
DAY_HOURS = np.array([4, 3, 2, 1, 1, 1, 1, 2, 4, 5, 6, 7,
                      7, 7, 8, 9, 10, 11, 12, 13, 13, 12, 10, 7])
NIGHT_HOURS = np.array([15, 13, 10, 6, 3, 1, .5, .5, .5, .5, 1, 1,
                        2, 2, 2, 2, 3, 4, 5, 7, 9, 12, 14, 15])
# relative weight of the evening an incident belongs to, Monday..Sunday
DAY_DOW = np.array([1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.1])
NIGHT_DOW = np.array([0.7, 0.7, 0.8, 1.1, 2.2, 2.6, 0.9])

# type: (weight near licensed premises, weight elsewhere); themes are in the TOML
ASB_TYPES = {
    "Rowdy/inconsiderate behaviour": (30, 16),
    "Noise nuisance": (18, 20),
    "Street drinking": (14, 4),
    "Drug dealing/use": (9, 8),
    "Vandalism/graffiti": (8, 10),
    "Begging": (8, 3),
    "Vehicle nuisance": (7, 11),
    "Neighbour dispute": (3, 16),
    "Fly-tipping": (3, 12),
}
# category: (weight, Ref prefix: AMB ambulance/ED, LPT licensing patrol)
ALCOHOL_CATEGORIES = {
    "Assault - alcohol related": (30, "AMB"),
    "Drunk and disorderly": (25, "LPT"),
    "Alcohol-related injury": (20, "AMB"),
    "Intoxicated - welfare concern": (12, "AMB"),
    "Drink-related noise": (8, "LPT"),
    "Underage drinking": (5, "LPT"),
}
# fmt: on


@dataclass
class Places:
    """Real places the synthetic incidents are anchored to (BNG metres)."""

    pubs: pd.DataFrame  # CL/CL2 premises: name, rv, nte, weight, e, n
    postcodes: pd.DataFrame  # Portsmouth Code-Point postcodes: postcode, e, n
    known: set[str]  # every PO-area Code-Point postcode
    streets: pd.DataFrame  # police.uk street snap points: name, e, n

    def __post_init__(self) -> None:
        self.pc_tree = cKDTree(self.postcodes[["e", "n"]].to_numpy())
        self.street_tree = cKDTree(self.streets[["e", "n"]].to_numpy())
        self.pub_tree = cKDTree(self.pubs[["e", "n"]].to_numpy())


def normalise_postcode(text: str) -> str:
    """Upper case, one space before the 3-character inward code."""
    s = re.sub(r"\s+", "", str(text)).upper()
    return f"{s[:-3]} {s[-3:]}" if len(s) >= 5 else s


def venue_name(address: str) -> str:
    """Trading name from the start of an NNDR address, '' if it has none."""
    for part in (p.strip() for p in address.split(",")):
        if not FLOOR.search(part):
            return "" if NOT_A_NAME.search(part) or part in GENERIC_NAMES else part
    return ""


def load_postcodes() -> pd.DataFrame:
    """Code-Point Open PO area: postcode (normalised), e, n, portsmouth."""
    cp = pd.read_csv(CODEPOINT_CSV, dtype=str)
    pcs = cp[["Eastings", "Northings"]].astype(float).set_axis(["e", "n"], axis=1)
    pcs.insert(0, "postcode", cp["Postcode"].map(normalise_postcode))
    pcs["portsmouth"] = cp["Admin_district_code"] == PORTSMOUTH
    return pcs


def load_premises(pcs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """CL/CL2 premises located by joining the address postcode to Code-Point."""
    nndr = pd.read_csv(PREMISES_CSV, encoding="utf-8-sig", dtype=str)
    address = nndr["Full Property Address"]
    nndr["postcode"] = address.str.split(",").str[-1].map(normalise_postcode)
    located = nndr.merge(pcs, on="postcode", how="inner")
    pubs = located[located["Analysis Code"].isin(["CL", "CL2"])].copy()
    pubs["name"] = pubs["Full Property Address"].map(venue_name)
    pubs["rv"] = pubs["Current Rateable Value"].astype(float).clip(lower=1000)
    pubs["nte"] = pubs["Full Property Address"].str.contains(NTE_ZONES)
    pubs["weight"] = np.sqrt(pubs["rv"]) * np.where(pubs["nte"], 5.0, 1.0)
    is_pub = nndr["Analysis Code"].isin(["CL", "CL2"])
    stats = {
        "premises matched to a postcode": f"{len(located)} of {len(nndr)}",
        "CL/CL2 matched": f"{len(pubs)} of {is_pub.sum()}",
        "CL/CL2 in named NTE areas": int(pubs["nte"].sum()),
    }
    return pubs.reset_index(drop=True), stats


def load_streets() -> pd.DataFrame:
    """police.uk 'On or near' street snap points (name, e, n), place types dropped."""
    police = pd.read_csv(POLICE_CSV, usecols=["Longitude", "Latitude", "Location"])
    police = police.drop_duplicates().sort_values(["Location", "Longitude", "Latitude"])
    name = police["Location"].str.removeprefix("On or near ")
    keep = ~name.isin(POLICE_PLACE_TYPES) & ~name.str.contains(r"/|^[ABM]\d+$")
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    e, n = to_bng.transform(
        police["Longitude"].to_numpy(), police["Latitude"].to_numpy()
    )
    streets = pd.DataFrame({"name": name.to_numpy(), "e": e, "n": n})
    return streets[keep.to_numpy()].reset_index(drop=True)


def place_points(rng, n: int, places: Places, share_near: float) -> pd.DataFrame:
    """Points: share_near within 200 m of premises (weighted), the rest by postcode."""
    pubs = places.pubs
    near = rng.random(n) < share_near
    pub = rng.choice(len(pubs), size=n, p=pubs["weight"] / pubs["weight"].sum())
    scale = 30 + 10 * np.log10(pubs["rv"].to_numpy()[pub] / 1000)  # 30-56 m
    home = pubs[["e", "n"]].to_numpy()[pub]
    xy, r, todo = home.copy(), np.zeros(n), near.copy()
    while todo.any():  # redraw offsets beyond 200 m or away from any postcode (sea)
        r[todo] = rng.gamma(2.0, scale[todo])
        theta = rng.uniform(0, 2 * np.pi, int(todo.sum()))
        offset = np.column_stack([np.cos(theta), np.sin(theta)]) * r[todo, None]
        xy[todo] = home[todo] + offset
        todo = near & ((r > 200) | (places.pc_tree.query(xy)[0] > 150))
    far = ~near
    spot = rng.choice(len(places.postcodes), size=int(far.sum()))
    xy[far] = places.pc_tree.data[spot] + rng.normal(0, 40, (int(far.sum()), 2))
    venue = np.where(near & (r < 100), pubs["name"].to_numpy()[pub], "")
    return pd.DataFrame({"e": xy[:, 0], "n": xy[:, 1], "near": near, "venue": venue})


def sample_times(rng, night: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Days, hours and HH:MM; night rows peak late and on Friday/Saturday evenings."""
    n = len(night)
    day_h, night_h = DAY_HOURS / DAY_HOURS.sum(), NIGHT_HOURS / NIGHT_HOURS.sum()
    hours = np.where(night, rng.choice(24, n, p=night_h), rng.choice(24, n, p=day_h))
    dow = np.array([d.weekday() for d in DAYS])
    summer = np.array([1 + 0.06 * (d.month - 2) for d in DAYS])  # lighter evenings
    day_p, night_p = DAY_DOW[dow] * summer, NIGHT_DOW[dow] * summer
    day_p, night_p = day_p / day_p.sum(), night_p / night_p.sum()
    evening = np.where(
        night, rng.choice(len(DAYS), n, p=night_p), rng.choice(len(DAYS), n, p=day_p)
    )
    after_midnight = night & (hours < 6)  # small hours belong to the previous evening
    days = DAYS[np.minimum(evening + after_midnight, len(DAYS) - 1)]
    minutes = rng.integers(0, 60, n)
    minutes = np.where(rng.random(n) < 0.25, minutes // 15 * 15, minutes)  # rounded
    times = [f"{h:02d}:{m:02d}" for h, m in zip(hours, minutes, strict=True)]
    return days, hours, times


def pick(rng, k: int, allowed: np.ndarray) -> np.ndarray:
    """Boolean mask of exactly k rows drawn at random from the allowed rows."""
    mask = np.zeros(len(allowed), bool)
    mask[rng.choice(np.flatnonzero(allowed), size=k, replace=False)] = True
    return mask


def nearby_streets(places: Places, xy: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Nearest street name to each point, and a different street within 150 m."""
    dist, idx = places.street_tree.query(xy, k=12)
    names = places.streets["name"].to_numpy()[idx]
    others = [
        next((s for s, d in zip(row, ds, strict=True) if s != row[0] and d < 150), "")
        for row, ds in zip(names, dist, strict=True)
    ]
    return names[:, 0], others


def asb_location(rng, venue: str, street: str, other: str) -> str:
    """Free-text location as a call handler might type it."""
    if venue and rng.random() < 0.6:
        return f"{rng.choice(['outside', 'outside', 'near', 'car park of'])} {venue}"
    no = rng.integers(1, 180)
    forms = [f"rear of {no} {street}", f"outside {no} {street}", street]
    forms += [f"near {no} {street}", f"alleyway off {street}"]
    forms += [f"{street} junction with {other}"] * 2 if other else []
    return str(rng.choice(forms))


def shown_postcode(rng, pc: str, error: str, known: set[str]) -> str:
    """The postcode as typed: varied formatting, or a planted error."""
    outward, inward = pc.split()
    if error == "blank":
        return ""
    if error == "invalid":
        bad = ["N/A", "TBC", "unknown", outward, f"{outward} {inward[0]}"]
        return bad[rng.integers(len(bad))]
    while error == "unknown":  # valid-looking, same district, not in Code-Point 2014
        letters = "".join(rng.choice(INWARD_LETTERS, 2))
        fake = f"{outward} {rng.integers(1, 10)}{letters}"
        if fake not in known:
            return fake
    styles = [pc, pc.lower(), outward + inward, f"{outward}  {inward}", pc.capitalize()]
    return styles[rng.choice(5, p=[0.7, 0.1, 0.12, 0.04, 0.04])]


def make_asb(rng, places: Places) -> tuple[pd.DataFrame, dict[str, int]]:
    """Council ASB case log, 60% of cases around licensed premises."""
    n = N_ASB
    pts = place_points(rng, n, places, share_near=0.6)
    days, hours, times = sample_times(rng, night=pts["near"].to_numpy())
    near_p, far_p = np.array(list(ASB_TYPES.values()), float).T
    kind = np.where(
        pts["near"],
        rng.choice(list(ASB_TYPES), n, p=near_p / near_p.sum()),
        rng.choice(list(ASB_TYPES), n, p=far_p / far_p.sum()),
    )
    xy = pts[["e", "n"]].to_numpy()
    streets = zip(pts["venue"], *nearby_streets(places, xy), strict=True)
    location = [asb_location(rng, *args) for args in streets]
    night = (hours >= 20) | (hours < 4)
    by_pub = places.pub_tree.query(xy)[0] <= 200
    p_alcohol = 0.1 + 0.08 * night + 0.45 * (night & by_pub)
    p_alcohol[kind == "Street drinking"] = 0.95
    alcohol = np.where(rng.random(n) < p_alcohol, "Y", "N")
    alcohol[pick(rng, round(0.03 * n), np.ones(n, bool))] = ""
    p_domestic = np.select(
        [kind == "Neighbour dispute", kind == "Noise nuisance"], [0.25, 0.12], 0.02
    )
    error = np.full(n, "", dtype=object)
    for name, share in [("blank", 0.02), ("invalid", 0.01), ("unknown", 0.005)]:
        error[pick(rng, round(share * n), error == "")] = name
    postcode = places.postcodes["postcode"].to_numpy()[places.pc_tree.query(xy)[1]]
    rows = zip(postcode, error, strict=True)
    shown = np.array([shown_postcode(rng, pc, err, places.known) for pc, err in rows])
    df = pd.DataFrame({"Date Reported": days, "Time": times, "Incident Type": kind})
    df["Location"], df["Postcode"], df["Alcohol Related"] = location, shown, alcohol
    df["Domestic"] = np.where(rng.random(n) < p_domestic, "Y", "N")
    df["_e"], df["_n"] = xy[:, 0], xy[:, 1]
    df = df.sort_values(["Date Reported", "Time"], kind="stable").reset_index(drop=True)
    df.insert(0, "Case Ref", [f"ASB-2017-{i:06d}" for i in range(101, 101 + n)])
    df["Date Reported"] = [d.strftime("%d/%m/%Y") for d in df["Date Reported"]]
    kinds = ("blank", "invalid", "unknown")
    counts = {"placed around a CL/CL2 premises": int(pts["near"].sum())}
    counts |= {f"Postcode {k}": int((error == k).sum()) for k in kinds}
    restyled = (error == "") & (shown != postcode)
    counts["Postcode reformatted (valid once normalised)"] = int(restyled.sum())
    counts["Alcohol Related blank"] = int((alcohol == "").sum())
    return df, counts


def grid_reference(e: float, n: float) -> str:
    """8-figure OS grid reference (10 m, truncated) in square SU or SZ."""
    if not (400000 <= e < 500000 and 0 <= n < 200000):
        raise ValueError(f"({e:.0f}, {n:.0f}) is outside squares SU/SZ")
    letters = "SU" if n >= 100000 else "SZ"
    return f"{letters} {int(e) % 100000 // 10:04d} {int(n) % 100000 // 10:04d}"


def typo(rng, street: str, real: set[str]) -> str:
    """Swap, drop or double one inner letter of the street's longest word."""
    words = street.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    while True:
        j = int(rng.integers(1, len(w) - 1))
        edits = [
            w[:j] + w[j + 1] + w[j] + w[j + 2 :],
            w[:j] + w[j + 1 :],
            w[: j + 1] + w[j:],
        ]
        candidate = " ".join([*words[:i], edits[rng.integers(3)], *words[i + 1 :]])
        letters = w[j : j + 2].isalpha()  # leave apostrophes alone
        if letters and candidate != street and candidate not in real:
            return candidate


def abbreviate(street: str) -> str:
    """'Albert Road' -> 'Albert Rd'."""
    *head, suffix = street.split()
    return " ".join([*head, ABBREVIATIONS[suffix]])


def make_alcohol(rng, places: Places) -> tuple[pd.DataFrame, dict[str, int]]:
    """Partnership alcohol incidents (ambulance/ED and licensing patrol style)."""
    n = N_ALCOHOL
    pts = place_points(rng, n, places, share_near=0.8)
    days, _, times = sample_times(rng, night=np.ones(n, bool))
    weights = np.array([v[0] for v in ALCOHOL_CATEGORIES.values()], float)
    category = rng.choice(list(ALCOHOL_CATEGORIES), n, p=weights / weights.sum())
    xy = pts[["e", "n"]].to_numpy()
    street = nearby_streets(places, xy)[0].astype(object)
    postcode = places.postcodes["postcode"].to_numpy()[places.pc_tree.query(xy)[1]]
    southsea = np.array([pc.split()[0] in ("PO4", "PO5") for pc in postcode])
    town = np.where(southsea & (rng.random(n) < 0.55), "Southsea", "Portsmouth")
    town = town.astype(object)
    grid = pick(rng, round(0.15 * n), np.ones(n, bool))
    grid_ref = np.where(grid, [grid_reference(e, n_) for e, n_ in xy], "")
    street[grid], town[grid] = "", ""
    can_abbreviate = np.array([s.split(" ")[-1] in ABBREVIATIONS for s in street])
    abbreviated = pick(rng, round(0.08 * n), can_abbreviate)
    mistyped = pick(rng, round(0.03 * n), ~grid & ~abbreviated)
    real = set(places.streets["name"])
    street[abbreviated] = [abbreviate(s) for s in street[abbreviated]]
    street[mistyped] = [typo(rng, s, real) for s in street[mistyped]]
    town_blank = pick(rng, round(0.06 * n), ~grid)
    town[town_blank] = ""
    df = pd.DataFrame({"Date": days, "Time": times, "Category": category})
    df["Street"], df["Town"], df["Venue"] = street, town, pts["venue"]
    df["Grid Ref"], df["_e"], df["_n"] = grid_ref, xy[:, 0], xy[:, 1]
    df = df.sort_values(["Date", "Time"], kind="stable").reset_index(drop=True)
    prefix = df["Category"].map(lambda c: ALCOHOL_CATEGORIES[c][1])
    seq = df.groupby(prefix).cumcount() + 1
    df.insert(0, "Ref", [f"{p}-17-{s:05d}" for p, s in zip(prefix, seq, strict=True)])
    df["Date"] = [d.isoformat() for d in df["Date"]]
    letters = df["Grid Ref"].str[:2]
    counts = {
        "placed around a CL/CL2 premises": int(pts["near"].sum()),
        "Grid Ref instead of street": f"{grid.sum()} ({(letters == 'SU').sum()} SU, "
        f"{(letters == 'SZ').sum()} SZ)",
        "Street abbreviated": int(abbreviated.sum()),
        "Street typo": int(mistyped.sum()),
        "Town blank with street given": int(town_blank.sum()),
        "Venue given": int((df["Venue"] != "").sum()),
    }
    return df, counts


def concentration(xy: np.ndarray, places: Places, what: str) -> dict[str, str]:
    """How many points lie within 200 m of a CL/CL2 premises (any; in an NTE area)."""
    nte = cKDTree(places.pubs.loc[places.pubs["nte"], ["e", "n"]].to_numpy())
    out = {}
    for label, tree in [
        ("any CL/CL2 premises", places.pub_tree),
        ("an NTE-area one", nte),
    ]:
        near = tree.query(xy)[0] <= 200
        out[f"{what} within 200 m of {label}"] = f"{near.sum()} ({near.mean():.1%})"
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write without the helper columns ('_*'); UTF-8, LF line endings."""
    public = df[[c for c in df.columns if not c.startswith("_")]]
    public.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def check_mapping(name: str, categories: pd.Series) -> str:
    """Check the hand-written TOML mapping gives every category a theme."""
    toml_path = REPO / "sample_data/local" / f"{name}.toml"
    themes = tomllib.loads(toml_path.read_text(encoding="utf-8"))["themes"]
    missing = sorted(set(categories) - set(themes))
    return f"no theme for {missing}" if missing else "every category has a theme"


def report(title: str, counts: dict[str, object]) -> None:
    """Print one block of the summary."""
    print(title)
    for key, value in counts.items():
        print(f"  {key}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "sample_data/local")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    pcs = load_postcodes()
    pubs, stats = load_premises(pcs)
    local = pcs[pcs["portsmouth"]].reset_index(drop=True)
    places = Places(pubs, local, set(pcs["postcode"]), load_streets())
    asb, asb_counts = make_asb(rng, places)
    alcohol, alcohol_counts = make_alcohol(rng, places)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(asb, args.out / "council_asb_log.csv")
    write_csv(alcohol, args.out / "alcohol_incidents.csv")
    baseline = places.postcodes[["e", "n"]].to_numpy()
    report("Inputs", stats | concentration(baseline, places, "Portsmouth postcodes"))
    for name, df, counts, column in [
        ("council_asb_log", asb, asb_counts, "Incident Type"),
        ("alcohol_incidents", alcohol, alcohol_counts, "Category"),
    ]:
        xy = df[["_e", "_n"]].to_numpy()
        report(
            f"{name}.csv: {len(df)} rows", counts | concentration(xy, places, "rows")
        )
        print(f"  sample_data/local/{name}.toml: {check_mapping(name, df[column])}")


if __name__ == "__main__":
    main()
