"""Read basemap tiles from a local tile archive: MBTiles or PMTiles (v3).

A council on a closed network supplies its streets as one file (see
``docs/offline-tiles.md``); the service serves its tiles at ``/tiles/{z}/{x}/{y}``
so the map has a real basemap with no request leaving the machine.

- **MBTiles** (1.3) is an SQLite database: a ``metadata`` table (name/value:
  ``format``, ``attribution``, ``minzoom``, ``maxzoom``, ``bounds``) and a
  ``tiles`` table keyed by ``zoom_level, tile_column, tile_row`` where rows
  count from the south (TMS): row = 2^z - 1 - y of the XYZ scheme Leaflet asks.
- **PMTiles** (v3) is one file read by byte ranges: a 127-byte header, a root
  directory, optional leaf directories and JSON metadata, each possibly gzip
  compressed. A directory lists entries (tile id, offset, length, run length)
  as varint columns; tile ids number z/x/y along a Hilbert curve per zoom.

Only raster archives (PNG, JPEG, WebP) are served: Leaflet draws no vector
tiles without a plugin. Pure file reading: no web imports.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hotspots.errors import InvalidParameterError

__all__ = [
    "ARCHIVE_SUFFIXES",
    "MBTiles",
    "PMTiles",
    "TileArchive",
    "TileInfo",
    "is_archive_path",
    "open_archive",
    "zxy_to_tile_id",
]

#: File name endings taken as a tile archive in ``HOTSPOTS_TILES``.
ARCHIVE_SUFFIXES = (".mbtiles", ".pmtiles")
#: Formats a browser draws as an image, and their media types.
RASTER_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True)
class TileInfo:
    """What the map needs to know of an archive."""

    format: str  # png, jpg or webp
    attribution: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None  # WGS84 west, south, east, north

    @property
    def media_type(self) -> str:
        """The HTTP media type of its tiles."""
        return RASTER_TYPES[self.format]


class TileArchive(Protocol):
    """A tile archive: its description and its tiles by XYZ address."""

    info: TileInfo

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes (as stored), or None if the archive has none there."""
        ...


def is_archive_path(value: str) -> bool:
    """Whether a ``HOTSPOTS_TILES`` value names an archive file (not a URL)."""
    return value.strip().lower().endswith(ARCHIVE_SUFFIXES) and "://" not in value


def open_archive(path: str | Path) -> TileArchive:
    """Open an MBTiles or PMTiles file by its name ending."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidParameterError(f"tile archive {str(path)!r} does not exist")
    if path.suffix.lower() == ".mbtiles":
        return MBTiles(path)
    if path.suffix.lower() == ".pmtiles":
        return PMTiles(path)
    raise InvalidParameterError(
        f"tile archive {path.name!r}: use a .mbtiles or .pmtiles file"
    )


def _raster_format(value: str, path: Path) -> str:
    fmt = {"jpeg": "jpg"}.get(value.lower(), value.lower())
    if fmt not in RASTER_TYPES:
        raise InvalidParameterError(
            f"tile archive {path.name!r} holds {value or 'unknown'!r} tiles; the map "
            "draws raster tiles only (png, jpg, webp)"
        )
    return fmt


class MBTiles:
    """Tiles from an MBTiles (SQLite) file, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()  # one connection per thread
        meta = dict(self._db().execute("SELECT name, value FROM metadata").fetchall())
        fmt = _raster_format(str(meta.get("format", "png")), path)
        self.info = TileInfo(
            format=fmt,
            attribution=str(meta.get("attribution", "")),
            min_zoom=int(meta.get("minzoom", 0)),
            max_zoom=int(meta.get("maxzoom", 22)),
            bounds=_bounds(meta.get("bounds")),
        )

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` (stored in TMS rows: y flipped)."""
        if not (0 <= x < 1 << z and 0 <= y < 1 << z):
            return None
        row = (
            self._db()
            .execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            )
            .fetchone()
        )
        return None if row is None else bytes(row[0])


def _bounds(text: object) -> tuple[float, float, float, float] | None:
    try:
        w, s, e, n = (float(v) for v in str(text).split(","))
    except ValueError:
        return None
    return (w, s, e, n)


# --- PMTiles v3 -------------------------------------------------------------

_HEADER = struct.Struct("<7sB11Q6B4iB2i")  # 127 bytes
_COMPRESSION = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}
_TILE_TYPES = {0: "", 1: "mvt", 2: "png", 3: "jpg", 4: "webp", 5: "avif"}


def zxy_to_tile_id(z: int, x: int, y: int) -> int:
    """PMTiles tile id: tiles of lower zooms first, then the Hilbert index.

    >>> [zxy_to_tile_id(1, x, y) for x, y in ((0, 0), (0, 1), (1, 1), (1, 0))]
    [1, 2, 3, 4]
    """
    if not (0 <= x < 1 << z and 0 <= y < 1 << z):
        raise InvalidParameterError(f"tile {z}/{x}/{y} is outside zoom {z}")
    base = ((1 << (2 * z)) - 1) // 3  # 4^0 + ... + 4^(z-1)
    n = 1 << z
    d = 0
    s = n >> 1
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:  # rotate the quadrant
            if rx == 1:
                x, y = n - 1 - x, n - 1 - y
            x, y = y, x
        s >>= 1
    return base + d


def _varints(data: bytes, count: int, pos: int) -> tuple[list[int], int]:
    out = []
    for _ in range(count):
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        out.append(value)
    return out, pos


def _directory(data: bytes) -> list[tuple[int, int, int, int]]:
    """Entries (tile id, offset, length, run length) of a decompressed directory."""
    (n,), pos = _varints(data, 1, 0)
    deltas, pos = _varints(data, n, pos)
    runs, pos = _varints(data, n, pos)
    lengths, pos = _varints(data, n, pos)
    raw_offsets, pos = _varints(data, n, pos)
    entries = []
    tile_id = 0
    for i in range(n):
        tile_id += deltas[i]
        if raw_offsets[i] == 0 and i > 0:  # right after the previous entry
            offset = entries[-1][1] + entries[-1][2]
        else:
            offset = raw_offsets[i] - 1
        entries.append((tile_id, offset, lengths[i], runs[i]))
    return entries


class PMTiles:
    """Tiles from a PMTiles v3 file, read by byte ranges."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        head = self._read(0, _HEADER.size)
        fields = _HEADER.unpack(head)
        if fields[0] != b"PMTiles" or fields[1] != 3:
            raise InvalidParameterError(f"{path.name!r} is not a PMTiles v3 file")
        (self._root_offset, self._root_length, meta_offset, meta_length,
         self._leaf_offset, _, self._data_offset) = fields[2:9]  # fmt: skip
        internal, tile_compression, tile_type = fields[14], fields[15], fields[16]
        self._internal = _COMPRESSION.get(internal, "unknown")
        self._tile_compression = _COMPRESSION.get(tile_compression, "unknown")
        if self._internal not in ("none", "gzip", "unknown"):
            raise InvalidParameterError(
                f"{path.name!r}: {self._internal} directories are not supported "
                "(write the archive with gzip)"
            )
        meta = json.loads(self._inflate(self._read(meta_offset, meta_length)) or b"{}")
        e7 = 10_000_000
        self.info = TileInfo(
            format=_raster_format(_TILE_TYPES.get(tile_type, ""), path),
            attribution=str(meta.get("attribution", "")),
            min_zoom=fields[17],
            max_zoom=fields[18],
            bounds=(fields[19] / e7, fields[20] / e7, fields[21] / e7, fields[22] / e7),
        )
        root = self._read(self._root_offset, self._root_length)
        self._root = _directory(self._inflate(root))

    def _read(self, offset: int, length: int) -> bytes:
        with self._lock, self.path.open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def _inflate(self, data: bytes) -> bytes:
        if self._internal == "gzip" or data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        return data

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` (a gzip-compressed tile is inflated)."""
        if not (0 <= x < 1 << z and 0 <= y < 1 << z):
            return None
        tile_id = zxy_to_tile_id(z, x, y)
        entries = self._root
        for _ in range(4):  # the spec allows at most 3 levels of leaves
            entry = _find(entries, tile_id)
            if entry is None:
                return None
            _, offset, length, run = entry
            if run > 0:
                data = self._read(self._data_offset + offset, length)
                if self._tile_compression == "gzip":
                    data = gzip.decompress(data)
                return data
            leaf = self._read(self._leaf_offset + offset, length)
            entries = _directory(self._inflate(leaf))
        return None


def _find(
    entries: list[tuple[int, int, int, int]], tile_id: int
) -> tuple[int, int, int, int] | None:
    """The entry holding ``tile_id``: a tile run covering it, or its leaf."""
    lo, hi = 0, len(entries) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if entries[mid][0] < tile_id:
            lo = mid + 1
        elif entries[mid][0] > tile_id:
            hi = mid - 1
        else:
            return entries[mid]
    if hi < 0:
        return None
    entry = entries[hi]  # the last entry before tile_id
    if entry[3] == 0:  # a leaf directory starting before tile_id
        return entry
    return entry if tile_id - entry[0] < entry[3] else None
