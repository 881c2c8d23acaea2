"""Byte ranges on layer downloads, so GDAL reads a GeoPackage in place."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotspots.settings import Settings


@pytest.fixture(scope="module")
def client(ogc_store_url: str) -> TestClient:
    return TestClient(
        create_app(Settings(database_url=ogc_store_url, compute_processes=0))
    )


URL = "/api/v1/layers/gistar?theme=asb&format=gpkg"


def test_ranges_of_one_stable_file(client: TestClient) -> None:
    whole = client.get(URL)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    body = whole.content
    assert body[:16] == b"SQLite format 3\x00" and len(body) > 100_000
    assert client.get(URL).content == body  # the same bytes each time
    etag = whole.headers["etag"]
    for asked, start, end in [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len(body) - 1),
        ("bytes=-500", len(body) - 500, len(body) - 1),
        (f"bytes=10-{len(body) + 50}", 10, len(body) - 1),
    ]:
        part = client.get(URL, headers={"Range": asked, "If-Range": etag})
        assert part.status_code == 206, asked
        assert part.content == body[start : end + 1], asked
        assert part.headers["content-range"] == f"bytes {start}-{end}/{len(body)}"
    past = client.get(URL, headers={"Range": f"bytes={len(body)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(body)}"
    stale = client.get(URL, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == body
    head = client.head(URL)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(body))


_VSICURL = """
import json, sys
import pyogrio
path = "/vsicurl/" + sys.argv[1]
layers = pyogrio.list_layers(path)
frame = pyogrio.read_dataframe(path, layer="gistar_asb")
print(json.dumps({"layers": [str(n) for n in layers[:, 0]], "cells": len(frame),
                  "hot": int((frame["gistar_bin"] == 3).sum())}))
"""


def test_gdal_reads_the_geopackage_in_place(ogc_url: str) -> None:
    url = ogc_url.removesuffix("/ogc") + URL
    done = subprocess.run(
        [sys.executable, "-c", _VSICURL, url],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert set(seen["layers"]) == {"gistar_asb", "parameters"}
    with urllib.request.urlopen(ogc_url.removesuffix("/ogc") + URL.replace(
        "&format=gpkg", ""
    )) as response:  # fmt: skip
        layer = json.loads(response.read())
    assert seen["cells"] == len(layer["features"])
    assert seen["hot"] == sum(
        f["properties"]["gistar_bin"] == 3 for f in layer["features"]
    )
