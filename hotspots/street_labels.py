"""Street name labels for a map with no basemap, from police.uk snap points.

police.uk places each crime at an anonymised snap point on a street centre,
labelled "On or near <street>". The street gazetteer
(:class:`~hotspots.geocode.StreetGazetteer`) groups those points by street and
gives each street its display name and a point on it. A long street needs more
than one label, so :func:`street_labels` labels each street at its gazetteer
point and then at every snap point of the street at least ``spacing_m`` from
the labels already placed (greedy, nearest to the gazetteer point first).
Pure: points in, labels out (EPSG:27700 metres).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots.geocode import StreetGazetteer
from hotspots.geocode.street_names import (
    is_non_street,
    normalise_street,
    strip_police_prefix,
)

__all__ = ["LABEL_COLUMNS", "street_labels"]

LABEL_COLUMNS = ["name", "easting_m", "northing_m", "n_points"]


def street_labels(
    names: Any, easting_m: Any, northing_m: Any, *, spacing_m: float = 250.0
) -> pd.DataFrame:
    """Label points for the streets of police.uk snap points.

    Parameters
    ----------
    names : array-like of str
        Location labels ("On or near Albert Road"); place categories skipped.
    easting_m, northing_m : array-like of float
        Snap point coordinates, EPSG:27700.
    spacing_m : float
        Least distance between two labels of one street, metres.

    Returns
    -------
    DataFrame
        :data:`LABEL_COLUMNS`: the street's display name, the label point and
        the street's number of distinct snap points (busier streets first).

    Examples
    --------
    >>> labels = street_labels(
    ...     ["On or near Albert Road", "On or near Albert Rd", "Supermarket"],
    ...     [0.0, 600.0, 50.0], [0.0, 0.0, 50.0])
    >>> labels[["name", "easting_m"]].values.tolist()
    [['Albert Road', 0.0], ['Albert Road', 600.0]]
    """
    frame = pd.DataFrame(
        {
            "raw": pd.Series(np.asarray(names, dtype=object)),
            "e": pd.to_numeric(pd.Series(np.asarray(easting_m)), errors="coerce"),
            "n": pd.to_numeric(pd.Series(np.asarray(northing_m)), errors="coerce"),
        }
    ).dropna()
    frame = frame[frame["raw"].map(lambda v: isinstance(v, str))]
    if frame.empty:
        return pd.DataFrame(columns=LABEL_COLUMNS)
    frame = frame[~frame["raw"].map(is_non_street)]
    keys = {v: normalise_street(strip_police_prefix(v)) for v in frame["raw"].unique()}
    frame = frame.assign(key=frame["raw"].map(keys)).dropna(subset=["key"])
    frame = frame.drop_duplicates(["key", "e", "n"])
    if frame.empty:
        return pd.DataFrame(columns=LABEL_COLUMNS)
    table = StreetGazetteer.from_points(
        frame["raw"], frame["e"].to_numpy(), frame["n"].to_numpy()
    ).streets
    streets = {
        key: (name, e, n)
        for key, name, e, n in zip(
            table["street_key"], table["street"], table["easting_m"],
            table["northing_m"], strict=True,
        )
    }  # fmt: skip
    rows: list[tuple[str, float, float, int]] = []
    for key, points in frame.groupby("key", sort=False):
        if key not in streets:
            continue
        name, e, n = streets[key]
        xy = points[["e", "n"]].to_numpy()
        anchor = np.array([e, n])
        order = np.argsort(np.hypot(*(xy - anchor).T))
        placed = [anchor]
        for i in order[1:] if len(order) > 1 else ():
            gaps = np.hypot(*(np.asarray(placed) - xy[i]).T)
            if gaps.min() >= spacing_m:
                placed.append(xy[i])
        rows.extend((str(name), float(p[0]), float(p[1]), len(xy)) for p in placed)
    labels = pd.DataFrame(rows, columns=LABEL_COLUMNS)
    return labels.sort_values("n_points", ascending=False, kind="stable").reset_index(
        drop=True
    )
