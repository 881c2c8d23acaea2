"""Who may see what: roles and the disclosure rules that follow from them.

Incident data is sensitive. Raw points, and small counts of sensitive
categories (domestic abuse, sexual offences, hate crime), must never reach
people who may not see them. Every output path asks :func:`policy_for` what the
caller's role allows, so a new output cannot forget the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotspots.errors import UnknownMethodError

__all__ = ["SENSITIVE_FLAGS", "AccessPolicy", "Role", "parse_role", "policy_for"]

#: Flags whose incidents only partners and analysts may see, even aggregated.
SENSITIVE_FLAGS: tuple[str, ...] = ("domestic_abuse", "sexual_offence", "hate_crime")


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
    min_location_count: int  # per-location aggregates below this are withheld
    record_level: bool  # may read individual incident records
    ingest_history: bool  # may list the ingested files (names, row counts)


_POLICIES = {
    Role.PUBLIC: AccessPolicy(Role.PUBLIC, SENSITIVE_FLAGS, 3, False, False),
    Role.PARTNER: AccessPolicy(Role.PARTNER, (), 3, False, False),
    Role.ANALYST: AccessPolicy(Role.ANALYST, (), 1, True, True),
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
