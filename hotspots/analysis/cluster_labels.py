"""Cluster labels of incidents, computed on their distinct locations.

Police.uk incidents are snapped to a limited set of map points, so a million
incidents may sit on twenty thousand distinct locations.  Both density methods
here run on the distinct locations, each weighted by its incident count (or summed
harm weight), and give every incident the label of its location:

* DBSCAN: the exact grid method of :mod:`hotspots.analysis.dbscan_grid` with
  the weights as sample weights (a location of weight ``w`` counts ``w`` times
  towards ``min_samples``): labels equal scikit-learn's
  :class:`~sklearn.cluster.DBSCAN` with ``sample_weight``, numbering included.
  This is exactly DBSCAN on all incidents: coincident incidents are within
  ``eps`` of each other and share every neighbourhood.  Memory is O(locations).
* HDBSCAN: :func:`~hotspots.analysis.weighted_hdbscan.weighted_hdbscan`, which
  is O(m²) in time (7-11 s at 50,000) and O(m) in memory for ``m`` locations.
  Above :data:`MAX_HDBSCAN_LOCATIONS`
  locations are first merged onto the finest grid in :data:`SNAP_CELLS_M` that
  brings them under the limit (each cell at the count-weighted mean of its
  locations); if even the coarsest grid is too fine the run is refused.

Labels are numbered in rank order: label 0 is the cluster with the most incidents
(or the largest weight, when ranking by weight), ties going to the cluster whose
first location (smallest easting, then northing) comes first.  ``-1`` is noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspots.analysis import cost as _cost
from hotspots.analysis.dbscan_grid import GridDBSCAN
from hotspots.analysis.weighted_hdbscan import weighted_hdbscan
from hotspots.errors import InvalidParameterError

__all__ = [
    "MAX_HDBSCAN_LOCATIONS",
    "SNAP_CELLS_M",
    "Locations",
    "dbscan_labels",
    "dbscan_location_labels",
    "hdbscan_labels",
    "hdbscan_location_labels",
    "rank_labels",
]

#: Most distinct locations HDBSCAN clusters directly (7-11 s, O(m²) time);
#: the square root of the work budget (see :mod:`hotspots.analysis.cost`).
MAX_HDBSCAN_LOCATIONS = _cost.MAX_HDBSCAN_LOCATIONS
#: Grid cell sizes (metres) tried, finest first, above that limit.
SNAP_CELLS_M = (10.0, 20.0, 25.0, 50.0, 100.0)


@dataclass(frozen=True)
class Locations:
    """Distinct locations of incidents, sorted by easting then northing.

    Attributes
    ----------
    xy : ndarray of shape (m, 2)
        Distinct coordinates (metres); equal coordinates are merged exactly.
    inverse : ndarray of shape (n,)
        Index into ``xy`` of every incident, in input order.
    count : ndarray of shape (m,)
        Incidents on each location.
    weight : ndarray of shape (m,)
        Summed incident weight on each location (``count`` when unweighted).
    """

    xy: NDArray[np.float64]
    inverse: NDArray[np.intp]
    count: NDArray[np.int64]
    weight: NDArray[np.float64]

    @classmethod
    def from_xy(cls, xy: ArrayLike, weights: ArrayLike | None = None) -> Locations:
        """Group incident coordinates ``xy`` (n, 2) and optional weights (n,)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        ordered = xy[order]
        first = np.ones(len(xy), dtype=bool)
        first[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
        group = np.cumsum(first) - 1
        inverse = np.empty(len(xy), dtype=np.intp)
        inverse[order] = group
        count = np.bincount(group, minlength=int(first.sum())).astype(np.int64)
        if weights is None:
            weight = count.astype(np.float64)
        else:
            w = np.asarray(weights, dtype=np.float64)
            weight = np.bincount(inverse, weights=w, minlength=len(count))
        return cls(ordered[first], inverse, count, weight)

    def __len__(self) -> int:
        return len(self.xy)

    def snapped(self, cell_m: float) -> tuple[Locations, NDArray[np.intp]]:
        """Merge locations onto a grid of ``cell_m`` metre cells.

        Returns the cells as :class:`Locations` (each at the count-weighted mean
        of its locations; ``inverse`` maps this object's locations to cells) and
        that same map.
        """
        cells = Locations.from_xy(np.floor(self.xy / cell_m))
        to_cell = cells.inverse
        count = np.bincount(to_cell, weights=self.count, minlength=len(cells))
        mean = np.column_stack(
            [
                np.bincount(to_cell, weights=self.count * self.xy[:, i]) / count
                for i in (0, 1)
            ]
        )
        weight = np.bincount(to_cell, weights=self.weight, minlength=len(cells))
        merged = Locations(mean, to_cell, count.astype(np.int64), weight)
        return merged, to_cell


def rank_labels(
    labels: NDArray[np.intp], loc: Locations, *, by_weight: bool = False
) -> NDArray[np.intp]:
    """Renumber location labels so that 0 has the most incidents (or weight).

    Ties go to the cluster with the smallest first location index, which makes
    the numbering a function of the locations alone, not of input order.
    """
    clustered = labels >= 0
    k = int(labels.max()) + 1 if clustered.any() else 0
    size = loc.weight if by_weight else loc.count.astype(np.float64)
    total = np.bincount(labels[clustered], weights=size[clustered], minlength=k)
    first = np.full(k, len(labels), dtype=np.intp)
    np.minimum.at(first, labels[clustered], np.flatnonzero(clustered))
    order = np.lexsort((first, -total))
    new = np.empty(k, dtype=np.intp)
    new[order] = np.arange(k)
    out = np.full(len(labels), -1, dtype=np.intp)
    out[clustered] = new[labels[clustered]]
    return out


def dbscan_location_labels(
    loc: Locations, *, eps_m: float, min_samples: int
) -> NDArray[np.intp]:
    """Weighted DBSCAN label of each distinct location (unranked, ``-1`` = noise),
    by the exact grid method (its cost is checked by the caller)."""
    return GridDBSCAN(loc.xy, loc.weight, eps_m).labels(min_samples)


def _snap_cell(loc: Locations, max_locations: int) -> float | None:
    """Finest grid cell (metres) bringing ``loc`` under ``max_locations``."""
    if len(loc) <= max_locations:
        return None
    for cell_m in SNAP_CELLS_M:
        cells = len(np.unique(np.floor(loc.xy / cell_m), axis=0))
        if cells <= max_locations:
            return cell_m
    raise InvalidParameterError(
        f"{len(loc):,} distinct locations fill {cells:,} cells of "
        f"{SNAP_CELLS_M[-1]:g} m, above the HDBSCAN limit of {max_locations:,}; "
        "use dbscan or a smaller area"
    )


def hdbscan_location_labels(
    loc: Locations,
    *,
    min_cluster_size: float,
    min_samples: float,
    resolution_m: float,
    snap_m: float | None = None,
    max_locations: int = MAX_HDBSCAN_LOCATIONS,
) -> tuple[NDArray[np.intp], float | None]:
    """Weighted HDBSCAN* label of each distinct location (unranked).

    Parameters
    ----------
    loc : Locations
        Distinct locations with their weights.
    min_cluster_size, min_samples : float
        In weight units (incidents when unweighted).
    resolution_m : float
        Floor for core distances (metres).
    snap_m : float, optional
        Grid cell (metres) to merge locations on first; by default none, or the
        finest of :data:`SNAP_CELLS_M` that brings them under ``max_locations``.
    max_locations : int
        Most locations clustered without snapping.

    Returns
    -------
    labels : ndarray of shape (m,)
    snap_m : float or None
        The grid cell actually used.

    Raises
    ------
    InvalidParameterError
        If ``min_samples`` exceeds the total weight, or the locations do not fit
        under ``max_locations`` even on the coarsest grid.
    """
    total = float(loc.weight.sum())
    if not total >= min_samples:
        raise InvalidParameterError(
            f"min_samples={min_samples:g} exceeds the total weight {total:g} "
            "of the incidents"
        )
    if snap_m is None:
        snap_m = _snap_cell(loc, max_locations)
    if snap_m is None:
        target, to_target = loc, np.arange(len(loc))
    else:
        target, to_target = loc.snapped(snap_m)
    labels = weighted_hdbscan(
        target.xy,
        target.weight,
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        resolution_m=resolution_m,
    )
    return labels[to_target], snap_m


def dbscan_labels(
    xy: ArrayLike,
    *,
    eps_m: float,
    min_samples: int,
    weights: ArrayLike | None = None,
) -> NDArray[np.intp]:
    """DBSCAN label of every incident, run on distinct locations (rank order).

    Parameters
    ----------
    xy : array_like of shape (n, 2)
        Incident coordinates in metres.
    eps_m : float
        Neighbourhood radius in metres.
    min_samples : int
        Incidents (or weight) needed within ``eps_m`` for a core point.
    weights : array_like of shape (n,), optional
        Incident weights (each incident counts ``weight`` times).

    Returns
    -------
    ndarray of shape (n,)
        ``0`` for the largest cluster, ``1`` for the next, ..., ``-1`` for noise.
    """
    loc = Locations.from_xy(xy, weights)
    labels = dbscan_location_labels(loc, eps_m=eps_m, min_samples=min_samples)
    return rank_labels(labels, loc, by_weight=weights is not None)[loc.inverse]


def hdbscan_labels(
    xy: ArrayLike,
    *,
    min_cluster_size: float,
    min_samples: float | None = None,
    resolution_m: float = 0.0,
    weights: ArrayLike | None = None,
) -> NDArray[np.intp]:
    """HDBSCAN* label of every incident, run on distinct locations (rank order).

    ``min_samples`` defaults to ``min_cluster_size`` as in scikit-learn, and
    ``resolution_m`` to 0 (plain HDBSCAN*).  See :func:`dbscan_labels`.
    """
    loc = Locations.from_xy(xy, weights)
    ms = min_cluster_size if min_samples is None else min_samples
    labels, _ = hdbscan_location_labels(
        loc,
        min_cluster_size=min_cluster_size,
        min_samples=ms,
        resolution_m=resolution_m,
    )
    return rank_labels(labels, loc, by_weight=weights is not None)[loc.inverse]
