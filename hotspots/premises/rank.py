"""Rank premises by the incidents within their radius, saying where circles overlap.

Where two premises' circles overlap (they are closer than twice the radius), an
incident may sit in both: each premises' count includes it, and the premises'
overlap cluster (the premises linked by overlapping circles) is counted once
too, so a table never counts an incident twice without saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.premises.caveats import REGISTER_CAVEAT, SNAP_CAVEAT
from hotspots.premises.context import CheckContext

__all__ = ["DEFAULT_RANK_TYPES", "rank_caveats", "rank_premises"]

DEFAULT_RANK_TYPES = ("pub", "club")
_EPS_M = 1e-6


def rank_premises(
    context: CheckContext, types: tuple[str, ...] = DEFAULT_RANK_TYPES
) -> pd.DataFrame:
    """Premises of ``types`` ranked by incidents within the context's radius.

    Returns one row per premises: ``rank``, ``premises_id``, ``name``,
    ``premises_type``, ``incidents`` (in its own circle), ``shared`` (of those,
    also in another ranked premises' circle), ``cluster`` (id of the overlap
    cluster), ``cluster_premises``, ``cluster_incidents`` (distinct incidents in
    the cluster's circles) and ``overlaps_with`` (names).
    """
    radius = context.request.radius_m
    register = context.premises
    chosen = register[register["premises_type"].isin(types)] if types else register
    chosen = chosen.reset_index(drop=True)
    xy = chosen[["easting", "northing"]].to_numpy(dtype=float)
    if chosen.empty:
        return pd.DataFrame()
    tree = cKDTree(context.xy) if len(context.xy) else None
    hits: list[np.ndarray] = [
        np.asarray(found, dtype=np.int64)
        for found in (
            tree.query_ball_point(xy, radius + _EPS_M)
            if tree is not None
            else [[] for _ in range(len(xy))]
        )
    ]
    premises_tree = cKDTree(xy)
    pairs = premises_tree.query_pairs(2 * radius + _EPS_M, output_type="ndarray")
    n = len(chosen)
    adjacency = np.zeros((n, n), dtype=bool)
    adjacency[pairs[:, 0], pairs[:, 1]] = True
    _, cluster = connected_components(adjacency, directed=False)
    times_counted = np.zeros(len(context.xy), dtype=np.int64)
    for found in hits:
        times_counted[found] += 1
    rows: list[dict[str, Any]] = []
    neighbours: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in pairs:
        neighbours[int(a)].append(int(b))
        neighbours[int(b)].append(int(a))
    cluster_sets: dict[int, set[int]] = {}
    for i, found in enumerate(hits):
        cluster_sets.setdefault(int(cluster[i]), set()).update(found.tolist())
    cluster_size = np.bincount(cluster)
    for i, row in chosen.iterrows():
        found = hits[int(i)]
        rows.append(
            {
                "premises_id": row["premises_id"],
                "name": row["name"],
                "premises_type": row["premises_type"],
                "postcode": row["postcode"],
                "incidents": len(found),
                "shared": int((times_counted[found] > 1).sum()),
                "cluster": int(cluster[int(i)]),
                "cluster_premises": int(cluster_size[cluster[int(i)]]),
                "cluster_incidents": len(cluster_sets[int(cluster[int(i)])]),
                "overlaps_with": "; ".join(
                    sorted(str(chosen.at[j, "name"]) for j in neighbours[int(i)])
                ),
            }
        )
    frame = pd.DataFrame(rows).sort_values(
        ["incidents", "name"], ascending=[False, True], ignore_index=True
    )
    frame.insert(0, "rank", frame["incidents"].rank(method="min", ascending=False))
    frame["rank"] = frame["rank"].astype(int)
    return frame


def rank_caveats(context: CheckContext) -> list[str]:
    """The caveats that go with a ranking."""
    caveats = [
        SNAP_CAVEAT,
        "Where circles overlap, an incident is counted for each premises whose "
        "circle holds it ('shared'); 'cluster_incidents' counts the overlapping "
        "circles' incidents once. A high rank says where incidents are, not that a "
        "premises caused them.",
    ]
    register = context.premises
    if (register["licence_type"] == "").all() and (register["hours"] == "").all():
        caveats.append(REGISTER_CAVEAT)
    return caveats
