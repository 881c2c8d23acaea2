"""How a location was turned into coordinates, from most to least precise."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["GeocodeQuality"]


class GeocodeQuality(StrEnum):
    """Provenance of a geocoded point, stored with every incident.

    ``EXACT`` coordinates were given and used as they are; ``SNAPPED`` ones were
    given but are already anonymised to a police.uk snap point; ``GRIDREF`` came
    from an OS grid reference (centre of the square); ``POSTCODE`` from a postcode
    centroid; ``STREET`` from a street gazetteer; ``FAILED`` has no location.
    """

    EXACT = "exact"
    SNAPPED = "snapped"
    GRIDREF = "gridref"
    POSTCODE = "postcode"
    STREET = "street"
    FAILED = "failed"
