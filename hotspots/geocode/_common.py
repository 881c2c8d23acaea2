"""Helpers shared by the geocoding modules: input coercion and per-unique caching."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["as_series", "is_missing", "map_unique", "object_column"]


def as_series(values: Any, index: pd.Index | None = None) -> pd.Series:
    """Return ``values`` as a Series, keeping a Series' own index.

    Scalars are broadcast to ``index`` (or to a single row when there is none).
    """
    if isinstance(values, pd.Series):
        return values
    if values is None or np.ndim(values) == 0:
        n_rows = 1 if index is None else len(index)
        return pd.Series([values] * n_rows, index=index, dtype=object)
    return pd.Series(values, index=index)


def is_missing(value: object) -> bool:
    """Whether a scalar is missing: None, NaN, NA or a blank string."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def map_unique(
    values: pd.Series, func: Callable[[Any], Hashable | tuple[Any, ...]]
) -> tuple[NDArray[np.intp], list[Any]]:
    """Apply ``func`` once per distinct value of ``values``.

    Returns the code of each row and the list of per-unique results, so a
    million rows with a few thousand distinct values cost a few thousand calls.
    Missing values (None/NaN) share one code and are passed to ``func`` as None.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = [func(value) for value in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(results), codes)
        results.append(func(None))
    return codes, results


def object_column(
    values: list[Any], codes: NDArray[np.intp], index: pd.Index
) -> pd.Series:
    """Expand per-unique results to rows as an object Series (None stays None).

    pandas 3 would otherwise infer its string dtype and turn None into NaN.
    """
    table = np.empty(len(values), dtype=object)
    table[:] = values
    return pd.Series(table[codes], index=index, dtype=object)
