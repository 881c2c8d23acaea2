"""A small thread-safe LRU of computed answers keyed by their arguments and the
data version they were computed on, so an ingest makes the next ask compute
afresh. Used by the service (api/memo.py) and by layers (trust figures).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


class Memo:
    """Thread-safe LRU: ``get(name, args, version, compute)``."""

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def holds(self, name: str, args: dict[str, Any], version: int) -> bool:
        """True if the answer for ``args`` on data ``version`` is kept."""
        with self._lock:
            return _key(name, args, version) in self._entries

    def get(
        self, name: str, args: dict[str, Any], version: int, compute: Callable[[], T]
    ) -> T:
        """The answer for ``args`` on data ``version``, computed when missing."""
        key = _key(name, args, version)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


def _key(name: str, args: dict[str, Any], version: int) -> str:
    return json.dumps([name, args, version], sort_keys=True, default=str)
