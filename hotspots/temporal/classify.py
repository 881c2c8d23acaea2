"""sfhotspot's ``hotspot_classify`` classes: persistent, emerging, former,
intermittent (hot and cold; "mixed" when both).

Gi* per period (spatial neighbours only, each period its own mean and SD);
two-sided p; each cell's p-values across periods Holm-adjusted (what
``p.adjust(method = NULL)`` resolves to); significant if ``p < critical_p``.
With ``T`` periods, ``recent = max(1, floor(recent_prop * T))`` last ones:

- persistent: significant in >= ``persistent_prop`` of all periods;
- emerging: < ``hotspot_prop`` of older periods and >= ``recent_prop`` of
  recent ones (sfhotspot's code uses ``recent_prop``, its docs
  ``hotspot_prop``);
- former: >= ``hotspot_prop`` of older periods, < ``hotspot_prop`` of recent;
- intermittent: >= ``hotspot_prop`` of all periods; else no pattern.

Defaults as sfhotspot 1.0.0: 0.1, 0.8, 0.2, 0.05.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from hotspots.analysis.gistar import gistar_grid, neighbour_offsets
from hotspots.errors import InvalidParameterError

__all__ = ["SF_CLASSES", "holm", "sfhotspot_classify"]

SF_CLASSES = ("persistent", "emerging", "former", "intermittent")


def holm(p: NDArray) -> NDArray[np.float64]:
    """Holm-adjusted p-values along the last axis (NaN: not a test)."""
    p = np.asarray(p, dtype="float64")
    filled = np.where(np.isnan(p), np.inf, p)
    order = np.argsort(filled, axis=-1, kind="stable")
    srt = np.take_along_axis(filled, order, axis=-1)
    m = (~np.isnan(p)).sum(axis=-1, keepdims=True)
    factor = m - np.arange(p.shape[-1])
    adj = np.maximum.accumulate(np.minimum(srt * factor, 1.0), axis=-1)
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=-1)
    return np.where(np.isnan(p), np.nan, out)


def _side(sig: NDArray[np.bool_], recent: int, props: tuple[float, float, float]):
    hotspot_prop, persistent_prop, recent_prop = props
    t_n = sig.shape[0]
    old, new = sig[: t_n - recent], sig[t_n - recent :]
    share = sig.mean(axis=0)
    old_share = old.mean(axis=0) if old.shape[0] else np.zeros(sig.shape[1])
    new_share = new.mean(axis=0)
    out = np.full(sig.shape[1], "", dtype=object)
    rules = [
        ("intermittent", share >= hotspot_prop),
        ("former", (old_share >= hotspot_prop) & (new_share < hotspot_prop)),
        ("emerging", (old_share < hotspot_prop) & (new_share >= recent_prop)),
        ("persistent", share >= persistent_prop),
    ]
    for name, rule in rules:  # later rules win: persistent is tested first
        out[rule] = name
    return out


def sfhotspot_classify(
    cube: NDArray,
    mask: NDArray[np.bool_],
    cell_size_m: float,
    *,
    distance_m: float | None = None,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    critical_p: float = 0.05,
) -> tuple[NDArray[np.object_], NDArray[np.float64], dict[str, object]]:
    """Class per cell in the mask, per-period z ``(periods, cells)``, parameters.

    Classes: "persistent hotspot", "emerging coldspot", ..., "mixed
    hotspot/coldspot" or "no pattern".
    """
    cube = np.asarray(cube, dtype="float64")
    if cube.ndim != 3 or cube.shape[0] < 2:
        raise InvalidParameterError("hotspot_classify needs >= 2 periods")
    d = distance_m or cell_size_m * math.sqrt(2)
    offsets = neighbour_offsets(cell_size_m, d)
    z = np.stack([gistar_grid(s, mask, offsets)[0][mask] for s in cube])
    p = holm((2.0 * stats.norm.sf(np.abs(z))).T).T
    sig = np.nan_to_num(p, nan=1.0) < critical_p
    recent = max(1, math.floor(recent_prop * cube.shape[0]))
    props = (hotspot_prop, persistent_prop, recent_prop)
    hot = _side(sig & (z > 0), recent, props)
    cold = _side(sig & (z < 0), recent, props)
    label = np.full(hot.shape, "no pattern", dtype=object)
    label[hot != ""] = hot[hot != ""] + " hotspot"
    label[cold != ""] = cold[cold != ""] + " coldspot"
    label[(hot != "") & (cold != "")] = "mixed hotspot/coldspot"
    params: dict[str, object] = {
        "cell_size_m": float(cell_size_m),
        "distance_m": float(d),
        "hotspot_prop": hotspot_prop,
        "persistent_prop": persistent_prop,
        "recent_prop": recent_prop,
        "critical_p": critical_p,
        "recent_periods": recent,
        "p_adjust": "holm, per cell across periods",
    }
    return label, z, params
