"""The one disclosure rule: the smallest count and the finest detail a role may see.

Every aggregate the service sends passes through here before it leaves: layer
cells and clusters, counts per location and their theme breakdowns, area
summaries, premises checks and reports. A new output asks the same
:class:`Disclosure` for its role, so the map, the API, the OGC collections and
the reports can never disagree about what a role may see.

The rule, for every role below analyst:

- **Small counts are withheld.** A count of 1 to ``min_count - 1`` incidents
  (cell, cluster, location, theme within a location) is never shown: cells keep
  their place and statistic with ``n`` null; clusters and locations are left
  out. A count that includes a sensitive incident (domestic abuse, sexual
  offence, hate crime) needs ``sensitive_min_count``; where a table shows such a
  count it reads "fewer than 5".
- **No geometry finer than the role's resolution.** Grids, KDE radii and
  cluster radii have floors; cluster outlines are redrawn as the union of
  ``min_cell_size_m`` cells holding their incidents, so no vertex or arc centre
  sits on an incident's location.

Analysts (record-level access) get ``None``: no rule, every count as computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from hotspots.errors import InvalidParameterError

__all__ = [
    "SENSITIVE_FLAGS",
    "Disclosure",
    "check_layer_parameters",
    "disclose_change",
    "disclose_features",
    "disclose_locations",
    "located_incidents",
    "shown_count",
]

#: Flags whose incidents are sensitive (public callers never see them at all).
SENSITIVE_FLAGS: tuple[str, ...] = ("domestic_abuse", "sexual_offence", "hate_crime")


@dataclass(frozen=True)
class Disclosure:
    """What one role below analyst may see (see the module docs for the rule)."""

    role: str
    min_count: int = 3  # any aggregate of fewer incidents is withheld
    sensitive_min_count: int = 5  # ... or of fewer, if it holds a sensitive one
    min_cell_size_m: float = 100.0  # finest grid cell, and cluster outline cells
    min_bandwidth_m: float = 200.0  # narrowest KDE radius
    min_eps_m: float = 100.0  # narrowest DBSCAN radius

    def threshold(self, sensitive: bool) -> int:
        """The smallest count shown for an aggregate (with a sensitive incident)."""
        return self.sensitive_min_count if sensitive else self.min_count

    def describe(self) -> dict[str, Any]:
        """The rule as a layer's ``parameters`` report it."""
        return {
            "role": self.role,
            "min_count": self.min_count,
            "sensitive_min_count": self.sensitive_min_count,
            "min_cell_size_m": self.min_cell_size_m,
            "min_bandwidth_m": self.min_bandwidth_m,
            "min_eps_m": self.min_eps_m,
            "rule": (
                f"counts below {self.min_count} (below {self.sensitive_min_count} "
                "when they include a domestic abuse, sexual offence or hate crime "
                "incident) are withheld: cells keep their statistic with n null, "
                "clusters and locations are left out; cluster outlines are drawn "
                f"as {self.min_cell_size_m:g} m cells"
            ),
        }


def shown_count(
    count: int, rule: Disclosure | None, *, sensitive: bool = False
) -> int | str:
    """A count as a table shows it: "fewer than K" for 1 to K-1 under a rule."""
    if rule is None or count <= 0:
        return int(count)
    k = rule.threshold(sensitive)
    return f"fewer than {k}" if count < k else int(count)


#: Parameter floors per method: (parameter, Disclosure attribute, what it is).
_FLOORS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "grid": (("cell_size_m", "min_cell_size_m", "cell size"),),
    "gistar": (("cell_size_m", "min_cell_size_m", "cell size"),),
    "kde": (
        ("cell_size_m", "min_cell_size_m", "cell size"),
        ("bandwidth_m", "min_bandwidth_m", "KDE radius"),
    ),
    "dbscan": (("eps_m", "min_eps_m", "cluster radius"),),
}
#: Parameters that set the fewest incidents a cluster may hold.
_CLUSTER_SIZES = {"dbscan": "min_samples", "hdbscan": "min_cluster_size"}


def check_layer_parameters(
    method: str, parameters: Mapping[str, Any], rule: Disclosure | None
) -> dict[str, Any]:
    """``parameters`` with the role's floors applied; 422-style error if one is
    asked below a floor (naming the parameter, the floor and the role)."""
    params = dict(parameters)
    if rule is None:
        return params
    method = method.lower()
    for name, attribute, what in _FLOORS.get(method, ()):
        floor = float(getattr(rule, attribute))
        value = params.get(name)
        if value is not None and float(value) < floor:
            raise InvalidParameterError(
                f"{name}={float(value):g} is finer than the {floor:g} m {what} the "
                f"{rule.role} role may see; ask for {name} >= {floor:g} (analysts "
                "may ask for finer)"
            )
    if method in ("grid", "gistar", "kde"):
        given = params.get("min_cell_size_m")
        if given is not None and float(given) < rule.min_cell_size_m:
            raise InvalidParameterError(
                f"min_cell_size_m={float(given):g} is below the "
                f"{rule.min_cell_size_m:g} m the {rule.role} role may see"
            )
        params["min_cell_size_m"] = max(float(given or 0), rule.min_cell_size_m)
    size = _CLUSTER_SIZES.get(method)
    asked = params.get(size) if size else None
    if asked is not None and int(asked) < rule.min_count:
        raise InvalidParameterError(
            f"{size}={asked} is below {rule.min_count}, the fewest incidents the "
            f"{rule.role} role may see in a cluster"
        )
    return params


def _sensitive_mask(points: pd.DataFrame) -> np.ndarray:
    """True for the incidents with a sensitive flag (or a ``sensitive`` column)."""
    mask = np.zeros(len(points), dtype=bool)
    for flag in (*SENSITIVE_FLAGS, "sensitive"):
        if flag in points.columns:
            mask |= points[flag].to_numpy(dtype=bool)
    return mask


def _sensitive_per_feature(
    geometries: np.ndarray, points: gpd.GeoDataFrame
) -> np.ndarray:
    """How many sensitive incidents lie in (or on the edge of) each feature."""
    counts = np.zeros(len(geometries), dtype=np.int64)
    sensitive = points.geometry.to_numpy()[_sensitive_mask(points)]
    if len(sensitive) and len(geometries):
        tree = shapely.STRtree(geometries)
        _, feature = tree.query(sensitive, predicate="intersects")
        counts += np.bincount(feature, minlength=len(geometries))
    return counts


def _cell_outline(
    geometries: np.ndarray, points: gpd.GeoDataFrame, cell_m: float
) -> list[shapely.Geometry]:
    """Each polygon redrawn as the union of the ``cell_m`` cells holding its points."""
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    tree = shapely.STRtree(points.geometry.to_numpy())
    outlines = []
    for geometry in geometries:
        inside = tree.query(geometry, predicate="intersects")
        cells = np.unique(np.floor(xy[inside] / cell_m), axis=0)
        if len(cells) == 0:  # no incident inside (clipped away): its middle's cell
            middle = shapely.get_coordinates(shapely.point_on_surface(geometry))
            cells = np.floor(middle / cell_m)
        boxes = shapely.box(
            cells[:, 0] * cell_m,
            cells[:, 1] * cell_m,
            (cells[:, 0] + 1) * cell_m,
            (cells[:, 1] + 1) * cell_m,
        )
        outlines.append(shapely.union_all(boxes, grid_size=0.01))
    return outlines


#: Columns that are counts, withheld together (a KDE density is smoothed: kept).
_COUNT_COLUMNS = ("n", "w", "weight")


def disclose_features(
    features: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    rule: Disclosure | None,
    *,
    method: str,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """A layer's features (BNG) as ``rule`` lets them be seen, and what was withheld.

    ``points`` are the incidents the layer was computed from (BNG, with flag
    columns): they tell which features hold a sensitive incident and where a
    cluster's incidents lie. Cells (features with ``cell_id``) keep their place
    and statistic with their counts null; clusters are left out or redrawn.
    """
    if rule is None:
        return features, {"role": "analyst", "rule": "none: record-level access"}
    report = rule.describe()
    if features.empty:
        return features, report | {"features_withheld": 0}
    threshold = _thresholds(features, points, rule)
    n = features["n"].to_numpy(dtype=float)
    small = (n > 0) & (n < threshold)
    out = features.copy()
    if "cell_id" in features.columns:
        columns = [c for c in _COUNT_COLUMNS if c in out.columns]
        for column in columns:  # object columns: ints stay ints, withheld is None
            values = out[column].to_numpy().astype(object)
            values[small] = None
            out[column] = values
        withheld = {"features_withheld": 0, "counts_withheld": int(small.sum())}
        return out, report | withheld
    out = out[~small]
    outlines = _cell_outline(out.geometry.to_numpy(), points, rule.min_cell_size_m)
    out = out.set_geometry(gpd.GeoSeries(outlines, index=out.index, crs=out.crs))
    return out, report | {"features_withheld": int(small.sum()), "counts_withheld": 0}


def _thresholds(
    features: gpd.GeoDataFrame, points: gpd.GeoDataFrame, rule: Disclosure
) -> np.ndarray:
    """Per feature: the smallest count it may show (higher with a sensitive one)."""
    sensitive = _sensitive_per_feature(features.geometry.to_numpy(), points)
    return np.where(sensitive > 0, rule.sensitive_min_count, rule.min_count)


#: A change layer's columns that give its two counts away.
_CHANGE_COLUMNS = ("n_before", "n_after", "change", "ratio", "p", "q")


def disclose_change(
    cells: gpd.GeoDataFrame, points: gpd.GeoDataFrame, rule: Disclosure | None
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Change-between-periods cells (BNG) as ``rule`` lets them be seen.

    A cell with fewer incidents in both periods together than the threshold is
    left out; where either period's count is below it, both counts and what
    gives them away (change, ratio, p, q) are withheld, while the direction
    and significance stay.
    """
    if rule is None:
        return cells, {"role": "analyst", "rule": "none: record-level access"}
    report = rule.describe()
    if cells.empty:
        return cells, report | {"features_withheld": 0, "counts_withheld": 0}
    threshold = _thresholds(cells, points, rule)
    before = cells["n_before"].to_numpy()
    after = cells["n_after"].to_numpy()
    dropped = before + after < threshold
    small = ((before > 0) & (before < threshold)) | ((after > 0) & (after < threshold))
    out = cells.copy()
    for column in [c for c in _CHANGE_COLUMNS if c in out.columns]:
        values = out[column].to_numpy().astype(object)
        values[small] = None
        out[column] = values
    out = out[~dropped]
    return out, report | {
        "features_withheld": int(dropped.sum()),
        "counts_withheld": int((small & ~dropped).sum()),
    }


def disclose_locations(
    located: pd.DataFrame, frame: pd.DataFrame, rule: Disclosure | None
) -> pd.DataFrame:
    """Counts per location (``incidents_per_location``) as ``rule`` lets them be seen.

    A location needs ``min_count`` incidents (``sensitive_min_count`` if one is
    sensitive) to be shown at all; within it, a theme counted fewer times than
    ``min_count`` is folded into ``"other themes"`` (itself withheld when still
    below the threshold), so no breakdown shows a 1 or a 2.
    """
    if rule is None or located.empty:
        return located
    sensitive_at: set[tuple[float, float]] = set()
    mask = _sensitive_mask(frame)
    if mask.any():
        sensitive_at = set(
            zip(frame.loc[mask, "easting"], frame.loc[mask, "northing"], strict=True)
        )
    keys = list(zip(located["easting"], located["northing"], strict=True))
    threshold = np.array(
        [rule.threshold(k in sensitive_at) for k in keys], dtype=np.int64
    )
    keep = located["n"].to_numpy() >= threshold
    out = located[keep].reset_index(drop=True)
    withheld = int(located.loc[~keep, "n"].sum()) + located.attrs.get("withheld", 0)
    out["themes"] = [_fold(themes, rule.min_count) for themes in out["themes"]]
    out.attrs["withheld"] = withheld
    return out


def located_incidents(frame: pd.DataFrame, rule: Disclosure | None) -> pd.DataFrame:
    """Incidents counted per location, as ``rule`` lets them be seen."""
    from hotspots.summaries import incidents_per_location

    min_count = 1 if rule is None else rule.min_count
    located = incidents_per_location(frame, min_count=min_count)
    return disclose_locations(located, frame, rule)


def _fold(themes: Mapping[str, int], k: int) -> dict[str, int]:
    """Themes counted at least ``k`` times; the rest as "other themes" if >= k."""
    shown = {t: c for t, c in themes.items() if c >= k}
    rest = sum(c for t, c in themes.items() if c < k)
    if rest >= k:
        shown["other themes"] = rest
    return shown
