"""Flag and priority filters in the API equal plain SQL counts on the store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotspots.priorities import load_priorities
from hotspots.store.base import IncidentQuery
from tests.priorities.conftest import ANALYST

#: The priorities' selections written out by hand as SQL (not generated).
SQL = {
    "violence": "theme = 'violence' OR lower(category) IN ('domestic abuse', "
    "'sexual offence', 'hate crime') OR domestic_abuse = 1 OR sexual_offence = 1 "
    "OR hate_crime = 1",
    "young_people": "category IN ('Drugs', 'Drug dealing/use', "
    "'Possession of weapons', 'Robbery')",
    "substance_misuse": "theme IN ('alcohol', 'drugs') OR alcohol_related = 1",
    "asb": "theme = 'asb'",
    "mental_health": "category IN ('Mental health', 'Mental health crisis', "
    "'Section 136')",
}


@pytest.mark.parametrize("priority", sorted(SQL))
def test_the_store_priority_filter_equals_sql(sample_store, sql, priority) -> None:
    match = load_priorities().get(priority).match
    expected = sql(f"SELECT COUNT(*) FROM incidents WHERE {SQL[priority]}")
    assert sample_store.count(IncidentQuery(priority=match)) == expected
    assert expected > 0 or priority == "mental_health"


def test_the_flag_filter_equals_sql(sample_store, sql) -> None:
    for flags in (["domestic_abuse"], ["alcohol_related", "domestic_abuse"]):
        where = " OR ".join(f"{f} = 1" for f in flags)
        expected = sql(f"SELECT COUNT(*) FROM incidents WHERE {where}")
        assert sample_store.count(IncidentQuery(flags=flags)) == expected
    with pytest.raises(ValueError, match="unknown flag"):
        sample_store.count(IncidentQuery(flags=["x = 1 OR 1"]))


def _records(client: TestClient, **params: str) -> int:
    answer = client.get(
        "/api/v1/incidents", params={"level": "record", **params}, headers=ANALYST
    )
    assert answer.status_code == 200, answer.text
    return len(answer.json()["features"])


def test_api_incidents_by_priority_and_flag_equal_sql(client, sql) -> None:
    # Every stored sample incident lies in the study area (ingest kept the city's).
    assert _records(client) == sql("SELECT COUNT(*) FROM incidents")
    assert _records(client, priority="violence") == sql(
        f"SELECT COUNT(*) FROM incidents WHERE {SQL['violence']}"
    )
    assert _records(client, flag="domestic_abuse") == sql(
        "SELECT COUNT(*) FROM incidents WHERE domestic_abuse = 1"
    )
    assert _records(
        client,
        priority="asb",
        flag="domestic_abuse",
        **{"from": "2017-03", "to": "2017-05"},
    ) == sql(
        "SELECT COUNT(*) FROM incidents WHERE theme = 'asb' AND domestic_abuse = 1 "
        "AND month BETWEEN '2017-03' AND '2017-05'"
    )


def test_api_layer_by_priority_counts_its_incidents(client, sql) -> None:
    layer = client.get(
        "/api/v1/layers/grid",
        headers=ANALYST,
        params={"priority": "young_people", "from": "2017-05", "to": "2017-07"},
    ).json()
    assert layer["parameters"]["priority"] == "young_people"
    assert layer["parameters"]["weighting"]["weighted"] is False
    assert sum(f["properties"]["n"] for f in layer["features"]) == sql(
        f"SELECT COUNT(*) FROM incidents WHERE ({SQL['young_people']}) "
        "AND month BETWEEN '2017-05' AND '2017-07'"
    )


def test_unknown_priority_or_flag_is_422(client) -> None:
    answer = client.get("/api/v1/incidents", params={"priority": "nope"})
    assert answer.status_code == 422
    assert "unknown priority 'nope'; valid: young_people" in answer.text
    answer = client.get("/api/v1/incidents", params={"flag": "drunk"})
    assert answer.status_code == 422
    assert "unknown flag(s) drunk" in answer.text


def test_public_callers_never_get_sensitive_flags(client) -> None:
    answer = client.get("/api/v1/incidents", params={"flag": "domestic_abuse"})
    assert answer.status_code == 200
    assert answer.json()["features"] == []
