"""Area packs: another place than Portsmouth, from the standard open files.

Gosport borough (E07000088) is built from the ONS/OS ward and LSOA files as a
new user would (``sample_data/areas``) and the PO postcode table, then the six
Hampshire police.uk months are ingested into it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import geopandas as gpd
import shapely

from hotspots.areas import resolve_area
from hotspots.areas.build import create_pack
from hotspots.areas.pack import AreaPack
from hotspots.errors import AreaPackError
from hotspots.ingest import IngestOptions, ingest_paths
from hotspots.layers import LayerRequest, compute_layer
from hotspots.store import IncidentQuery, open_store
from tests.conftest import MONTHLY_FILES, PORTSMOUTH_CSV, REPO

AREAS = REPO / "sample_data" / "areas"
GOSPORT_WARDS = AREAS / "gosport_wards_2013.geojson"
GOSPORT_LSOAS = AREAS / "gosport_lsoa_2011.geojson"
PORTSMOUTH_WARDS = REPO / "boundaries" / "data" / "portsmouth_wards_2013.geojson"
PORTSMOUTH_LSOAS = REPO / "boundaries" / "data" / "portsmouth_lsoa_2011.geojson"
POSTCODES = REPO / "boundaries" / "data" / "codepoint_open_2014_PO.csv"


def _gosport(folder: Path, **files: list[Path]) -> AreaPack:
    paths = {"wards": [GOSPORT_WARDS], "lsoas": [GOSPORT_LSOAS]} | files
    report = create_pack("gosport", folder, postcodes=[POSTCODES], **paths)
    assert report.pack is not None
    return report.pack


@pytest.fixture(scope="module")
def gosport(tmp_path_factory: pytest.TempPathFactory) -> tuple[AreaPack, str]:
    """The Gosport pack and a store with the six Hampshire months in it."""
    folder = tmp_path_factory.mktemp("gosport")
    pack = _gosport(folder / "areas" / "gosport")
    url = f"sqlite:///{folder / 'gosport.db'}"
    ingest_paths(MONTHLY_FILES, open_store(url), options=IngestOptions(pack=pack))
    return pack, url


def _police_uk_gosport_rows() -> pd.DataFrame:
    frames = [pd.read_csv(path) for path in MONTHLY_FILES]
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["LSOA name"].fillna("").str.startswith("Gosport ")]


def test_a_new_area_from_the_open_files(gosport: tuple[AreaPack, str]) -> None:
    pack, _ = gosport
    assert (pack.code, pack.title) == ("E07000088", "Gosport")
    assert [(d.code, d.name) for d in pack.districts] == [("E07000088", "Gosport")]
    assert len(pack.boundaries("ward")) == 17
    assert len(pack.boundaries("lsoa")) == 53
    assert pack.outline.area / 1e6 == pytest.approx(25.3, abs=0.5)


def test_exactly_gosports_rows_are_stored_with_gosport_areas(
    gosport: tuple[AreaPack, str],
) -> None:
    pack, url = gosport
    stored = open_store(url).incidents()
    police = _police_uk_gosport_rows()
    assert len(stored) == len(police) == 4931
    assert stored["ward_code"].isin(pack.boundaries("ward")["code"]).all()
    assert stored["lsoa_code"].isin(pack.boundaries("lsoa")["code"]).all()
    # police.uk's own LSOA for each snap point, against the one assigned here.
    own = police.groupby(["Longitude", "Latitude"])["LSOA code"].agg(
        lambda s: s.mode().iloc[0]
    )
    keys = pd.MultiIndex.from_arrays([stored["lon"].round(6), stored["lat"].round(6)])
    own.index = pd.MultiIndex.from_arrays(
        [own.index.get_level_values(0).round(6), own.index.get_level_values(1).round(6)]
    )
    theirs = own.reindex(keys).to_numpy()
    agreement = (theirs == stored["lsoa_code"].to_numpy()).mean()
    assert agreement >= 0.94


@pytest.mark.parametrize("method", ["gistar", "kde"])
def test_layers_for_gosport(gosport: tuple[AreaPack, str], method: str) -> None:
    pack, url = gosport
    layer = compute_layer(open_store(url), LayerRequest(method=method), pack)
    assert layer["parameters"]["study_area_code"] == "E07000088"
    assert layer["parameters"]["area_pack"] == "gosport"
    assert layer["summary"]["incidents"] == 4931
    assert layer["summary"]["incidents_covered"] == 4931
    ward = compute_layer(
        open_store(url), LayerRequest(method=method, area="Alverstoke"), pack
    )
    assert 0 < ward["summary"]["area_incidents"] < 4931


def test_portsmouth_and_gosport_as_one_study_area(tmp_path: Path) -> None:
    report = create_pack(
        "solent",
        tmp_path / "solent",
        wards=[PORTSMOUTH_WARDS, GOSPORT_WARDS],
        lsoas=[PORTSMOUTH_LSOAS, GOSPORT_LSOAS],
        postcodes=[POSTCODES],
    )
    pack = report.pack
    assert pack is not None
    assert {d.name for d in pack.districts} == {"Portsmouth", "Gosport"}
    store = open_store(f"sqlite:///{tmp_path / 'solent.db'}")
    ingest_paths(MONTHLY_FILES, store, options=IngestOptions(pack=pack))
    police = pd.concat(pd.read_csv(p) for p in MONTHLY_FILES)
    names = police["LSOA name"].fillna("")
    in_either = names.str.startswith("Gosport ") | names.str.startswith("Portsmouth ")
    assert store.count() == pytest.approx(in_either.sum(), rel=0.005)
    totals = {}
    for area in ("city", "Portsmouth", "E07000088"):
        layer = compute_layer(store, LayerRequest(method="grid"), pack)
        layer = compute_layer(store, LayerRequest(method="grid", area=area), pack)
        totals[area] = layer["summary"]["area_incidents"]
    assert totals["city"] == store.count()
    assert totals["Portsmouth"] + totals["E07000088"] == totals["city"]
    assert totals["E07000088"] == len(
        store.incidents(
            IncidentQuery(ward_codes=resolve_area("Gosport", pack).ward_codes)
        )
    )
    alone = compute_layer(
        store, LayerRequest(method="gistar", study_area="Gosport"), pack
    )
    assert alone["summary"]["incidents"] == totals["E07000088"]


def test_shapefile_in_bng_and_geopackage_give_the_same_areas(tmp_path: Path) -> None:
    wards = gpd.read_file(GOSPORT_WARDS)
    shapefile = tmp_path / "wards.shp"
    wards.to_crs(27700).to_file(shapefile)
    geopackage = tmp_path / "lsoas.gpkg"
    gpd.read_file(GOSPORT_LSOAS).to_file(geopackage, driver="GPKG")
    from_json = _gosport(tmp_path / "a")
    from_files = _gosport(tmp_path / "b", wards=[shapefile], lsoas=[geopackage])
    for set_name in ("ward", "lsoa"):
        a, b = from_json.boundaries(set_name), from_files.boundaries(set_name)
        assert list(a["code"]) == list(b["code"])
        assert list(a["name"]) == list(b["name"])
        differ = shapely.symmetric_difference(a.geometry.values, b.geometry.values)
        assert shapely.area(differ).max() < 1.0  # m², from the round trip only


def _fails_and_writes_nothing(folder: Path, match: str, **files: list[Path]) -> None:
    with pytest.raises(AreaPackError, match=match):
        _gosport(folder, **files)
    assert not folder.exists()


def test_a_file_without_a_code_column(tmp_path: Path) -> None:
    wards = gpd.read_file(GOSPORT_WARDS).drop(columns=["WD13CD", "WD13CDO"])
    path = tmp_path / "nocode.geojson"
    wards.to_file(path)
    _fails_and_writes_nothing(
        tmp_path / "p", "nocode.geojson: no code column", wards=[path]
    )


def test_a_file_without_a_crs(tmp_path: Path) -> None:
    wards = (
        gpd.read_file(GOSPORT_WARDS).to_crs(27700).set_crs(None, allow_override=True)
    )
    path = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        wards.to_file(path)
    _fails_and_writes_nothing(tmp_path / "p", "nocrs.shp: has no CRS", wards=[path])


def test_two_areas_with_one_code(tmp_path: Path) -> None:
    wards = gpd.read_file(GOSPORT_WARDS)
    wards.loc[1, "WD13CD"] = wards.loc[0, "WD13CD"]
    path = tmp_path / "twice.geojson"
    wards.to_file(path)
    _fails_and_writes_nothing(
        tmp_path / "p", "code.s. used by two areas .e.g. E05004531", wards=[path]
    )


def test_a_polygon_that_cannot_be_repaired(tmp_path: Path) -> None:
    wards = gpd.read_file(GOSPORT_WARDS).to_crs(27700)
    wards.loc[0, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])
    path = tmp_path / "flat.gpkg"
    wards.to_file(path)
    _fails_and_writes_nothing(
        tmp_path / "p", "polygon of E05004531 cannot be repaired", wards=[path]
    )


def test_a_self_crossing_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    wards = gpd.read_file(GOSPORT_WARDS).to_crs(27700)
    x0, y0, x1, y1 = wards.geometry.iloc[0].bounds
    wards.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    path = tmp_path / "bowtie.gpkg"
    wards.to_file(path)
    report = create_pack(
        "bowtie", tmp_path / "p", wards=[path], lsoas=[GOSPORT_LSOAS],
        postcodes=[POSTCODES],
    )  # fmt: skip
    assert report.repaired == ["bowtie.gpkg: E05004531"]
    assert report.pack is not None
    assert report.pack.boundaries("ward").geometry.is_valid.all()


def test_a_postcode_file_with_the_wrong_columns(tmp_path: Path) -> None:
    path = tmp_path / "po.csv"
    path.write_text('"PO12 1AA",10,460000,99000\n', encoding="utf-8")
    with pytest.raises(AreaPackError, match=r"po\.csv: 4 columns, but OS Code-Point"):
        create_pack(
            "bad", tmp_path / "p", wards=[GOSPORT_WARDS], lsoas=[GOSPORT_LSOAS],
            postcodes=[path],
        )  # fmt: skip
    assert not (tmp_path / "p").exists()


def test_headerless_code_point_files_as_distributed(tmp_path: Path) -> None:
    rows = POSTCODES.read_text(encoding="utf-8").splitlines()
    headerless = tmp_path / "po.csv"
    headerless.write_text("\n".join(rows[1:]) + "\n", encoding="utf-8")
    pack = create_pack(
        "gosport", tmp_path / "p", wards=[GOSPORT_WARDS], lsoas=[GOSPORT_LSOAS],
        postcodes=[headerless],
    ).pack  # fmt: skip
    assert pack is not None
    assert pack.districts[0].code == "E07000088"


def test_the_bundled_pack_is_portsmouth_unchanged() -> None:
    city = resolve_area(None)
    assert (city.code, city.name, len(city.ward_codes)) == (
        "E06000044",
        "Portsmouth",
        14,
    )
    assert PORTSMOUTH_CSV.exists()


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "boundaries" / "data").glob("*.geojson"))
    + sorted(AREAS.glob("*.geojson")),
    ids=lambda p: p.name,
)
def test_geojson_read_without_gdal_equals_gdal(path: Path) -> None:
    """The GDAL-free reader of lon/lat GeoJSON gives GDAL's geometries and text."""
    from hotspots.areas.pack import _read_lonlat_geojson

    gdal = gpd.read_file(path)
    fields = tuple(c for c in gdal.columns if c != "geometry" and gdal[c].map(
        lambda v: isinstance(v, str)).all())  # fmt: skip
    ours = _read_lonlat_geojson(path, fields)
    assert ours is not None and fields
    assert ours.crs == gdal.crs
    assert list(shapely.to_wkb(ours.geometry.values)) == list(
        shapely.to_wkb(gdal.geometry.values)
    )
    for field in fields:
        assert ours[field].tolist() == gdal[field].tolist()


def test_other_boundary_files_are_read_by_gdal(tmp_path: Path) -> None:
    """A GeoJSON in BNG, with a numeric code or not GeoJSON at all is left to GDAL
    (and gives the same areas)."""
    from hotspots.areas.pack import _read_lonlat_geojson

    wards = gpd.read_file(PORTSMOUTH_WARDS)
    bng = tmp_path / "wards_bng.geojson"
    wards.to_crs(27700).to_file(bng, driver="GeoJSON")
    numeric = tmp_path / "numeric.geojson"
    wards.assign(WD13CD=range(len(wards))).to_file(numeric, driver="GeoJSON")
    gpkg = tmp_path / "wards.gpkg"
    wards.to_file(gpkg, driver="GPKG")
    for path in (bng, numeric, gpkg):
        assert _read_lonlat_geojson(path, ("WD13CD", "WD13NM")) is None
    pack = _gosport(tmp_path / "pack", wards=[GOSPORT_WARDS])
    assert len(pack.boundaries("ward")) == 17
