"""Real OGC API clients against the running service: OWSLib, GDAL, geopandas."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from typing import Any

import pytest
from owslib.ogcapi.features import Features

import geopandas as gpd
from pyproj import Transformer

from api.ogc.params import BNG_URI
from tests.ogc.conftest import ANALYST_KEY

ANALYST = {"X-API-Key": ANALYST_KEY}


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], Any]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read()), response.headers


def _all_pages(url: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    while url:
        page, _ = _get(url, headers)
        assert page["numberReturned"] == len(page["features"])
        features += page["features"]
        url = next((x["href"] for x in page["links"] if x["rel"] == "next"), "")
    assert len(features) == page["numberMatched"]
    return features


def test_owslib_lists_the_collections_and_conformance(ogc_url: str) -> None:
    api = Features(ogc_url)
    ids = api.feature_collections()
    wanted = ["incidents", "incident-locations", "boundaries-ward", "boundaries-lsoa"]
    for name in [*wanted, "gistar-asb", "kde-all", "grid-violence"]:
        assert name in ids
    conformance = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    collection = api.collection("gistar-asb")
    assert BNG_URI in collection["crs"]
    assert len(collection["extent"]["spatial"]["bbox"][0]) == 4


def test_page_through_every_item_of_a_layer(ogc_url: str) -> None:
    api = Features(ogc_url)
    layer, _ = _get(ogc_url.removesuffix("/ogc") + "/api/v1/layers/grid?theme=asb")
    paged: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"limit": 500}
    while True:  # OWSLib asks for each page; the next link says where it starts
        page = api.collection_items("grid-asb", **arguments)
        assert page["numberMatched"] == len(layer["features"]) > 1000
        paged += page["features"]
        following = [x["href"] for x in page["links"] if x["rel"] == "next"]
        if not following:
            break
        query = urllib.parse.parse_qs(urllib.parse.urlparse(following[0]).query)
        arguments = {"limit": 500, "offset": int(query["offset"][0])}
    assert [f["id"] for f in paged] == [f["id"] for f in layer["features"]]
    assert [f["properties"] for f in paged] == [
        f["properties"] for f in layer["features"]
    ]
    middle, _ = _get(f"{ogc_url}/collections/grid-asb/items?limit=500&offset=1000")
    back = next(x for x in middle["links"] if x["rel"] == "prev")
    assert "offset=500" in back["href"]


def test_bbox_and_datetime_filters(ogc_url: str) -> None:
    api = Features(ogc_url)
    box = [-1.0935, 50.7975, -1.0905, 50.7995]
    boxed = api.collection_items("gistar-asb", bbox=box, limit=100)
    assert 0 < boxed["numberMatched"] < 30
    months = api.collection_items(
        "incident-locations", datetime_="2017-03-01/2017-03-31", limit=10000
    )
    every = api.collection_items("incident-locations", limit=10000)
    assert 0 < months["numberMatched"] < every["numberMatched"]
    for feature in months["features"]:
        assert feature["properties"]["first_month"] == "2017-03"
    records = Features(ogc_url, headers=ANALYST).collection_items(
        "incidents", datetime_="2017-03-01/2017-03-31", limit=10000
    )
    assert {f["properties"]["month"] for f in records["features"]} == {"2017-03"}


def test_items_in_the_national_grid(ogc_url: str) -> None:
    api = Features(ogc_url, headers=ANALYST)
    wgs84 = api.collection_items("incidents", limit=20)
    bng = api.collection_items("incidents", limit=20, crs=BNG_URI)
    to_bng = Transformer.from_crs("OGC:CRS84", "EPSG:27700", always_xy=True)
    for a, b in zip(wgs84["features"], bng["features"], strict=True):
        assert a["id"] == b["id"]
        x, y = to_bng.transform(*a["geometry"]["coordinates"])
        assert b["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.2)
    box = "464000,99000,465000,100000"
    query = urllib.parse.urlencode({"bbox": box, "bbox-crs": BNG_URI, "crs": BNG_URI,
                                    "limit": 10000})  # fmt: skip
    inside, headers = _get(f"{api.url}collections/incidents/items?{query}", ANALYST)
    assert headers["Content-Crs"] == f"<{BNG_URI}>"
    assert inside["numberMatched"] == len(inside["features"]) > 100
    for feature in inside["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert 464000 <= x <= 465000 and 99000 <= y <= 100000


def test_incident_records_need_an_analyst_key_in_header_or_query(ogc_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{ogc_url}/collections/incidents/items?limit=1")
    assert refused.value.code == 403
    body, _ = _get(
        f"{ogc_url}/collections/incidents/items?limit=1&api_key={ANALYST_KEY}"
    )
    assert body["numberReturned"] == 1
    one = body["features"][0]
    item, _ = _get(f"{ogc_url}/collections/incidents/items/{one['id']}", ANALYST)
    assert item["properties"] == one["properties"]


def test_keyset_pages_cover_every_incident_once(ogc_url: str) -> None:
    features = _all_pages(f"{ogc_url}/collections/incidents/items?limit=1000", ANALYST)
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) > 20_000
    summary, _ = _get(ogc_url.removesuffix("/ogc") + "/api/v1/areas/city/summary",
                      ANALYST)  # fmt: skip
    assert len(ids) == summary["incidents"]["total"]


def test_property_filters_from_the_queryables(ogc_url: str) -> None:
    queryables, _ = _get(f"{ogc_url}/collections/gistar-asb/queryables")
    assert queryables["properties"]["gistar_bin"]["type"] == "integer"
    hot = _all_pages(f"{ogc_url}/collections/gistar-asb/items?gistar_bin=3&limit=1000")
    assert hot and all(f["properties"]["gistar_bin"] == 3 for f in hot)
    asb = Features(ogc_url, headers=ANALYST).collection_items(
        "incidents", theme="asb", limit=50
    )
    assert {f["properties"]["theme"] for f in asb["features"]} == {"asb"}
    with pytest.raises(urllib.error.HTTPError) as bad:
        _get(f"{ogc_url}/collections/gistar-asb/items?colour=red")
    assert bad.value.code == 400


def test_geopandas_reads_an_items_url_like_the_layer(ogc_url: str) -> None:
    url = f"{ogc_url}/collections/kde-violence/items?limit=10000"
    frame = gpd.read_file(url)
    layer = gpd.read_file(
        ogc_url.removesuffix("/ogc") + "/api/v1/layers/kde?theme=violence"
    )
    assert len(frame) == len(layer) > 1000
    assert list(frame["cell_id"]) == list(layer["cell_id"])
    assert list(frame["density_km2"]) == pytest.approx(list(layer["density_km2"]))


_GDAL_CLIENT = """
import json, sys
import geopandas, pyogrio
url = sys.argv[1]
names = [str(n) for n in pyogrio.list_layers("OAPIF:" + url)[:, 0]]
wards = geopandas.read_file("OAPIF:" + url, layer="boundaries-ward")
cells = geopandas.read_file("OAPIF:" + url, layer="grid-drugs")
print(json.dumps({"names": names, "wards": len(wards), "cells": len(cells),
                  "cell_ids": sorted(cells["cell_id"])}))
"""


def test_gdal_oapif_driver_lists_and_reads_the_collections(ogc_url: str) -> None:
    # GDAL runs in its own process, as in QGIS (in this one it would hold the
    # interpreter lock the test server needs to answer it).
    done = subprocess.run(
        [sys.executable, "-c", _GDAL_CLIENT, ogc_url],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout)
    assert "gistar-asb" in seen["names"] and "boundaries-ward" in seen["names"]
    assert seen["wards"] == 14
    layer, _ = _get(ogc_url.removesuffix("/ogc") + "/api/v1/layers/grid?theme=drugs")
    # The driver pages through every cell (its pages are smaller than the layer).
    assert seen["cell_ids"] == sorted(f["id"] for f in layer["features"])
