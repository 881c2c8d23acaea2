"""The partnership's priorities: data, figures per priority, co-location, weights.

See ``docs/priorities.md``. Priorities are data (``hotspots/data/priorities.toml``
or an area pack's own); everything here computes from the store and passes
every count through the caller's disclosure rule.
"""

from hotspots.priorities.model import (
    PrioritiesError,
    Priority,
    PriorityBook,
    load_priorities,
    match_frame,
    parse_priorities,
)

__all__ = [
    "PrioritiesError",
    "Priority",
    "PriorityBook",
    "load_priorities",
    "match_frame",
    "parse_priorities",
]
