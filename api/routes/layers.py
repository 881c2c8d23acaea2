"""Hotspot layers: GeoJSON (with parameters and data version), CSV, GeoPackage."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import CacheDep, PolicyDep, StoreDep
from api.downloads import (
    FileCache,
    Format,
    download_response,
    file_body,
    ranged_response,
)
from api.query import LayerFilters, layer_filters
from api.shortcut import (
    cached_layer_response,
    layer_headers,
    not_modified,
    request_alias,
)
from hotspots.analysis import cost
from hotspots.analysis.registry import METHODS
from hotspots.errors import EmptyInputError
from hotspots.layers import LayerRequest

router = APIRouter(prefix="/api/v1/layers", tags=["layers"])

STUDY_AREA_HELP = (
    "Where the statistic is computed: 'city' (default) or ward/LSOA codes or names. "
    "Only to compute a statistic inside a smaller area; area and bbox just choose "
    "features of the city's layer."
)

Method = StrEnum("Method", {name: name for name in METHODS})  # type: ignore[misc]


async def method_parameters(
    cell_size_m: Annotated[
        float | None, Query(gt=0, le=cost.MAX_CELL_SIZE_M, description="Cell size, m")
    ] = None,
    bandwidth_m: Annotated[
        float | None,
        Query(gt=0, le=cost.MAX_BANDWIDTH_M, description="KDE radius, m"),
    ] = None,
    distance_m: Annotated[
        float | None, Query(gt=0, le=cost.MAX_DISTANCE_M, description="Gi* band, m")
    ] = None,
    fdr: Annotated[
        bool | None, Query(description="Gi*: Benjamini-Hochberg bins")
    ] = None,
    permutations: Annotated[int | None, Query(ge=0, le=cost.MAX_PERMUTATIONS)] = None,
    seed: Annotated[int | None, Query(ge=0, le=cost.MAX_SEED)] = None,
    eps_m: Annotated[
        float | None, Query(gt=0, le=cost.MAX_EPS_M, description="DBSCAN radius, m")
    ] = None,
    min_samples: Annotated[int | None, Query(ge=1, le=cost.MAX_MIN_SAMPLES)] = None,
    min_cluster_size: Annotated[
        int | None, Query(ge=2, le=cost.MAX_MIN_SAMPLES)
    ] = None,
    top_percent: Annotated[float | None, Query(gt=0, le=100)] = None,
    shape: Annotated[str | None, Query(description="grid: square or hex")] = None,
) -> dict[str, Any]:
    """The method parameters given in the query (others take the defaults).

    Each is bounded by its declared maximum here; what they cost together is
    checked by the method before it computes (hotspots/analysis/cost.py).

    ``async`` because it only reads its arguments: FastAPI then calls it on the
    event loop instead of sending it to the thread pool (one hop fewer a layer).
    """
    given = dict(locals())
    return {k: v for k, v in given.items() if v is not None}


@router.get("/{method}")
@router.head("/{method}", include_in_schema=False)  # GDAL asks a file's size
async def get_layer(
    method: Method,
    request: Request,
    store: StoreDep,
    cache: CacheDep,
    policy: PolicyDep,
    filters: Annotated[LayerFilters, Depends(layer_filters)],
    parameters: Annotated[dict[str, Any], Depends(method_parameters)],
    study_area: Annotated[str | None, Query(description=STUDY_AREA_HELP)] = None,
    format: Format = Format.GEOJSON,
) -> Response:
    """A hotspot layer for a theme/category, period and area, with every parameter.

    The statistic is computed over the study area (the city unless
    ``study_area`` says otherwise); ``area`` and ``bbox`` choose which of its
    features are returned, so a cell's value never depends on the view.
    """
    layer_request = LayerRequest(
        method=str(method.value),
        theme=filters.theme,
        month_from=filters.month_from,
        month_to=filters.month_to,
        day_from=filters.day_from,
        day_to=filters.day_to,
        area=filters.area,
        parameters=parameters,
        categories=filters.categories,
        bbox_wgs84=filters.bbox,
        excluded_flags=policy.excluded_flags,
        disclosure=policy.disclosure,
        study_area=study_area,
        flags=filters.flags,
        priority=filters.priority,
    )
    name = f"{method.value}_{filters.priority or filters.theme or 'all'}"
    # A GeoJSON answer may be repeated by the shortcut for the same URL and key.
    alias = request_alias(request.scope) if format is Format.GEOJSON else None
    try:
        # In a worker thread: a miss computes the layer (CPU-heavy).
        cached = await run_in_threadpool(cache.get, store, layer_request, alias)
    except EmptyInputError as exc:
        empty = {
            "type": "FeatureCollection",
            "features": [],
            "note": str(exc),
            "parameters": {
                "method": method.value,
                "data_version": store.data_version(),
            },
        }
        return download_response(empty, format, name, {"Cache-Control": "no-store"})
    if format is Format.GEOJSON:
        return cached_layer_response(cached, request.headers)
    etag = cached.etag[:-1] + f'-{format.value}"'  # a file: other bytes, own tag
    headers = layer_headers(cached, etag)
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers=headers)
    files: FileCache = request.app.state.files
    body = await run_in_threadpool(
        files.get, etag, lambda: file_body(cached.layer, format, name)
    )
    ranges = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != etag:
        ranges = None  # the file changed since the client's first part: all of it
    return ranged_response(body, format, name, headers, ranges)
