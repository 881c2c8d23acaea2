"""The faster read and fingerprint paths give what the plain ones gave (issue 14)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import IngestError
from hotspots.fingerprint import record_fingerprints
from hotspots.readers.policeuk import read_police_uk
from hotspots.readers.raw import empty_raw, finish_raw
from hotspots.readers.text import to_utf8

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)
FORCE = "Hampshire Constabulary,Hampshire Constabulary"


def _plain_fingerprints(keys: list[str], by_source_id: list[bool]) -> list[int]:
    """The ids as first specified: BLAKE2b-64 of ``key␞ordinal``."""
    seen: dict[str, int] = {}
    ids = []
    for key, has_id in zip(keys, by_source_id, strict=True):
        ordinal = seen.get(key, 0)
        seen[key] = ordinal + 1
        text = f"{key}\x1e{0 if has_id else ordinal}".encode()
        digest = hashlib.blake2b(text, digest_size=8).digest()
        ids.append(int.from_bytes(digest, "big", signed=True))
    return ids


def test_fingerprints_match_the_plain_formula() -> None:
    keys = ["a", "b", "a", "", "a", "é\x1f", "b", "", "é\x1f"] * 40_000
    by_id = [key == "b" for key in keys]
    ids = record_fingerprints(pd.Series(keys, dtype=str), np.array(by_id))
    assert ids.tolist() == _plain_fingerprints(keys, by_id)


def test_utf8_check_accepts_text_and_names_the_first_bad_byte() -> None:
    assert to_utf8("Café, Ōsaka\n".encode(), "x.csv") == "Café, Ōsaka\n".encode()
    assert to_utf8(b"plain ascii\n", "x.csv") == b"plain ascii\n"
    for bad, offset in ((b"ok\ncaf\xe9\n", 6), (b"\xed\xa0\x80", 0), (b"a\xc3", 1)):
        with pytest.raises(IngestError, match=f"byte offset {offset}"):
            to_utf8(bad, "x.csv")


def test_finish_raw_strips_only_what_needs_it_and_leaves_its_input() -> None:
    frame = empty_raw(2)
    frame["category"] = [" Drugs", "Burglary\x1f"]
    frame["town"] = ["Portsmouth", "Fareham"]
    raw = finish_raw(frame)
    assert raw["category"].tolist() == ["Drugs", "Burglary"]
    assert raw["town"].tolist() == ["Portsmouth", "Fareham"]
    assert frame["category"].tolist() == [" Drugs", "Burglary\x1f"]


def test_record_keys_keep_file_order_and_are_stripped() -> None:
    rows = [
        f"id1,2017-02,{FORCE},-1.09,50.8,On or near X,E01017112,Portsmouth 001A,"
        "Drugs,,\n",
        f",2017-02,{FORCE},-1.09,50.8,On or near Y,E01017112,Portsmouth 001A,"
        "Anti-social behaviour,,\n",
        f"id2 ,2017-03,{FORCE},-1.08,50.7,On or near Z,E01017113,Portsmouth 002A,"
        "Burglary,,\n",
    ]
    raw = read_police_uk((HEADER + "".join(rows)).encode())
    assert raw["record_key"].tolist() == [
        "police.uk\x1fid1",
        "police.uk\x1f\x1f2017-02\x1fHampshire Constabulary\x1f-1.09\x1f50.8"
        "\x1fOn or near Y\x1fE01017112\x1fAnti-social behaviour",
        "police.uk\x1fid2",
    ]
