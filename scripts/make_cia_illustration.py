"""Draw the sample cumulative impact area (an ILLUSTRATION) from street snap points.

The polygon is the convex hull of the police.uk snap points ("On or near <street>")
of a few named Portsmouth city-centre streets around Guildhall Walk buffered by
40 m. It is not the council's adopted cumulative impact area. Run from the repo
root; writes boundaries/data/portsmouth_cia_illustration.geojson.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import geopandas as gpd
import shapely

#: Streets around Guildhall Walk (which has no snap point of its own: its
#: crimes are snapped to "Nightclub" and the streets around it).
STREETS = (
    "Dorothy Dymond Street",
    "King Richard 1 Road",
    "The Mary Rose Street",
    "Melbourne Place",
    "Waltham Street",
    "Station Street",
    "Stanhope Road",
    "Earlsdon Street",
    "Wellington Street",
    "Surrey Street",
)
REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "sample_data/police_uk/portsmouth-street-2017-02_to_2017-07.csv"
OUT = REPO / "boundaries/data/portsmouth_cia_illustration.geojson"


def main() -> None:
    frame = pd.read_csv(SOURCE, usecols=["Longitude", "Latitude", "Location"])
    names = frame["Location"].str.removeprefix("On or near ").str.strip()
    chosen = frame[names.isin(STREETS)].drop_duplicates(["Longitude", "Latitude"])
    found = sorted(set(names[names.isin(STREETS)]))
    points = gpd.GeoSeries(
        gpd.points_from_xy(chosen["Longitude"], chosen["Latitude"]), crs=4326
    ).to_crs(27700)
    hull = shapely.convex_hull(shapely.MultiPoint(list(points))).buffer(40)
    hull = shapely.simplify(hull, 2)
    area = gpd.GeoDataFrame(
        {
            "code": ["CIA-ILLUSTRATION-1"],
            "name": ["City centre (Guildhall Walk) - illustration"],
            "note": [
                "ILLUSTRATION drawn from police.uk snap points of "
                + ", ".join(found)
                + " (convex hull + 40 m); not the council's adopted policy area"
            ],
        },
        geometry=[hull],
        crs=27700,
    ).to_crs(4326)
    data = json.loads(area.to_json(drop_id=True))
    data["name"] = "portsmouth_cia_illustration"
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {len(chosen)} snap points of {found}; {hull.area:,.0f} m²")


if __name__ == "__main__":
    main()
