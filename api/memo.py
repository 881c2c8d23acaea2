"""The service's memo of computed answers (:class:`hotspots.memo.Memo`).

Change, emerging and backtest answers cost a fraction of a second to a few
seconds; they are kept until the data changes (the version is in the key),
like :class:`~api.cache.LayerCache` keeps layers. No FastAPI here.
"""

from __future__ import annotations

import threading
from typing import Any

from hotspots.memo import Memo

__all__ = ["Memo", "memo_of"]

_CREATE = threading.Lock()


def memo_of(state: Any, name: str = "memo", max_entries: int = 128) -> Memo:
    """The app's memo ``app.state.<name>`` (default ``memo``), made on first use."""
    with _CREATE:
        memo = getattr(state, name, None)
        if memo is None:
            memo = Memo(max_entries)
            setattr(state, name, memo)
        return memo
