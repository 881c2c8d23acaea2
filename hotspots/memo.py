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
    """Thread-safe LRU: ``get(name, args, version, compute)``; ``peek`` and
    ``put`` look up and keep an answer made elsewhere."""

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def holds(self, name: str, args: dict[str, Any], version: int) -> bool:
        """True if the answer for ``args`` on data ``version`` is kept."""
        with self._lock:
            return _key(name, args, version) in self._entries

    def peek(self, name: str, args: dict[str, Any], version: int) -> Any | None:
        """The answer kept for ``args`` on data ``version``, or None."""
        with self._lock:
            return self._hit(_key(name, args, version))

    def put(self, name: str, args: dict[str, Any], version: int, value: Any) -> None:
        """Keep ``value`` as the answer for ``args`` on data ``version``."""
        self._keep(_key(name, args, version), value)

    def get(
        self, name: str, args: dict[str, Any], version: int, compute: Callable[[], T]
    ) -> T:
        """The answer for ``args`` on data ``version``, computed when missing."""
        key = _key(name, args, version)
        with self._lock:
            if key in self._entries:
                return self._hit(key)  # type: ignore[no-any-return]
        value = compute()
        self._keep(key, value)
        return value

    def _hit(self, key: str) -> Any | None:
        """The entry under ``key`` (None if missing), marked as used; the lock
        is held by the caller."""
        if key not in self._entries:
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return self._entries[key]

    def _keep(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _key(name: str, args: dict[str, Any], version: int) -> str:
    return json.dumps([name, args, version], sort_keys=True, default=str)
