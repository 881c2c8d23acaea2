"""Method registry lookups."""

from __future__ import annotations

import pytest

from hotspots.analysis.gistar import gistar
from hotspots.analysis.grid import grid_counts
from hotspots.analysis.kde import kde
from hotspots.analysis.registry import METHODS, get_method
from hotspots.errors import UnknownMethodError


def test_registered_methods():
    assert METHODS["grid"] is grid_counts
    assert get_method("KDE") is kde
    assert get_method(" gistar ") is gistar


def test_unknown_method_lists_valid_names():
    with pytest.raises(UnknownMethodError) as err:
        get_method("heatmap")
    for name in ("grid", "kde", "gistar"):
        assert name in str(err.value)
