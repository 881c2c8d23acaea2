"""The county lines co-location layer against a direct computation in SQL."""

from __future__ import annotations

import math

import numpy as np

from hotspots.access import Role, policy_for
from hotspots.priorities import load_priorities
from hotspots.priorities.colocation import colocation_layer, top_cells
from hotspots.priorities.figures import PriorityContext, comparison_period

COMPONENTS = {
    "drug_supply": "category IN ('Drugs', 'Drug dealing/use')",
    "weapons": "category = 'Possession of weapons'",
    "robbery": "category = 'Robbery'",
}


def test_top_cells_keep_a_tie_only_when_it_fits() -> None:
    counts = np.array([9, 5, 5, 1, 1, 1, 0, 0, 0, 0])
    assert top_cells(counts, 0.3).tolist() == [True, True, True] + [False] * 7
    # k = 2: the 5, 5 tie would make 3 cells, so it is left out
    assert top_cells(counts, 0.2).tolist() == [True] + [False] * 9
    assert top_cells(counts, 0.1).tolist() == [True] + [False] * 9
    assert not top_cells(np.zeros(5, dtype=int), 0.5).any()


def _direct(sql, size: float, cells: int, share: float) -> set[tuple[int, int]]:
    """Co-location cells from SQL counts per cell, with the rule written out."""
    tops = []
    for where in COMPONENTS.values():
        rows = sql.all(
            f"SELECT CAST(floor(easting / {size}) AS INT), "
            f"CAST(floor(northing / {size}) AS INT), COUNT(*) FROM incidents "
            f"WHERE {where} AND month BETWEEN '2017-05' AND '2017-07' GROUP BY 1, 2"
        )
        counts = {(x, y): n for x, y, n in rows}
        k = math.ceil(share * cells)
        ranked = sorted(counts.values(), reverse=True) + [0] * cells
        edge = ranked[k - 1]
        tied = sum(1 for n in counts.values() if n >= edge)
        floor = edge if tied <= k else edge + 1  # integer counts
        tops.append({c for c, n in counts.items() if n > 0 and n >= floor})
    every = set().union(*tops)
    return {c for c in every if sum(c in t for t in tops) >= 2}


def test_colocation_equals_a_direct_computation(sample_store, sample_db) -> None:
    import sqlite3

    class SQL:
        def __init__(self) -> None:
            self.conn = sqlite3.connect(sample_db)
            self.conn.create_function("floor", 1, math.floor)

        def all(self, query: str) -> list[tuple]:
            return self.conn.execute(query).fetchall()

    priority = load_priorities().get("young_people")
    period = comparison_period(sample_store.months(), "2017-05", "2017-07")
    policy = policy_for(Role.ANALYST)
    layer = colocation_layer(
        PriorityContext(sample_store, None, (), policy.disclosure, "analyst"),
        priority,
        period,
    )
    params = layer["parameters"]
    expected = _direct(
        SQL(), params["cell_size_m"], params["cell_count"], params["top_share"]
    )
    cells = layer["cells"]
    got = {
        (int(x), int(y))
        for x, y in zip(
            cells.loc[cells["colocated"], "x"],
            cells.loc[cells["colocated"], "y"],
            strict=True,
        )
    }
    assert got == expected and len(got) == layer["colocated_cells"] > 0
    assert [c["id"] for c in layer["left_out"]] == ["youth"]
    assert "no source carries a youth_involved flag" in layer["left_out"][0]["reason"]
    assert "top 10 % of at least 2" in layer["method"]


def test_colocation_counts_follow_the_partner_rule(client) -> None:
    from tests.priorities.conftest import PARTNER

    answer = client.get(
        "/api/v1/priorities/young_people/colocation",
        headers=PARTNER,
        params={"from": "2017-05", "to": "2017-07"},
    )
    assert answer.status_code == 200, answer.text
    layer = answer.json()
    assert layer["parameters"]["disclosure"]["role"] == "partner"
    values = [f["properties"]["robbery"] for f in layer["features"]]
    assert all(v == 0 or v == "fewer than 3" or v >= 3 for v in values)
    assert "fewer than 3" in values
