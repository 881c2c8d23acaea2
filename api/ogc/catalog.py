"""The collections the OGC API offers: incidents, boundary sets, hotspot layers.

One collection per hotspot method and theme (``gistar-asb``, ``kde-all``, ...)
with the method's default parameters (given as query arguments they override
them); incidents as records (analysts) and counted per location (every role,
under the role's disclosure rules); the premises register; each boundary set of
the active area pack.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.ogc.params import OgcError
from hotspots.analysis.registry import METHODS
from hotspots.areas.pack import AreaPack
from hotspots.schema import Theme

__all__ = ["Collection", "collections", "find_collection"]

_METHOD_TITLES = {
    "gistar": "Getis-Ord Gi* hot and cold spots",
    "kde": "Kernel density (quartic KDE)",
    "grid": "Grid counts",
    "dbscan": "DBSCAN clusters",
    "hdbscan": "HDBSCAN clusters",
}


@dataclass(frozen=True)
class Collection:
    """One collection: its id, words, and what its items are made from."""

    id: str
    title: str
    description: str
    kind: str  # "incidents", "locations", "premises", "boundaries" or "layer"
    method: str | None = None
    theme: str | None = None
    set_name: str | None = None


def collections(pack: AreaPack) -> list[Collection]:
    """Every collection for the area pack, in a stable order."""
    out = [
        Collection(
            "incidents",
            f"Incidents in {pack.title} (records)",
            "One feature per incident (analysts only): category, theme, month, "
            "date and its precision, geocode quality, ward and LSOA codes.",
            "incidents",
        ),
        Collection(
            "incident-locations",
            f"Incidents in {pack.title} per location",
            "Incidents counted per location (police.uk snap point, postcode "
            "centroid...), under the caller's disclosure rules: small counts "
            "withheld, sensitive incidents left out below analyst.",
            "locations",
        ),
    ]
    out.append(
        Collection(
            "premises",
            f"Premises in {pack.title}",
            "The premises register (pubs, clubs, restaurants, hotels...): name, "
            "address, type, licence and hours where the source gives them.",
            "premises",
        )
    )
    for set_name in pack.set_names:
        files = pack.files_of(set_name)
        out.append(
            Collection(
                f"boundaries-{set_name}",
                f"{pack.title} {set_name} boundaries",
                "; ".join(f.description for f in files if f.description)
                or f"{set_name} areas",
                "boundaries",
                set_name=set_name,
            )
        )
    for method in METHODS:
        for theme in ("all", *(t.value for t in Theme)):
            label = "all incidents" if theme == "all" else theme
            out.append(
                Collection(
                    f"{method}-{theme}",
                    f"{_METHOD_TITLES.get(method, method)}: {label}",
                    f"Hotspot layer over {pack.title} by {method}, {label}; the "
                    "statistic over the whole study area, default parameters "
                    "unless given as query arguments (cell_size_m, bandwidth_m, "
                    "...); datetime chooses the period (default: all months).",
                    "layer",
                    method=method,
                    theme=None if theme == "all" else theme,
                )
            )
    return out


def find_collection(pack: AreaPack, collection_id: str) -> Collection:
    """The collection called ``collection_id``, or a 404 naming the known ones."""
    for collection in collections(pack):
        if collection.id == collection_id:
            return collection
    raise OgcError(
        404,
        "NotFound",
        f"no collection {collection_id!r}; see /ogc/collections for the list",
    )
