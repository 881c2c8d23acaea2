"""Time: slices on the study-area grid, change between periods, emerging classes.

Pure functions on arrays and grids; no store, no web.
"""

from hotspots.temporal.change import (
    DEFAULT_FDR,
    benjamini_hochberg,
    change_table,
    conditional_p,
)
from hotspots.temporal.classify import SF_CLASSES, holm, sfhotspot_classify
from hotspots.temporal.emerging import (
    CLASS_TEXT,
    CLASSES,
    EmergingResult,
    classify_emerging,
    emerging_hotspots,
    spacetime_gistar,
)
from hotspots.temporal.mann_kendall import MannKendall, mann_kendall
from hotspots.temporal.slices import UNITS, all_slices, slice_counts, slice_labels

__all__ = [
    "CLASSES",
    "CLASS_TEXT",
    "DEFAULT_FDR",
    "SF_CLASSES",
    "UNITS",
    "EmergingResult",
    "MannKendall",
    "all_slices",
    "benjamini_hochberg",
    "change_table",
    "classify_emerging",
    "conditional_p",
    "emerging_hotspots",
    "holm",
    "mann_kendall",
    "sfhotspot_classify",
    "slice_counts",
    "slice_labels",
    "spacetime_gistar",
]
