"""Issue 12: the map page is small (layers from the API), shows what the API
shows, declares its query in OpenAPI, and works offline: street names from the
police.uk snap points and basemap tiles from a local MBTiles or PMTiles file."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.main import create_app
from hotspots.settings import Settings
from hotspots.tiles import open_archive, zxy_to_tile_id


@pytest.fixture(scope="module")
def client(sample_url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=sample_url)))


def _config(html: str) -> dict:
    start = html.index("HS.init(") + len("HS.init(")
    start = html.index(", ", start) + 2
    end = html.index(");\n", start)
    return json.loads(html[start:end])


def test_page_is_small_and_its_panel_is_the_api_answer(client: TestClient) -> None:
    page = client.get("/", params={"method": "gistar", "theme": "asb"})
    assert page.status_code == 200
    assert len(page.content) < 300_000, len(page.content)  # was ~1.5 MB
    config = _config(page.text)
    layer = client.get(config["urls"]["layer"]).json()
    summary = layer["summary"]
    assert f"<dd>{int(summary['area_incidents']):,}</dd>" in page.text
    assert config["query"] == {
        "method": "gistar", "theme": "asb", "from": "2017-05", "to": "2017-07",
        "area": "city",
    }  # fmt: skip
    assert config["streets"] == {"url": "/api/v1/map/streets", "min_zoom": 15}


def test_chosen_ward_is_outlined_and_labelled(client: TestClient) -> None:
    page = client.get("/", params={"area": "Charles Dickens", "method": "grid"})
    config = _config(page.text)
    chosen = config["chosen"]
    assert chosen["name"] == "Charles Dickens" and chosen["code"].startswith("E05")
    assert chosen["geometry"]["type"] in ("Polygon", "MultiPolygon")
    (s, w), (n, e) = config["bounds"]
    assert s < chosen["label"][0] < n and w < chosen["label"][1] < e
    assert "area=E05" in config["urls"]["layer"]


def test_map_query_is_declared_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/"]["get"]["parameters"]}
    assert "asb" in params["theme"]["enum"] and "all" in params["theme"]["enum"]
    assert set(params["method"]["enum"]) >= {"gistar", "kde", "grid"}
    assert params["from"]["pattern"] == params["to"]["pattern"]
    assert params["print"]["enum"] == ["0", "1"]
    # Declared, yet a bad value is still the page's own HTML answer.
    bad = client.get("/", params={"method": "nope"})
    assert bad.status_code == 422 and "unknown method" in bad.text
    assert bad.headers["content-type"].startswith("text/html")
    month = client.get("/", params={"from": "2017-13"})
    assert month.status_code == 422 and "YYYY-MM" in month.text


def test_print_view(client: TestClient) -> None:
    page = client.get("/", params={"method": "grid", "print": "1"})
    assert _config(page.text)["print"] is True
    assert 'id="hs-print-link"' in client.get("/").text


def test_street_names_in_a_box(client: TestClient) -> None:
    box = "-1.100,50.785,-1.080,50.800"  # Southsea / Charles Dickens
    answer = client.get("/api/v1/map/streets", params={"bbox": box})
    assert answer.status_code == 200
    names = [f["properties"]["name"] for f in answer.json()["features"]]
    assert 20 < len(names) <= 300
    assert all(n and not n.lower().startswith("on or near") for n in names)
    for f in answer.json()["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -1.100 <= lon <= -1.080 and 50.785 <= lat <= 50.800
    limited = client.get("/api/v1/map/streets", params={"bbox": box, "limit": 5})
    assert len(limited.json()["features"]) == 5
    wide = client.get("/api/v1/map/streets", params={"bbox": "-1.2,50.7,-1.0,50.9"})
    assert wide.status_code == 422


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    """An MBTiles file holding ``tiles`` by XYZ address (stored as TMS rows)."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, "
        "tile_data BLOB)"
    )
    meta = {
        "name": "test", "format": "png", "minzoom": "12", "maxzoom": "14",
        "bounds": "-1.12,50.77,-1.02,50.86", "attribution": "Test streets",
    }  # fmt: skip
    db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
    db.executemany(
        "INSERT INTO tiles VALUES (?, ?, ?, ?)",
        [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
    )
    db.commit()
    db.close()
    return path


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def make_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    """A PMTiles v3 file written by the spec: gzip root directory, no leaves."""
    entries = sorted((zxy_to_tile_id(*k), v) for k, v in tiles.items())
    data = b"".join(v for _, v in entries)
    ids, offsets, lengths, pos = [], [], [], 0
    for tile_id, body in entries:
        ids.append(tile_id)
        offsets.append(pos)
        lengths.append(len(body))
        pos += len(body)
    raw = _varint(len(ids))
    raw += b"".join(_varint(b - a) for a, b in zip([0, *ids], ids, strict=False))
    raw += b"".join(_varint(1) for _ in ids)
    raw += b"".join(_varint(n) for n in lengths)
    raw += b"".join(
        _varint(0 if i and offsets[i] == offsets[i - 1] + lengths[i - 1] else o + 1)
        for i, o in enumerate(offsets)
    )
    root = gzip.compress(raw)
    meta = gzip.compress(json.dumps({"attribution": "PM streets"}).encode())
    root_at = 127
    meta_at = root_at + len(root)
    data_at = meta_at + len(meta)
    e7 = 10_000_000
    header = struct.pack(
        "<7sB11Q6B4iB2i", b"PMTiles", 3, root_at, len(root), meta_at, len(meta),
        data_at, 0, data_at, len(data), len(ids), len(ids), len(ids),
        1, 2, 1, 2, 12, 14,
        int(-1.12 * e7), int(50.77 * e7), int(-1.02 * e7), int(50.86 * e7),
        13, int(-1.07 * e7), int(50.81 * e7),
    )  # fmt: skip
    path.write_bytes(header + root + meta + data)
    return path


TILES = {(13, 4071, 2768): _png((200, 30, 30)), (13, 4072, 2768): _png((30, 30, 200)),
         (14, 8143, 5537): _png((30, 200, 30))}  # fmt: skip


@pytest.mark.parametrize("maker", [make_mbtiles, make_pmtiles])
def test_archive_reader_flips_rows_and_finds_tiles(tmp_path: Path, maker: Any) -> None:
    path = maker(tmp_path / f"area.{maker.__name__[5:]}", TILES)
    archive = open_archive(path)
    for (z, x, y), body in TILES.items():
        assert archive.tile(z, x, y) == body
    assert archive.tile(13, 4071, 2769) is None and archive.tile(12, 0, 0) is None
    assert archive.info.format == "png" and archive.info.max_zoom == 14


def test_pmtiles_tile_ids_follow_the_spec() -> None:
    assert zxy_to_tile_id(0, 0, 0) == 0
    assert [zxy_to_tile_id(1, *xy) for xy in ((0, 0), (0, 1), (1, 1), (1, 0))] == [
        1, 2, 3, 4,
    ]  # fmt: skip
    assert zxy_to_tile_id(2, 0, 0) == 5 and zxy_to_tile_id(3, 0, 0) == 21


def test_tiles_served_from_a_local_archive(sample_url: str, tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "portsmouth.mbtiles", TILES)
    client = TestClient(create_app(Settings(database_url=sample_url, tiles=str(path))))
    tile = client.get("/tiles/13/4071/2768.png")
    assert tile.status_code == 200 and tile.content == TILES[(13, 4071, 2768)]
    assert tile.headers["content-type"] == "image/png"
    assert client.get("/tiles/13/4071/2769.png").status_code == 204  # none there
    assert client.get("/tiles/13/4071/2768.jpg").status_code == 404
    page = client.get("/", params={"method": "grid"}).text
    assert "/tiles/{z}/{x}/{y}.png" in page and "Basemap: Test streets" in page
    assert '"maxNativeZoom": 14' in page
    assert _config(page)["streets"] is None  # a basemap names the streets


def test_no_archive_no_tiles(client: TestClient) -> None:
    assert client.get("/tiles/13/4071/2768.png").status_code == 404
