"""Area packs: one folder that says which place the product serves.

A pack holds a manifest (``area.toml``) and the files it names: boundary sets
(wards and LSOAs at least; optionally others such as cumulative impact areas),
the postcode table(s), the map's default view, and each file's attribution. The
study area is one or more districts (a city, a borough, a force area); every
analysis works on the union of their areas and each district can be chosen on
its own. Portsmouth ships as the default pack (``boundaries/packs/portsmouth``).

Manifest (paths relative to the pack folder)::

    name = "portsmouth"                 # the pack's id (folder name)
    title = "Portsmouth"                # the study area's name
    code = "E06000044"                  # its code (one district's, or the pack's)
    study_set = "ward"                  # the set whose union is the outline

    [[districts]]
    code = "E06000044"
    name = "Portsmouth"

    [[boundaries]]
    set = "ward"
    file = "portsmouth_wards_2013.geojson"
    code_field = "WD13CD"
    name_field = "WD13NM"
    district = "E06000044"              # optional with one district
    description = "..."
    attribution = "..."

    [[postcodes]]
    file = "codepoint_open_2014_PO.csv"
    source = "OS Code-Point Open 2014"
    attribution = "..."

    [map]
    title = "Portsmouth crime and harm hotspots"
    zoom = 12                           # centre: the outline's, unless given
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely

from hotspots.crs import BNG, WGS84
from hotspots.errors import AreaPackError

__all__ = [
    "MANIFEST",
    "REQUIRED_SETS",
    "AreaPack",
    "BoundaryFile",
    "District",
    "PostcodeFile",
    "load_pack",
]

MANIFEST = "area.toml"
#: Boundary sets every pack has.
REQUIRED_SETS = ("ward", "lsoa")


@dataclass(frozen=True)
class District:
    """A local authority district of the study area."""

    code: str
    name: str


@dataclass(frozen=True)
class BoundaryFile:
    """One file of a boundary set: its code and name columns and attribution."""

    set_name: str
    path: Path
    code_field: str
    name_field: str
    district: str = ""  # the district of every area in the file, or
    district_field: str = ""  # the column that names each area's district
    description: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class PostcodeFile:
    """A postcode table: OS Code-Point Open columns (header row optional)."""

    path: Path
    source: str
    attribution: str = ""


@dataclass(frozen=True, eq=False)
class AreaPack:
    """A loaded, validated pack. Boundaries are read lazily, once, in BNG."""

    name: str
    title: str
    code: str
    folder: Path
    districts: tuple[District, ...]
    boundary_files: tuple[BoundaryFile, ...]
    postcode_files: tuple[PostcodeFile, ...]
    study_set: str = "ward"
    map_title: str = ""
    map_zoom: float | None = None
    map_center: tuple[float, float] | None = None  # lat, lon
    _frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    @property
    def set_names(self) -> tuple[str, ...]:
        """The boundary sets, in manifest order."""
        return tuple(dict.fromkeys(f.set_name for f in self.boundary_files))

    def files_of(self, set_name: str) -> tuple[BoundaryFile, ...]:
        """The files of one set; raises naming the sets there are."""
        files = tuple(f for f in self.boundary_files if f.set_name == set_name)
        if not files:
            raise AreaPackError(
                f"area pack {self.name!r} has no boundary set {set_name!r}; "
                f"it has: {', '.join(self.set_names)}"
            )
        return files

    def boundaries(self, set_name: str) -> gpd.GeoDataFrame:
        """Areas of a set: ``code``, ``name``, ``district_code``, geometry (BNG).

        Each call returns a new frame, so callers may modify it.
        """
        if set_name not in self._frames:
            frames = [_read_boundary_file(f) for f in self.files_of(set_name)]
            both = pd.concat(frames, ignore_index=True)
            self._frames[set_name] = gpd.GeoDataFrame(both, crs=BNG).sort_values(
                "code", ignore_index=True
            )
        return self._frames[set_name].copy()

    def attribution(self) -> list[str]:
        """Every distinct attribution of the pack's files."""
        texts = [f.attribution for f in self.boundary_files]
        texts += [p.attribution for p in self.postcode_files]
        return [t for t in dict.fromkeys(texts) if t]

    @cached_property
    def outline(self) -> Any:
        """The study area's outline: the union of the study set (BNG)."""
        return self.boundaries(self.study_set).union_all()

    def describe(self) -> dict[str, Any]:
        """What ``hotspots area show`` prints: names, sets, counts, files."""
        return {
            "name": self.name,
            "title": self.title,
            "code": self.code,
            "folder": str(self.folder),
            "districts": [{"code": d.code, "name": d.name} for d in self.districts],
            "boundary_sets": {s: len(self.boundaries(s)) for s in self.set_names},
            "postcode_tables": [str(p.path.name) for p in self.postcode_files],
            "study_set": self.study_set,
        }


def load_pack(folder: Path) -> AreaPack:
    """Read and check a pack's manifest; raises :class:`AreaPackError` naming
    the file and what is wrong."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AreaPackError(f"{folder}: not an area pack (no {MANIFEST})") from None
    except tomllib.TOMLDecodeError as exc:
        raise AreaPackError(f"{manifest}: not valid TOML: {exc}") from None
    where = str(manifest)
    districts = tuple(
        District(_text(d, "code", where), _text(d, "name", where))
        for d in _tables(data, "districts", where)
    )
    if not districts:
        raise AreaPackError(f"{where}: lists no [[districts]]")
    only = districts[0].code if len(districts) == 1 else ""
    boundary_files = tuple(
        _boundary_file(b, folder, where, only)
        for b in _tables(data, "boundaries", where)
    )
    postcodes = tuple(
        PostcodeFile(
            _existing(folder, _text(p, "file", where), where),
            str(p.get("source", "postcode table")),
            str(p.get("attribution", "")),
        )
        for p in data.get("postcodes", [])
    )
    view = data.get("map", {})
    center = view.get("center")
    pack = AreaPack(
        name=_text(data, "name", where),
        title=_text(data, "title", where),
        code=str(data.get("code", districts[0].code)),
        folder=folder,
        districts=districts,
        boundary_files=boundary_files,
        postcode_files=postcodes,
        study_set=str(data.get("study_set", "ward")),
        map_title=str(view.get("title", "")),
        map_zoom=float(view["zoom"]) if "zoom" in view else None,
        map_center=(float(center[0]), float(center[1])) if center else None,
    )
    _check(pack, where)
    return pack


def _check(pack: AreaPack, where: str) -> None:
    missing = [s for s in (*REQUIRED_SETS, pack.study_set) if s not in pack.set_names]
    if missing:
        raise AreaPackError(f"{where}: no boundary set {', '.join(missing)}")
    codes = {d.code for d in pack.districts}
    for f in pack.boundary_files:
        if not f.district_field and f.district not in codes:
            raise AreaPackError(
                f"{where}: {f.path.name} names district {f.district!r}, not one of "
                f"the pack's districts ({', '.join(sorted(codes))})"
            )


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AreaPackError(f"{where}: {key} must be a list of [[{key}]] tables")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise AreaPackError(f"{where}: {key!r} is missing or empty")
    return value.strip()


def _existing(folder: Path, name: str, where: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise AreaPackError(f"{where}: names {name}, which is not in {folder}")
    return path


def _boundary_file(
    table: dict[str, Any], folder: Path, where: str, only_district: str
) -> BoundaryFile:
    district = str(table.get("district", only_district))
    district_field = str(table.get("district_field", ""))
    if not district and not district_field:
        raise AreaPackError(
            f"{where}: boundary file {table.get('file')!r} needs a district "
            "(the pack has several)"
        )
    return BoundaryFile(
        set_name=_text(table, "set", where),
        path=_existing(folder, _text(table, "file", where), where),
        code_field=str(table.get("code_field", "code")),
        name_field=str(table.get("name_field", "name")),
        district=district,
        district_field=district_field,
        description=str(table.get("description", "")),
        attribution=str(table.get("attribution", "")),
    )


#: ``crs`` members of a GeoJSON file in longitude/latitude (RFC 7946's default).
_LONLAT_CRS_NAMES = frozenset(
    {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
     "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84"}
)  # fmt: skip


def _read_lonlat_geojson(
    path: Path, fields: tuple[str, ...]
) -> gpd.GeoDataFrame | None:
    """A plain GeoJSON FeatureCollection in longitude/latitude with text
    ``fields``, read without GDAL (whose import and driver cost ~0.1 s of a
    command's start); None for anything else, which GDAL reads instead."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        doc = json.loads(path.read_bytes())
    except (UnicodeDecodeError, ValueError):
        return None
    crs = (doc.get("crs") or {}).get("properties", {}).get("name", "OGC:CRS84")
    features = doc.get("features")
    if doc.get("type") != "FeatureCollection" or crs not in _LONLAT_CRS_NAMES:
        return None
    if not isinstance(features, list) or not features:
        return None
    properties = [feature.get("properties") or {} for feature in features]
    if not all(isinstance(p.get(k), str) for p in properties for k in fields):
        return None
    geometry = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    columns = {k: [p[k] for p in properties] for k in fields}
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=WGS84)


def _read_boundary_file(f: BoundaryFile) -> gpd.GeoDataFrame:
    fields = tuple(dict.fromkeys(
        (f.code_field, f.name_field, f.district_field or f.code_field)
    ))  # fmt: skip
    frame = _read_lonlat_geojson(f.path, fields)
    if frame is None:
        frame = gpd.read_file(f.path)
    if frame.crs is None:
        raise AreaPackError(f"{f.path}: boundary file has no CRS")
    for column in (f.code_field, f.name_field, f.district_field or f.code_field):
        if column not in frame:
            raise AreaPackError(
                f"{f.path}: no column {column!r}; columns: {', '.join(frame.columns)}"
            )
    return gpd.GeoDataFrame(
        {
            "code": frame[f.code_field].astype(str),
            "name": frame[f.name_field].astype(str),
            "district_code": (
                frame[f.district_field].astype(str) if f.district_field else f.district
            ),
        },
        geometry=frame.geometry.to_crs(BNG).make_valid(),
        crs=BNG,
    )
