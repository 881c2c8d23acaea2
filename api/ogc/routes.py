"""OGC API - Features (Parts 1 and 2, Part 3 queryables) under ``/ogc``.

QGIS, ArcGIS Pro, GDAL (``OAPIF:``), OWSLib, R's sf and geopandas read the
collections directly. Every collection passes through the caller's disclosure
rules (:mod:`hotspots.access`); the key comes in the ``X-API-Key`` header or,
for clients that cannot send headers, the ``api_key`` query parameter (it then
shows in logs and browser history: prefer the header).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from api.ogc.catalog import Collection, collections, find_collection
from api.ogc.items import (
    INCIDENT_QUERYABLES,
    Page,
    incident_page,
    memory_page,
    parse_incident_id,
    queryables_of,
    reproject,
)
from api.ogc.params import (
    BNG_URI,
    CRS84_URI,
    OgcError,
    parse_bbox,
    parse_crs,
    parse_datetime,
    parse_limit,
)
from api.ogc.sources import METHOD_PARAMETERS, collection_extent, memory_features
from hotspots.access import AccessPolicy, parse_role, policy_for
from hotspots.areas.pack import AreaPack
from hotspots.settings import Settings
from hotspots.store import IncidentStore

__all__ = ["CONFORMANCE", "router"]

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
_GEOJSON = "application/geo+json"
#: Query arguments that are not property filters.
_RESERVED = {
    "limit", "bbox", "bbox-crs", "datetime", "crs", "f", "offset", "cursor",
    "api_key",
}  # fmt: skip


async def ogc_policy(
    request: Request,
    x_api_key: Annotated[str | None, Header()] = None,
    api_key: Annotated[
        str | None,
        Query(description="API key, for clients that cannot send X-API-Key"),
    ] = None,
) -> AccessPolicy:
    """The caller's disclosure rules, from the header or the query parameter."""
    settings: Settings = request.app.state.settings
    role = settings.role_for_key(x_api_key or api_key)
    if role is None:
        raise OgcError(401, "Unauthorized", "unknown API key")
    return policy_for(parse_role(role))


PolicyQ = Annotated[AccessPolicy, Depends(ogc_policy)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _json(body: dict[str, Any], media: str = "application/json", **headers: str) -> Any:
    return JSONResponse(body, media_type=media, headers=headers)


@router.get("", summary="Landing page")
@router.get("/", include_in_schema=False)
def landing_page(request: Request) -> Any:
    """The OGC API landing page: links to the API, conformance and collections."""
    base = _base(request)
    pack: AreaPack = request.app.state.pack
    return _json(
        {
            "title": f"hotspots: {pack.title}",
            "description": "Incidents, boundaries and crime and harm hotspot layers "
            "(OGC API - Features).",
            "links": [
                {
                    "href": base,
                    "rel": "self",
                    "type": "application/json",
                    "title": "This document",
                },
                {
                    "href": str(request.base_url) + "openapi.json",
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.1",
                    "title": "The API definition (OpenAPI 3.1)",
                },
                {
                    "href": str(request.base_url) + "docs",
                    "rel": "service-doc",
                    "type": "text/html",
                    "title": "The API documentation",
                },
                {
                    "href": f"{base}/conformance",
                    "rel": "conformance",
                    "type": "application/json",
                    "title": "Conformance classes",
                },
                {
                    "href": f"{base}/collections",
                    "rel": "data",
                    "type": "application/json",
                    "title": "The collections",
                },
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes")
def conformance() -> Any:
    """The OGC conformance classes this service implements."""
    return _json({"conformsTo": CONFORMANCE})


def _collection_body(
    request: Request, collection: Collection, extent: dict[str, Any]
) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84_URI, BNG_URI],
        "storageCrs": BNG_URI,
        "extent": extent,
        "links": [
            {"href": base, "rel": "self", "type": "application/json"},
            {
                "href": f"{base}/items",
                "rel": "items",
                "type": _GEOJSON,
                "title": collection.title,
            },
            {
                "href": f"{base}/queryables",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
            },
        ],
    }


@router.get("/collections", summary="Collections")
def get_collections(request: Request) -> Any:
    """Every collection: incidents, boundary sets, hotspot layers."""
    state = request.app.state
    extent = collection_extent(state.store, state.pack)  # one for every collection
    bodies = [_collection_body(request, c, extent) for c in collections(state.pack)]
    base = f"{_base(request)}/collections"
    return _json(
        {
            "links": [{"href": base, "rel": "self", "type": "application/json"}],
            "collections": bodies,
        }
    )


@router.get("/collections/{collection_id}", summary="One collection")
def get_collection(request: Request, collection_id: str) -> Any:
    """One collection's description, extent and CRSs."""
    collection = find_collection(request.app.state.pack, collection_id)
    extent = collection_extent(request.app.state.store, request.app.state.pack)
    return _json(_collection_body(request, collection, extent))


@router.get("/collections/{collection_id}/queryables", summary="Queryables")
def get_queryables(request: Request, collection_id: str, policy: PolicyQ) -> Any:
    """The properties the items may be filtered on (``?name=value``)."""
    collection = find_collection(request.app.state.pack, collection_id)
    if collection.kind == "incidents":
        types = dict.fromkeys(INCIDENT_QUERYABLES, "string")
    else:
        types = queryables_of(_features(request, collection, policy, None, {}))
    return _json(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{_base(request)}/collections/{collection_id}/queryables",
            "type": "object",
            "title": collection.title,
            "properties": {name: {"type": kind} for name, kind in types.items()},
            "additionalProperties": False,
        },
        "application/schema+json",
    )


@router.get("/collections/{collection_id}/items", summary="Items")
def get_items(
    request: Request,
    collection_id: str,
    policy: PolicyQ,
    limit: Annotated[int | None, Query()] = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    crs: Annotated[str | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query()] = None,
) -> Any:
    """Features of a collection, a page at a time (``next`` link to go on)."""
    collection = find_collection(request.app.state.pack, collection_id)
    out_crs = parse_crs(crs)
    box = parse_bbox(bbox, bbox_crs)
    period = parse_datetime(datetime_)
    size = parse_limit(limit)
    extra = _extra_arguments(request, collection)
    if collection.kind == "incidents":
        _require_records(policy)
        filters = _filters(extra, set(INCIDENT_QUERYABLES))
        page = incident_page(
            request.app.state.store, request.app.state.pack, filters=filters,
            box=box, period=period, limit=size, cursor=cursor, crs=out_crs,
        )  # fmt: skip
    else:
        features = _features(request, collection, policy, period, extra)
        filters = _filters(extra, set(queryables_of(features)), collection)
        page = memory_page(
            features, box=box, filters=filters, limit=size, offset=offset
        )
        page = Page(reproject(page.features, out_crs), page.number_matched,
                    page.next_token, page.prev_token)  # fmt: skip
    return _items_body(request, collection, page, out_crs)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One item")
def get_item(
    request: Request,
    collection_id: str,
    feature_id: str,
    policy: PolicyQ,
    crs: Annotated[str | None, Query()] = None,
) -> Any:
    """One feature by its id (a cell id, a cluster id, an incident id, a code)."""
    collection = find_collection(request.app.state.pack, collection_id)
    out_crs = parse_crs(crs)
    if collection.kind == "incidents":
        _require_records(policy)
        page = incident_page(
            request.app.state.store, request.app.state.pack, filters={}, box=None,
            period=None, limit=1, cursor=None, crs=out_crs,
            ids=[parse_incident_id(feature_id)],
        )  # fmt: skip
        found = page.features
    else:
        extra = _extra_arguments(request, collection)
        features = _features(request, collection, policy, None, extra)
        found = reproject([f for f in features if str(f["id"]) == feature_id], out_crs)
    if not found:
        raise OgcError(404, "NotFound", f"no feature {feature_id!r} in {collection.id}")
    base = f"{_base(request)}/collections/{collection.id}"
    feature = found[0] | {
        "links": [
            {"href": f"{base}/items/{feature_id}", "rel": "self", "type": _GEOJSON},
            {"href": base, "rel": "collection", "type": "application/json"},
        ]
    }
    return _json(feature, _GEOJSON, **{"Content-Crs": f"<{out_crs}>"})


def _require_records(policy: AccessPolicy) -> None:
    if not policy.record_level:
        raise OgcError(
            403,
            "Forbidden",
            f"role {policy.role} may not read incident records; use the "
            "incident-locations collection (counts per location)",
        )


def _features(
    request: Request,
    collection: Collection,
    policy: AccessPolicy,
    period: Any,
    extra: dict[str, str],
) -> list[dict[str, Any]]:
    store: IncidentStore = request.app.state.store
    return memory_features(
        collection, store, request.app.state.pack, request.app.state.layers,
        policy, period, extra,
    )  # fmt: skip


def _extra_arguments(request: Request, collection: Collection) -> dict[str, str]:
    """Query arguments beyond the standard ones (method parameters, filters)."""
    return {k: v for k, v in request.query_params.items() if k not in _RESERVED}


def _filters(
    extra: dict[str, str], queryables: set[str], collection: Collection | None = None
) -> dict[str, str]:
    parameters = set(METHOD_PARAMETERS) if collection and collection.method else set()
    unknown = sorted(set(extra) - queryables - parameters)
    if unknown:
        raise OgcError(
            400,
            "InvalidParameterValue",
            f"unknown query parameter(s) {', '.join(unknown)}; queryables: "
            f"{', '.join(sorted(queryables))}",
        )
    return {k: v for k, v in extra.items() if k in queryables}


def _items_body(request: Request, collection: Collection, page: Page, crs: str) -> Any:
    url = request.url
    links = [
        {"href": str(url), "rel": "self", "type": _GEOJSON},
        {"href": f"{_base(request)}/collections/{collection.id}",
         "rel": "collection", "type": "application/json"},
    ]  # fmt: skip
    for rel, token in (("next", page.next_token), ("prev", page.prev_token)):
        if token is not None:
            query = {k: v for k, v in request.query_params.items()
                     if k not in ("offset", "cursor")} | token  # fmt: skip
            links.append(
                {
                    "href": str(url.replace_query_params(**query)),
                    "rel": rel,
                    "type": _GEOJSON,
                }
            )
    body = {
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "timeStamp": datetime.now(UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "links": links,
    }
    return _json(body, _GEOJSON, **{"Content-Crs": f"<{crs}>"})
