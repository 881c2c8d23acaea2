"""Build an area pack from standard open files (``hotspots area create``).

Boundary files may be GeoJSON, GeoPackage or Shapefile in any CRS (reprojected
with pyproj); their code and name columns are found (an ONS code column and a
``*NM``/``name`` column) or named. Invalid polygons are repaired with
``shapely.make_valid`` and reported; one that cannot be repaired is an error. The
postcode tables are OS Code-Point Open CSVs as distributed (no header row, one
file per postcode area) or ONSPD, written into the pack in Code-Point's columns.
Each ward's district comes from the postcode table (the district of its
postcodes), each LSOA's from the ward it lies in, and district names from the
LSOA names ("Gosport 012A" is in Gosport).

Nothing is written unless every file passes: the pack is built in a temporary
folder and moved into place at the end.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import geopandas as gpd
import shapely

from hotspots.areas.pack import MANIFEST, AreaPack, load_pack
from hotspots.crs import BNG, WGS84
from hotspots.errors import AreaPackError
from hotspots.geocode.postcode import CODEPOINT_COLUMNS

__all__ = ["BuildReport", "create_pack"]

_ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
_LSOA_NAME = re.compile(r"^(?P<district>.+?)\s+\d{3}[A-Z]$")
#: ONSPD columns -> Code-Point Open columns.
_ONSPD = {
    "pcds": "Postcode",
    "osgrdind": "Positional_quality_indicator",
    "oseast1m": "Eastings",
    "osnrth1m": "Northings",
    "ctry": "Country_code",
    "oslaua": "Admin_district_code",
    "osward": "Admin_ward_code",
}


@dataclass
class BuildReport:
    """What building a pack did: areas per set, repairs, districts."""

    pack: AreaPack | None = None
    areas: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    postcodes: int = 0


def create_pack(
    name: str,
    folder: Path,
    *,
    wards: Sequence[Path],
    lsoas: Sequence[Path],
    postcodes: Sequence[Path],
    other_sets: Mapping[str, Sequence[Path]] | None = None,
    title: str | None = None,
    fields: Mapping[str, tuple[str, str]] | None = None,
    attribution: str = "",
) -> BuildReport:
    """Build the pack ``name`` in ``folder`` (which must not exist yet).

    ``fields`` may name a set's code and name columns (``{"ward": ("WD13CD",
    "WD13NM")}``); otherwise they are detected.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise AreaPackError(
            f"area name {name!r}: use lower-case letters, digits, - and _"
        )
    folder = Path(folder)
    if folder.exists():
        raise AreaPackError(f"{folder} already exists: choose another name")
    if not wards or not lsoas:
        raise AreaPackError("a pack needs --wards and --lsoas files")
    report = BuildReport()
    table = _postcode_table(postcodes)
    report.postcodes = len(table)
    sets = {"ward": wards, "lsoa": lsoas, **(other_sets or {})}
    frames = {
        set_name: _boundary_set(set_name, paths, (fields or {}).get(set_name), report)
        for set_name, paths in sets.items()
    }
    districts = _districts(frames, table)
    with tempfile.TemporaryDirectory(
        dir=folder.parent if folder.parent.exists() else None
    ) as tmp:
        staging = Path(tmp) / name
        staging.mkdir()
        for set_name, frame in frames.items():
            frame.to_crs(WGS84).to_file(
                staging / f"{set_name}.geojson", driver="GeoJSON"
            )
        table.to_csv(
            staging / "postcodes.csv", index=False, quoting=csv.QUOTE_NONNUMERIC
        )
        (staging / MANIFEST).write_text(
            _manifest(name, title, districts, frames, sets, attribution),
            encoding="utf-8",
        )
        report.pack = load_pack(staging)  # checks what was written
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), folder)
    report.pack = load_pack(folder)
    report.areas = {s: len(f) for s, f in frames.items()}
    return report


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds
        raise AreaPackError(f"{path}: cannot read as a boundary file: {exc}") from None
    if frame.crs is None:
        raise AreaPackError(
            f"{path}: has no CRS; give the file its projection (e.g. a .prj beside a "
            "Shapefile, or reproject it to EPSG:27700 or EPSG:4326)"
        )
    return frame


def _boundary_set(
    set_name: str,
    paths: Sequence[Path],
    columns: tuple[str, str] | None,
    report: BuildReport,
) -> gpd.GeoDataFrame:
    parts = []
    for path in paths:
        frame = _read_vector(Path(path))
        code, name = columns or (_code_column(frame, path), _name_column(frame, path))
        for column in (code, name):
            if column not in frame:
                raise AreaPackError(
                    f"{path}: no column {column!r}; columns: {', '.join(frame.columns)}"
                )
        geometry = _repaired(frame, code, path, report)
        parts.append(
            gpd.GeoDataFrame(
                {"code": frame[code].astype(str), "name": frame[name].astype(str)},
                geometry=geometry,
                crs=BNG,
            )
        )
    areas = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=BNG)
    twice = areas["code"][areas["code"].duplicated()].unique()
    if len(twice):
        raise AreaPackError(
            f"{set_name}: {len(twice)} code(s) used by two areas "
            f"(e.g. {', '.join(twice[:3])}); each area needs its own code"
        )
    return areas


def _code_column(frame: pd.DataFrame, path: Path) -> str:
    candidates = [
        c
        for c in frame.columns
        if c != "geometry"
        and frame[c].astype(str).str.fullmatch(_ONS_CODE.pattern).all()
    ]
    if not candidates:
        raise AreaPackError(
            f"{path}: no code column (values like E05002443); columns: "
            f"{', '.join(c for c in frame.columns if c != 'geometry')}. "
            "Name it with --code-field"
        )
    # A file may also carry its district's code: prefer the column with most values.
    return max(candidates, key=lambda c: (frame[c].nunique(), c.upper().endswith("CD")))


def _name_column(frame: pd.DataFrame, path: Path) -> str:
    for c in frame.columns:
        if c.upper().endswith("NM") and frame[c].notna().all():
            return str(c)
    for c in frame.columns:
        if c.lower() in ("name", "nm", "area_name"):
            return str(c)
    raise AreaPackError(
        f"{path}: no name column (e.g. WD13NM, LSOA11NM or name); columns: "
        f"{', '.join(c for c in frame.columns if c != 'geometry')}. "
        "Name it with --name-field"
    )


def _repaired(
    frame: gpd.GeoDataFrame, code: str, path: Path, report: BuildReport
) -> gpd.GeoSeries:
    geometry = frame.geometry.to_crs(BNG)
    invalid = ~geometry.is_valid
    fixed = geometry.make_valid()
    polygons = fixed.apply(_polygonal)
    for i in range(len(frame)):
        area_code = str(frame[code].iloc[i])
        if polygons.iloc[i] is None or polygons.iloc[i].is_empty:
            raise AreaPackError(
                f"{path}: the polygon of {area_code} cannot be repaired "
                "(nothing polygonal is left after make_valid)"
            )
        if invalid.iloc[i]:
            report.repaired.append(f"{Path(path).name}: {area_code}")
    return gpd.GeoSeries(polygons, crs=BNG)


def _polygonal(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """The polygon parts of a geometry (make_valid may add lines and points)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g
        for g in getattr(geometry, "geoms", [])
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else None


def _postcode_table(paths: Sequence[Path]) -> pd.DataFrame:
    if not paths:
        raise AreaPackError("a pack needs --postcodes (OS Code-Point Open or ONSPD)")
    return pd.concat([_read_postcodes(Path(p)) for p in paths], ignore_index=True)


def _read_postcodes(path: Path) -> pd.DataFrame:
    try:
        first = pd.read_csv(path, nrows=5, dtype=str, header=None)
    except (OSError, ValueError) as exc:
        raise AreaPackError(f"{path}: cannot read as CSV: {exc}") from None
    header = [str(v).strip().lower() for v in first.iloc[0]]
    if "pcds" in header:  # ONSPD
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(_ONSPD))
        table = raw.rename(columns=_ONSPD)
        for column in CODEPOINT_COLUMNS:
            if column not in table:
                table[column] = ""
        return table.loc[:, list(CODEPOINT_COLUMNS)]
    has_header = header[0] == "postcode"
    if first.shape[1] != len(CODEPOINT_COLUMNS):
        raise AreaPackError(
            f"{path}: {first.shape[1]} columns, but OS Code-Point Open has "
            f"{len(CODEPOINT_COLUMNS)} ({', '.join(CODEPOINT_COLUMNS)}); for ONSPD "
            "give the file with its header row"
        )
    return pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        header=0 if has_header else None,
        names=None if has_header else list(CODEPOINT_COLUMNS),
    ).set_axis(list(CODEPOINT_COLUMNS), axis=1)


def _districts(
    frames: Mapping[str, gpd.GeoDataFrame], table: pd.DataFrame
) -> dict[str, str]:
    """District of each ward (from its postcodes) and LSOA (its ward); names.

    Adds ``district_code`` to every frame in place and returns code -> name.
    """
    wards = frames["ward"]
    by_ward = (
        table[table["Admin_ward_code"].isin(wards["code"])]
        .groupby("Admin_ward_code")["Admin_district_code"]
        .agg(lambda s: s.mode().iloc[0])
    )
    unknown = sorted(set(wards["code"]) - set(by_ward.index))
    if unknown:
        raise AreaPackError(
            f"wards {', '.join(unknown[:5])} have no postcodes in the postcode table, "
            "so their district is unknown: give the postcode file(s) that cover them"
        )
    wards["district_code"] = wards["code"].map(by_ward)
    for set_name, frame in frames.items():
        if set_name != "ward":
            frame["district_code"] = _district_of(frame, wards)
    lsoas = frames["lsoa"]
    names: dict[str, str] = {}
    for code, group in lsoas.groupby("district_code"):
        found = group["name"].str.extract(_LSOA_NAME.pattern)["district"].dropna()
        names[str(code)] = str(found.mode().iloc[0]) if len(found) else str(code)
    for code in wards["district_code"].unique():
        names.setdefault(str(code), str(code))
    return names


def _district_of(frame: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    points = frame.geometry.representative_point()
    index = wards.sindex.query(points, predicate="within")
    district = pd.Series(None, index=frame.index, dtype=object)
    district.iloc[index[0]] = wards["district_code"].to_numpy()[index[1]]
    nearest = district.isna().to_numpy()
    if nearest.any():  # generalised edges: the nearest ward's district
        near_point, near_ward = wards.sindex.nearest(points[nearest])
        district.iloc[nearest.nonzero()[0][near_point]] = wards[
            "district_code"
        ].to_numpy()[near_ward]
    return district


def _manifest(
    name: str,
    title: str | None,
    districts: Mapping[str, str],
    frames: Mapping[str, gpd.GeoDataFrame],
    sources: Mapping[str, Sequence[Path]],
    attribution: str,
) -> str:
    title = title or " and ".join(districts.values())
    code = next(iter(districts)) if len(districts) == 1 else name
    lines = [
        f"# Area pack built by `hotspots area create {name}`.",
        f"name = {_toml(name)}",
        f"title = {_toml(title)}",
        f"code = {_toml(code)}",
        'study_set = "ward"',
        "",
    ]
    for district_code, district_name in districts.items():
        lines += ["[[districts]]", f"code = {_toml(district_code)}",
                  f"name = {_toml(district_name)}", ""]  # fmt: skip
    for set_name in frames:
        files = ", ".join(Path(p).name for p in sources[set_name])
        lines += [
            "[[boundaries]]",
            f"set = {_toml(set_name)}",
            f"file = {_toml(set_name + '.geojson')}",
            'code_field = "code"',
            'name_field = "name"',
            'district_field = "district_code"',
            f"description = {_toml(f'{set_name} areas, from {files}')}",
            f"attribution = {_toml(attribution)}",
            "",
        ]
    lines += [
        "[[postcodes]]",
        'file = "postcodes.csv"',
        'source = "postcode table"',
        f"attribution = {_toml(attribution)}",
        "",
        "[map]",
        f"title = {_toml(f'{title} crime and harm hotspots')}",
        "",
    ]
    return "\n".join(lines)


def _toml(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
