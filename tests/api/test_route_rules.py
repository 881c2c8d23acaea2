"""Every route has a rule: who may call it, checked before the route runs."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.route_rules import ROUTE_RULES, minimum_role, rule_matches
from hotspots.access import Role
from tests.api.conftest import ANALYST, PARTNER


def _paths(app: FastAPI) -> set[str]:
    """Every path the app answers: its OpenAPI paths, hidden routes and mounts."""
    paths = set(app.openapi()["paths"])
    for route in app.routes:
        path = getattr(route, "path", None)
        if path is None:
            continue
        paths.add(path + "/" if isinstance(route, Mount) else path)
    return {re.sub(r"\{[^}]+\}", "x", p) for p in paths}


def test_every_route_has_a_rule_and_every_rule_a_route(
    sample_client: TestClient,
) -> None:
    paths = _paths(sample_client.app)  # type: ignore[arg-type]
    assert "/api/v1/layers/x" in paths and "/" in paths and "/assets/leaflet/" in paths
    unruled = sorted(p for p in paths if minimum_role(p) is None)
    assert unruled == [], f"routes with no rule in api/route_rules.py: {unruled}"
    for rule, _ in ROUTE_RULES:
        assert any(rule_matches(rule, p) for p in paths), f"{rule!r} names no route"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/health",
        "/api/v1/layers/grid",
        "/api/v1/boundaries/ward",
        "/api/v1/batches",
        "/",
        "/ogc/collections",
        "/openapi.json",
    ],
)
def test_an_unknown_key_is_refused_everywhere(
    sample_client: TestClient, path: str
) -> None:
    response = sample_client.get(path, headers={"X-API-Key": "guessed"})
    assert response.status_code == 401
    assert response.json() == {"detail": "unknown API key"}
    assert response.headers["x-content-type-options"] == "nosniff"  # still headed


def test_an_unknown_key_in_an_ogc_query_is_refused(sample_client: TestClient) -> None:
    assert sample_client.get("/ogc/collections?api_key=guessed").status_code == 401


def test_the_ingest_history_is_for_analysts_only(sample_client: TestClient) -> None:
    assert sample_client.get("/api/v1/batches").status_code == 403
    refused = sample_client.get("/api/v1/batches", headers=PARTNER)
    assert refused.status_code == 403 and "analyst" in refused.json()["detail"]
    assert sample_client.get("/api/v1/batches", headers=ANALYST).status_code == 200
    assert minimum_role("/api/v1/batches") is Role.ANALYST


def test_a_path_with_no_rule_is_not_found(sample_client: TestClient) -> None:
    response = sample_client.get("/admin")
    assert response.status_code == 404 and "no route" in response.json()["detail"]


def test_public_routes_answer_without_a_key(sample_client: TestClient) -> None:
    for path in ("/api/v1/health", "/api/v1/boundaries/ward", "/ogc"):
        assert sample_client.get(path).status_code == 200, path


def test_premises_checks_are_for_partners_and_analysts(
    sample_client: TestClient,
) -> None:
    for path in ("/api/v1/premises/x/check", "/api/v1/premises/x/report"):
        assert minimum_role(path) is Role.PARTNER
        refused = sample_client.get(path)
        assert refused.status_code == 403 and "partner" in refused.json()["detail"]
    assert minimum_role("/api/v1/premises/layer") is Role.PUBLIC
    assert minimum_role("/api/v1/premises/x/y/check") is Role.PUBLIC  # one segment
