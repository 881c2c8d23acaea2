"""Who may see what: roles and the disclosure rules that follow from them.

Incident data is sensitive. Raw points, and small counts of sensitive
categories (domestic abuse, sexual offences, hate crime), must never reach
people who may not see them. Every output path asks :func:`policy_for` what the
caller's role allows, so a new output cannot forget the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotspots.disclosure import SENSITIVE_FLAGS, Disclosure
from hotspots.errors import UnknownMethodError

__all__ = ["SENSITIVE_FLAGS", "AccessPolicy", "Role", "parse_role", "policy_for"]


class Role(StrEnum):
    """Roles, from least to most trusted."""

    PUBLIC = "public"  # anyone: aggregates only, sensitive incidents excluded
    PARTNER = "partner"  # CSP partners under the data-sharing agreement
    ANALYST = "analyst"  # partnership analysts: everything, incl. record level


@dataclass(frozen=True)
class AccessPolicy:
    """What one role may see."""

    role: Role
    excluded_flags: tuple[str, ...]  # incidents with these flags are left out
    disclosure: Disclosure | None  # the disclosure rule; None: sees every count
    record_level: bool  # may read individual incident records
    ingest_history: bool  # may list the ingested files (names, row counts)

    @property
    def min_location_count(self) -> int:
        """Fewest incidents a published location may hold (1: no rule)."""
        return 1 if self.disclosure is None else self.disclosure.min_count


_POLICIES = {
    Role.PUBLIC: AccessPolicy(
        Role.PUBLIC, SENSITIVE_FLAGS, Disclosure("public"), False, False
    ),
    Role.PARTNER: AccessPolicy(
        Role.PARTNER,
        (),
        Disclosure(
            "partner", min_cell_size_m=50.0, min_bandwidth_m=100.0, min_eps_m=50.0
        ),
        False,
        False,
    ),
    Role.ANALYST: AccessPolicy(Role.ANALYST, (), None, True, True),
}


def parse_role(name: str) -> Role:
    """The role called ``name``, or an error listing the valid ones."""
    try:
        return Role(name.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise UnknownMethodError(f"unknown role {name!r}; valid: {valid}") from None


def policy_for(role: Role) -> AccessPolicy:
    """The disclosure rules for ``role``."""
    return _POLICIES[role]
