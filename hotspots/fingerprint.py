"""Stable 64-bit ids for source records, so re-ingesting a file adds nothing.

A record is identified by its source's id when it has one (police.uk Crime ID)
and otherwise by its content; an id given twice in one file is one record.
Identical records without an id inside one file are distinct incidents
(several anonymous ASB reports at one snap point in one month are common), so
each copy also gets its ordinal among identical records. An
overlapping later download therefore matches the copies already stored and adds
only the extra ones.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

__all__ = ["fingerprint_hex", "record_fingerprints"]

#: Records hashed per slice: only this many Python bytes objects live at once
#: (a million of them cost ~0.1 GB at the ingest's peak).
_HASH_ROWS = 65_536


def record_fingerprints(
    record_keys: pd.Series, by_source_id: NDArray[np.bool_] | None = None
) -> NDArray[np.int64]:
    """Signed 64-bit BLAKE2b fingerprint of each (record key, ordinal) pair.

    ``by_source_id`` marks the records keyed by their source's id: a repeated
    id is the same record given twice, not a second incident, so it keeps
    ordinal 0 and the same fingerprint (the store then counts it as a
    duplicate, as when the file is ingested again). Only records keyed by
    their content are numbered among identical copies.
    """
    ordinals = _ordinals(record_keys)
    if by_source_id is not None:
        ordinals[np.asarray(by_source_id, dtype=bool)] = 0
    texts = pc.binary_join_element_wise(
        pa.array(record_keys, type=pa.large_string()),
        pc.cast(pa.array(ordinals), pa.large_string()),
        pa.scalar("\x1e", pa.large_string()),
    )
    texts = texts.cast(pa.large_binary())  # hashed as their UTF-8 bytes
    digests = b"".join(
        _digests(texts.slice(start, _HASH_ROWS))
        for start in range(0, len(texts), _HASH_ROWS)
    )
    return np.frombuffer(digests, dtype=">i8").astype(np.int64)


def _digests(texts: pa.Array) -> bytes:
    """The 8-byte BLAKE2b digests of ``texts``, concatenated.

    Each hash starts as a copy of one fresh 8-byte BLAKE2b state: the same
    digest as ``blake2b(text, digest_size=8)``, without parsing the keyword
    per record (~40% less time per million records).
    """
    fresh = hashlib.blake2b(digest_size=8).copy
    digests = []
    for text in texts.to_pylist():
        state = fresh()
        state.update(text)
        digests.append(state.digest())
    return b"".join(digests)


def _ordinals(keys: pd.Series) -> NDArray[np.int64]:
    """How many identical keys come before each one (0 for a first copy)."""
    codes, n_distinct = _key_codes(keys)
    ordinals = np.zeros(len(codes), dtype=np.int64)
    if n_distinct == len(codes):
        return ordinals
    order = np.argsort(codes, kind="stable")  # file order within each key
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    ordinals[order] = np.arange(len(codes)) - group_start
    return ordinals


def _key_codes(keys: pd.Series) -> tuple[NDArray[np.int64], int]:
    """Each key's code among the distinct keys, and how many there are.

    Arrow's hash table, ~5x faster than pandas' ``factorize`` on a million
    Arrow-backed strings; equal strings share a code either way.
    """
    encoded = pa.array(keys, type=pa.large_string()).dictionary_encode("encode")
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, len(encoded.dictionary)


def fingerprint_hex(ids: pd.Series) -> pd.Series:
    """Stored signed 64-bit ids as 16 hex digits (how the API shows them)."""
    return ids.map(lambda value: f"{int(value) & 0xFFFFFFFFFFFFFFFF:016x}")
