"""Where the features of the collections held in memory come from.

Hotspot layers come through the service's layer cache (computed once per
request and data version, as for ``/api/v1/layers``); locations are counted
under the caller's disclosure rules; boundaries are the area pack's.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.cache import LayerCache
from api.features import areas_collection, points_collection
from api.ogc.catalog import Collection
from api.ogc.params import CRS84_URI, OgcError
from hotspots.access import AccessPolicy
from hotspots.areas import area_incidents, resolve_area
from hotspots.areas.pack import AreaPack
from hotspots.disclosure import located_incidents
from hotspots.errors import EmptyInputError, HotspotError
from hotspots.layers import LayerRequest
from hotspots.period import PeriodBounds
from hotspots.premises import register_of
from hotspots.store import IncidentQuery, IncidentStore

__all__ = ["METHOD_PARAMETERS", "collection_extent", "memory_features"]

#: Method parameters a layer collection takes as query arguments, and their type.
METHOD_PARAMETERS: dict[str, type] = {
    "cell_size_m": float,
    "bandwidth_m": float,
    "distance_m": float,
    "fdr": bool,
    "permutations": int,
    "seed": int,
    "eps_m": float,
    "min_samples": int,
    "min_cluster_size": int,
    "top_percent": float,
    "shape": str,
}


def memory_features(
    collection: Collection,
    store: IncidentStore,
    pack: AreaPack,
    cache: LayerCache,
    policy: AccessPolicy,
    period: PeriodBounds | None,
    extra: dict[str, str],
) -> list[dict[str, Any]]:
    """Every feature of a layer, locations or boundaries collection (CRS84)."""
    if collection.kind == "boundaries":
        assert collection.set_name is not None
        return list(areas_collection(pack.boundaries(collection.set_name))["features"])
    if collection.kind == "locations":
        return _locations(store, pack, policy, period)
    if collection.kind == "premises":
        return _premises(store)
    return _layer(collection, store, cache, policy, period, extra)


def _layer(
    collection: Collection,
    store: IncidentStore,
    cache: LayerCache,
    policy: AccessPolicy,
    period: PeriodBounds | None,
    extra: dict[str, str],
) -> list[dict[str, Any]]:
    assert collection.method is not None
    request = LayerRequest(
        method=collection.method,
        theme=collection.theme,
        **asdict(period or PeriodBounds()),
        parameters=_method_parameters(extra),
        excluded_flags=policy.excluded_flags,
        disclosure=policy.disclosure,
    )
    try:
        layer = cache.get(store, request).layer
    except EmptyInputError:
        return []
    except HotspotError as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from None
    return list(layer["features"])


def _method_parameters(extra: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in METHOD_PARAMETERS.items():
        if name not in extra:
            continue
        text = extra[name]
        try:
            if kind is bool:
                if text.lower() not in ("true", "false"):
                    raise ValueError(text)
                out[name] = text.lower() == "true"
            else:
                out[name] = kind(text)
        except ValueError:
            raise OgcError(
                400, "InvalidParameterValue", f"{name}={text!r}: not a {kind.__name__}"
            ) from None
    return out


def _locations(
    store: IncidentStore,
    pack: AreaPack,
    policy: AccessPolicy,
    period: PeriodBounds | None,
) -> list[dict[str, Any]]:
    query = IncidentQuery(**asdict(period or PeriodBounds()))
    frame = area_incidents(store, resolve_area(None, pack), query)
    for flag in policy.excluded_flags:
        frame = frame[~frame[flag]]
    located = located_incidents(frame, policy.disclosure)
    if located.empty:
        return []
    located["location_id"] = (
        located["easting"].round().astype(int).astype(str)
        + "_"
        + located["northing"].round().astype(int).astype(str)
    )
    collection = points_collection(
        located, ["location_id", "n", "first_month", "last_month"],
        id_column="location_id",
    )  # fmt: skip
    return list(collection["features"])


_PREMISES_PROPERTIES = (
    "name", "address", "postcode", "premises_type", "type_code", "licence_type",
    "hours", "geocode_quality", "source", "source_date",
)  # fmt: skip


def _premises(store: IncidentStore) -> list[dict[str, Any]]:
    try:
        frame = register_of(store).premises()
    except HotspotError:  # a store without a premises register
        return []
    frame = frame.dropna(subset=["lon", "lat"])
    collection = points_collection(
        frame, list(_PREMISES_PROPERTIES), id_column="premises_id"
    )
    return list(collection["features"])


def collection_extent(store: IncidentStore, pack: AreaPack) -> dict[str, Any]:
    """The study area's box (CRS84) and the months with incidents."""
    import geopandas as gpd

    from hotspots.crs import BNG

    box = gpd.GeoSeries([pack.outline], crs=BNG).to_crs(4326).total_bounds
    months = store.months()
    interval = (
        [f"{months[0]}-01T00:00:00Z", f"{_month_end(months[-1])}T23:59:59Z"]
        if months
        else [None, None]
    )
    return {
        "spatial": {"bbox": [[round(float(v), 6) for v in box]], "crs": CRS84_URI},
        "temporal": {
            "interval": [interval],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        },
    }


def _month_end(month: str) -> str:
    import calendar

    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"
