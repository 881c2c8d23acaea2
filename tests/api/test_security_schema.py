"""The OpenAPI document describes what the service really sends.

Walks every GET operation of ``/openapi.json``, calls it on the sample data
(each ``format`` it offers), and checks the answer's media type is one the
document declares for that status, and that every JSON error body is the
declared :class:`~api.errors.ErrorBody` (``detail`` a string, or a list of
``loc``/``msg``/``type`` and nothing else).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.errors import ErrorBody
from tests.api.conftest import ANALYST

PATH_VALUES = {
    "method": "grid",
    "name": "ward",
    "code": "city",
    "premises_id": "1",
    "priority_id": "no-such-priority",
    "collection_id": "incidents",
    "feature_id": "no-such-feature",
    "z": "0",
    "x": "0",
    "y": "0",
    "ext": "png",
}


def _formats(document: dict[str, Any], operation: dict[str, Any]) -> list[str | None]:
    """Each value of the operation's ``format`` parameter (None: not given)."""
    for parameter in operation.get("parameters", []):
        if parameter["name"] != "format":
            continue
        schema = parameter.get("schema", {})
        ref = schema.get("$ref") or next(
            (s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s), None
        )
        if ref:
            schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return [None, *schema.get("enum", [])]
    return [None]


def test_every_get_answers_what_the_document_declares(
    sample_client: TestClient,
) -> None:
    document = sample_client.get("/openapi.json").json()
    checked = 0
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        url = path
        for name, value in PATH_VALUES.items():
            url = url.replace("{" + name + "}", value)
        for fmt in _formats(document, operation):
            params = {} if fmt is None else {"format": fmt}
            answer = sample_client.get(url, params=params, headers=ANALYST)
            where = f"GET {url} {params} -> {answer.status_code}"
            assert answer.status_code < 500, where
            media = answer.headers.get("content-type", "").split(";")[0]
            declared = operation["responses"].get(str(answer.status_code))
            if answer.status_code == 200:
                assert media in declared["content"], (where, media, declared)
                checked += 1
            elif media == "application/json" and not path.startswith("/ogc"):
                ErrorBody.model_validate(answer.json())  # detail as declared
                if declared is not None:
                    ref = declared["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), where
    assert checked >= 25  # the layer, incident and boundary downloads included


def test_layer_routes_declare_geojson_csv_and_geopackage(
    sample_client: TestClient,
) -> None:
    document = sample_client.get("/openapi.json").json()
    for path in ("/api/v1/layers/{method}", "/api/v1/incidents"):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {
            "application/geo+json",
            "text/csv",
            "application/geopackage+sqlite3",
        }


def test_errors_are_declared_as_sent(sample_client: TestClient) -> None:
    document = sample_client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    detail = schemas["ErrorBody"]["properties"]["detail"]["anyOf"]
    assert {"type": "string"} in detail
    issue = schemas["ValidationIssue"]
    assert set(issue["properties"]) == {"loc", "msg", "type"}
    assert issue["additionalProperties"] is False
    for path, operations in document["paths"].items():
        for operation in operations.values():
            invalid = operation["responses"].get("422")
            if invalid:
                schema = invalid["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, path
    # The two bodies a 422 really is, both valid ErrorBody documents:
    core = sample_client.get("/api/v1/layers/gistar", params={"distance_m": 30000})
    fastapi = sample_client.get("/api/v1/layers/gistar", params={"seed": "x"})
    assert isinstance(ErrorBody.model_validate(core.json()).detail, str)
    assert isinstance(ErrorBody.model_validate(fastapi.json()).detail, list)
