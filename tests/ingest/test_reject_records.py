"""Rejected rows' JSON records: built column by column in Arrow, the same text as
``json.dumps`` of each row's non-empty fields."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.ingest import _RECORD_FIELDS, _records
from hotspots.readers.policeuk import read_police_uk
from tests.conftest import MONTHLY_FILES


def reference(frame: pd.DataFrame) -> list[str]:
    """Each row's non-empty fields (not "" or NaN) as ``json.dumps`` writes them."""
    out = []
    for row in frame.to_dict(orient="records"):
        kept = {
            k: v for k, v in row.items()
            if not (v == "" or (isinstance(v, float) and math.isnan(v)))
        }  # fmt: skip
        out.append(json.dumps(kept, ensure_ascii=False))
    return out


def test_real_police_uk_rows() -> None:
    raw = read_police_uk(MONTHLY_FILES[0].read_bytes())
    frame = raw.reindex(columns=list(_RECORD_FIELDS))[:3000]
    assert _records(frame) == reference(frame)


texts = st.one_of(
    st.just(""), st.none(), st.text(max_size=8),
    st.sampled_from(['St Mary\'s "Road"', "a\\b", "tab\there", "é", "\x1f", "  "]),
)  # fmt: skip
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 0.0, 1e-7, 1e22, -1.145148, 50.812345]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(texts, numbers, texts), min_size=1, max_size=30))
def test_any_values(rows: list[tuple[str | None, float, str | None]]) -> None:
    frame = pd.DataFrame(
        {
            "source_id": pd.Series([r[0] for r in rows], dtype="str"),
            "lon": np.array([r[1] for r in rows], dtype="float64"),
            "town": pd.Series([r[2] for r in rows], dtype="str"),
        }
    ).reindex(columns=list(_RECORD_FIELDS))
    frame = frame.astype({c: "str" for c in frame if frame[c].dtype == object})
    assert _records(frame) == reference(frame)
