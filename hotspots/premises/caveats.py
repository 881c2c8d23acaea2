"""The plain-words caveats that go with every check, rank and report."""

from __future__ import annotations

from typing import Any

__all__ = ["REGISTER_CAVEAT", "SNAP_CAVEAT", "caveats_for"]

SNAP_CAVEAT = (
    "police.uk moves every crime to the nearest of a set of anonymous map points "
    "(a street, a car park, a station), so an incident counted inside the circle "
    "may have happened nearby, and open data cannot tie an incident to one "
    "premises. Local records with exact locations can."
)
TIME_CAVEAT = (
    "police.uk gives the month only, with no day or time of day: the hour and day "
    "profile uses only the local records that carry them ({timed} of {total} "
    "incidents here)."
)
REGISTER_CAVEAT = (
    "The premises come from a list with no licence type and no opening or "
    "licensable hours (the sample register is the council's business-rates list, "
    "January 2022: it says how a property is used, not whether it holds a premises "
    "licence)."
)
POSTCODE_CAVEAT = (
    "The premises is placed at its postcode's centre (good to about 100 m), not "
    "its door: the circle may sit tens of metres off."
)
EXPECTED_CAVEAT = (
    "The expected count spreads the city's (or ward's) incidents evenly over its "
    "land, parks and homes included, and takes the whole circle as land; a town "
    "centre is expected to be above the city average."
)
SMALL_CAVEAT = (
    "Small counts move a lot by chance; read the confidence interval, not only "
    "the ratio."
)


def caveats_for(result: dict[str, Any]) -> list[str]:
    """The caveats that apply to one check's result."""
    premises = result["premises"]
    caveats = [SNAP_CAVEAT]
    profile = result["profile"]
    caveats.append(TIME_CAVEAT.format(timed=profile["timed"], total=result["total"]))
    if not premises.get("licence_type") and not premises.get("hours"):
        caveats.append(REGISTER_CAVEAT)
    if premises.get("geocode_quality") == "postcode":
        caveats.append(POSTCODE_CAVEAT)
    caveats.append(EXPECTED_CAVEAT)
    if result["total"] < 20:
        caveats.append(SMALL_CAVEAT)
    return caveats
