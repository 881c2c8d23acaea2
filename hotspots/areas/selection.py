"""One rule for "in this area", used by layers, summaries, incidents and the map.

An incident belongs to an area by the codes it was given at ingest: ward and LSOA
codes come from point-in-polygon with the coast tolerance
(:func:`boundaries.spatial.assign_areas`), so a seafront snap point a few metres
outside the coast-clipped polygon is still in its ward. Every count of an area
reads incidents by those codes (never by a second, stricter point-in-polygon),
so the map, a layer, an area summary and the store always agree.

The whole study area (the active area pack's) is an area like any other:
``city``, its name (``Portsmouth``) and its code (``E06000044``) all name it, and
its incidents are those with any of its ward codes. A pack of several districts
also has each district as an area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import default_pack
from hotspots.errors import InvalidParameterError
from hotspots.store.base import IncidentQuery, IncidentStore

__all__ = [
    "CITY",
    "Area",
    "area_counts",
    "area_incidents",
    "in_area",
    "resolve_area",
]

#: What names the whole study area (besides its own code and name).
CITY = "city"


@dataclass(frozen=True, eq=False)
class Area:
    """An area: the codes that define its incidents and its outline (BNG).

    ``ward_codes`` and ``lsoa_codes`` list the wards and LSOAs it is made of; an
    incident is in the area when its ward code or its LSOA code is listed.
    ``geometry`` is the union of their polygons (for drawing and for choosing
    map features), ``kind`` is ``city`` (the whole study area), ``district``,
    ``ward``, ``lsoa`` or ``areas``.
    """

    code: str
    name: str
    kind: str
    ward_codes: tuple[str, ...]
    lsoa_codes: tuple[str, ...]
    geometry: BaseGeometry

    @property
    def is_city(self) -> bool:
        """True for the whole study area."""
        return self.kind == CITY

    def info(self) -> dict[str, str]:
        """Code, name and kind, as layers and summaries report them."""
        return {"code": self.code, "name": self.name, "kind": self.kind}


def resolve_area(text: str | None, pack: AreaPack | None = None) -> Area:
    """The area of ``pack`` (default: the bundled one) named by ``text``.

    ``None``, ``city``, the pack's code or title name the whole study area; a
    district (code or name) of a pack with several names that district; ward and
    LSOA codes or names name those. Several may be listed, separated by commas;
    the result is their union.

    Raises
    ------
    InvalidParameterError
        Naming the unknown area and what to give instead.
    """
    pack = pack or default_pack()
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if not names or any(_is_city(n, pack) for n in names):
        if len(names) > 1:
            raise InvalidParameterError(
                f"area {text!r} lists the whole study area with other areas; "
                "give one or the other"
            )
        return _city(pack)
    parts = [_one_area(name, pack) for name in names]
    if len(parts) == 1:
        return parts[0]
    return Area(
        code=",".join(p.code for p in parts),
        name=", ".join(p.name for p in parts),
        kind="areas",
        ward_codes=tuple(dict.fromkeys(c for p in parts for c in p.ward_codes)),
        lsoa_codes=tuple(dict.fromkeys(c for p in parts for c in p.lsoa_codes)),
        geometry=shapely.union_all([p.geometry for p in parts]),
    )


def _is_city(name: str, pack: AreaPack) -> bool:
    names = {CITY, pack.code.casefold(), pack.title.casefold(), pack.name.casefold()}
    if len(pack.districts) == 1:
        district = pack.districts[0]
        names |= {district.code.casefold(), district.name.casefold()}
    return name.casefold() in names


def _city(pack: AreaPack) -> Area:
    wards = pack.boundaries("ward")
    return Area(
        code=pack.code,
        name=pack.title,
        kind=CITY,
        ward_codes=tuple(wards["code"]),
        lsoa_codes=(),
        geometry=pack.outline,
    )


def _one_area(name: str, pack: AreaPack) -> Area:
    wanted = name.casefold()
    wards = pack.boundaries("ward")
    for district in pack.districts:
        if wanted in (district.code.casefold(), district.name.casefold()):
            own = wards[wards["district_code"] == district.code]
            return Area(
                district.code, district.name, "district", tuple(own["code"]), (),
                own.union_all(),
            )  # fmt: skip
    for set_name, column in (("ward", "ward_codes"), ("lsoa", "lsoa_codes")):
        areas = pack.boundaries(set_name)
        hit = areas[
            (areas["code"].str.casefold() == wanted)
            | (areas["name"].str.casefold() == wanted)
        ]
        if len(hit):
            row = hit.iloc[0]
            area = Area(
                str(row["code"]), str(row["name"]), set_name, (), (), row.geometry
            )
            return replace(area, **{column: (str(row["code"]),)})
    raise InvalidParameterError(
        f"unknown area {name!r} in {pack.title}: give 'city', a district, a ward or "
        "LSOA code (E05…/E01…) or name, or several separated by commas"
    )


def area_incidents(
    store: IncidentStore, area: Area, query: IncidentQuery
) -> pd.DataFrame:
    """The incidents of ``query`` that are in ``area``, read by their codes.

    Incidents listed under both a ward and an LSOA of the area are returned once.
    """
    parts = []
    if area.ward_codes:
        parts.append(store.incidents(replace(query, ward_codes=area.ward_codes)))
    if area.lsoa_codes:
        parts.append(store.incidents(replace(query, lsoa_codes=area.lsoa_codes)))
    if len(parts) == 1:
        return parts[0]
    both = pd.concat(parts, ignore_index=True)
    if "incident_id" not in both:
        raise InvalidParameterError("reading several areas needs the incident_id")
    return both.drop_duplicates("incident_id", ignore_index=True)


def area_counts(
    store: IncidentStore, area: Area, query: IncidentQuery, by: Sequence[str]
) -> pd.DataFrame:
    """The incidents of ``query`` in ``area`` counted per distinct ``by`` (``n``).

    The same incidents as :func:`area_incidents`; counted in the store when the
    area is made of one kind of code, else from the rows read.
    """
    if not (area.ward_codes and area.lsoa_codes):
        codes = {"ward_codes": area.ward_codes, "lsoa_codes": area.lsoa_codes}
        return store.counts(replace(query, **codes), by)
    columns = ("incident_id", *dict.fromkeys(by))
    frame = area_incidents(store, area, replace(query, columns=columns))
    return frame.groupby(list(by), dropna=False).size().rename("n").reset_index()


def in_area(frame: pd.DataFrame, area: Area) -> np.ndarray:
    """True for the rows of an incident frame (``ward_code``, ``lsoa_code``) in
    ``area``: the same rule as :func:`area_incidents`, on a frame in memory."""
    inside = np.zeros(len(frame), dtype=bool)
    for column, codes in (
        ("ward_code", area.ward_codes),
        ("lsoa_code", area.lsoa_codes),
    ):
        if codes:
            inside |= frame[column].isin(list(codes)).to_numpy()
    return inside
