"""Responses checked against the OGC API - Features Part 1 schemas (committed
in ``tests/ogc/schemas`` with their source and licence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.main import create_app
from hotspots.settings import Settings
from tests.ogc.conftest import ANALYST_KEY

SCHEMAS = Path(__file__).parent / "schemas"


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``type: null`` (YAML: a missing value) as JSON Schema's."""
    if isinstance(node, dict):
        return {
            k: ("null" if k == "type" and v is None else _json_schema(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    return node


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.yaml"):
        schema = _json_schema(yaml.safe_load(path.read_text(encoding="utf-8")))
        resource = Resource.from_contents(schema, default_specification=DRAFT202012)
        resources.append((path.name, resource))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def _validate(body: Any, schema_file: str) -> None:
    schema = REGISTRY.contents(schema_file)
    validator = Draft202012Validator(schema, registry=REGISTRY)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def client(ogc_store_url: str) -> TestClient:
    settings = Settings(
        database_url=ogc_store_url,
        api_keys=f"{ANALYST_KEY}=analyst",
        compute_processes=0,
    )
    return TestClient(create_app(settings), headers={"X-API-Key": ANALYST_KEY})


def test_the_schemas_catch_a_wrong_document() -> None:
    with pytest.raises(AssertionError):
        _validate({"links": [{"rel": "self"}]}, "landingPage.yaml")  # no href
    with pytest.raises(AssertionError):
        _validate({"type": "FeatureCollection", "features": [{"type": "Feature"}]},
                  "featureCollectionGeoJSON.yaml")  # fmt: skip


def test_landing_page_conformance_and_collections(client: TestClient) -> None:
    _validate(client.get("/ogc").json(), "landingPage.yaml")
    _validate(client.get("/ogc/conformance").json(), "confClasses.yaml")
    collections = client.get("/ogc/collections").json()
    _validate(collections, "collections.yaml")
    assert len(collections["collections"]) > 30
    for collection in collections["collections"]:
        _validate(collection, "collection.yaml")


@pytest.mark.parametrize(
    "collection",
    ["gistar-asb", "kde-all", "dbscan-violence", "incidents", "incident-locations",
     "boundaries-lsoa"],
)  # fmt: skip
def test_items_and_one_item(client: TestClient, collection: str) -> None:
    for crs in ("", "&crs=http://www.opengis.net/def/crs/EPSG/0/27700"):
        items = client.get(f"/ogc/collections/{collection}/items?limit=20{crs}")
        assert items.status_code == 200
        assert items.headers["content-type"] == "application/geo+json"
        body = items.json()
        _validate(body, "featureCollectionGeoJSON.yaml")
        assert body["numberReturned"] == len(body["features"]) > 0
        first = body["features"][0]
        one = client.get(f"/ogc/collections/{collection}/items/{first['id']}?{crs[1:]}")
        _validate(one.json(), "featureGeoJSON.yaml")
        assert one.json()["geometry"] == first["geometry"]


def test_errors_are_ogc_exceptions(client: TestClient) -> None:
    for url, status in [
        ("/ogc/collections/nowhere", 404),
        ("/ogc/collections/gistar-asb/items/sq100_0_0", 404),
        ("/ogc/collections/gistar-asb/items?limit=0", 400),
        ("/ogc/collections/gistar-asb/items?bbox=1,2,3", 400),
        ("/ogc/collections/gistar-asb/items?datetime=yesterday", 400),
        ("/ogc/collections/gistar-asb/items?crs=EPSG:3857", 400),
        ("/ogc/collections/gistar-asb/items?cell_size_m=big", 400),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        _validate(response.json(), "exception.yaml")
        assert response.json()["description"]


def test_the_premises_register_is_a_collection(
    client: TestClient, ogc_store_url: str
) -> None:
    from hotspots.premises import register_of
    from hotspots.store import open_store

    register = register_of(open_store(ogc_store_url)).premises()
    body = client.get("/ogc/collections/premises/items?limit=10000").json()
    _validate(body, "featureCollectionGeoJSON.yaml")
    located = register[["lon", "lat"]].notna().all(axis=1).sum()
    assert body["numberMatched"] == located > 300
    pub = body["features"][0]
    one = client.get(f"/ogc/collections/premises/items/{pub['id']}").json()
    assert one["properties"]["name"] == pub["properties"]["name"]
