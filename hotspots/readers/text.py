"""Bytes of an input file as UTF-8 text, or a clear refusal naming where not.

The encoding policy (one place for every reader):

* UTF-8 is the default and what data.police.uk publishes; a UTF-8 byte-order
  mark (Excel's "CSV UTF-8") is dropped.
* UTF-16 with a byte-order mark (Excel's "Unicode text", PowerShell's default)
  is decoded.
* Anything else is refused, naming the line, the byte offset and the byte, and
  showing the text as Windows-1252 would read it, because cp1252 and Latin-1
  (and Mac Roman) decode any bytes and cannot be told apart: a guess could
  store wrong street names without a word. A mapping file may declare the
  encoding (``[options] encoding = "cp1252"``) for a source known to use it.
"""

from __future__ import annotations

import codecs

import numpy as np
import pyarrow as pa

from hotspots.errors import IngestError

__all__ = ["MAX_FIELD_BYTES", "line_of", "longest_line", "to_utf8"]

#: A field longer than this is rejected with its row: no incident field
#: (id, category, place, date) comes near it, and a huge one only costs memory.
MAX_FIELD_BYTES = 64 * 1024
_CHUNK = 1 << 22
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig"})


def to_utf8(data: bytes, name: str, encoding: str | None = None) -> bytes:
    """``data`` as UTF-8 bytes without a byte-order mark.

    ``encoding`` is one declared by a mapping file (None: UTF-8, or UTF-16
    when a byte-order mark says so). Raises :class:`IngestError` naming the
    file, line and byte offset of the first byte that cannot be decoded.
    """
    if encoding is not None and codecs.lookup(encoding).name not in _UTF8_NAMES:
        return _transcode(data, name, encoding)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith(_UTF16_BOMS):
        return _transcode(data, name, "utf-16")
    elif len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        raise IngestError(
            f"{name}: looks like UTF-16 without a byte-order mark; "
            "save it again as UTF-8 (Excel: 'CSV UTF-8')"
        )
    bad = _first_invalid_utf8(data)
    if bad is not None:
        raise IngestError(f"{name}: not UTF-8: {_where(data, bad)}; {_HINT}")
    return data


_HINT = (
    "save it again as UTF-8 (Excel: 'CSV UTF-8'), or declare its encoding "
    'in the mapping file\'s [options] (encoding = "cp1252")'
)


def _transcode(data: bytes, name: str, encoding: str) -> bytes:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{name}: not {encoding}: {_where(data, exc.start)}"
        ) from None
    return text.removeprefix("\ufeff").encode("utf-8")


def _first_invalid_utf8(data: bytes) -> int | None:
    """Offset of the first byte that is not UTF-8, or None; read in chunks so
    no copy of a big file is made."""
    if _is_utf8(data):  # the usual case, decided without decoding (~40x faster)
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        try:
            decoder.decode(view[start : start + _CHUNK])
        except UnicodeDecodeError as exc:
            # The decoder may hold a partial character from the last chunk.
            return max(0, start - len(decoder.getstate()[0]) + exc.start)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return len(data) - len(decoder.getstate()[0])
    return None


def _is_utf8(data: bytes) -> bool:
    """True if ``data`` is valid UTF-8: ASCII, or one string Arrow validates
    (both in C, without building Python text the size of the file)."""
    if data.isascii():
        return True
    text = pa.LargeStringArray.from_buffers(
        1, pa.array([0, len(data)], pa.int64()).buffers()[1], pa.py_buffer(data)
    )
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _where(data: bytes, offset: int) -> str:
    """ "byte 0xE9 at line 3 (byte offset 369): 'Caf?' ..." for a message."""
    line = line_of(data, offset)
    start = max(data.rfind(b"\n", 0, offset) + 1, offset - 30)
    end = data.find(b"\n", offset, offset + 30)
    excerpt = data[start : end if end >= 0 else offset + 30]
    as_cp1252 = excerpt.decode("cp1252", errors="replace").rstrip("\r")
    return (
        f"byte 0x{data[offset]:02X} at line {line} (byte offset {offset}), "
        f"which reads {as_cp1252!r} as Windows-1252"
    )


def line_of(data: bytes, offset: int) -> int:
    """The line (1 = first) holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def longest_line(data: bytes) -> int:
    """The length in bytes of the longest line, scanned in chunks."""
    longest, line_start = 0, 0
    for start in range(0, len(data), _CHUNK):
        chunk = np.frombuffer(data, np.uint8, min(_CHUNK, len(data) - start), start)
        ends = np.flatnonzero(chunk == 10) + start
        if len(ends):
            lengths = np.diff(ends, prepend=line_start - 1) - 1
            longest = max(longest, int(lengths.max()))
            line_start = int(ends[-1]) + 1
    return max(longest, len(data) - line_start)
