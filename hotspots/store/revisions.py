"""Schema revisions: which one the code needs, and the check made on opening a store.

Migrations live in ``hotspots/store/migrations`` (Alembic, one history for
SQLite and PostGIS). Opening a store reads the revision recorded in the
database's ``alembic_version`` table and refuses a database that is behind
(or ahead of) this code, naming the command that fixes it: a shared database
is never migrated as a side effect of starting a process. These constants let
that check run without importing Alembic or SQLAlchemy (a test keeps them
equal to the migration history).
"""

from __future__ import annotations

from hotspots.errors import StoreError

__all__ = [
    "BASE_REVISION",
    "HEAD_REVISION",
    "REVISIONS",
    "SchemaVersionError",
    "require_head",
]

#: Every revision, oldest first. ``0001`` is the schema the SQLite store
#: created before migrations existed (a file without ``alembic_version`` is
#: taken to be at it).
REVISIONS: tuple[str, ...] = ("0001", "0002")
BASE_REVISION = REVISIONS[0]
HEAD_REVISION = REVISIONS[-1]


class SchemaVersionError(StoreError):
    """The database's schema is not the revision this code needs."""


def require_head(found: str | None, where: str) -> None:
    """Raise :class:`SchemaVersionError` unless ``found`` is the head revision.

    ``where`` names the database in the message (never with its password).
    """
    if found == HEAD_REVISION:
        return
    if found is None:
        raise SchemaVersionError(
            f"{where} has no hotspots schema; create it with `hotspots db upgrade` "
            "(same HOTSPOTS_DATABASE_URL)"
        )
    if found in REVISIONS:
        raise SchemaVersionError(
            f"{where} has schema revision {found}, this code needs {HEAD_REVISION}; "
            "run `hotspots db upgrade` (back up a shared database first; every "
            "process using it should run the new code afterwards)"
        )
    raise SchemaVersionError(
        f"{where} has schema revision {found!r}, unknown to this code (newest "
        f"known: {HEAD_REVISION}); it was upgraded by a newer hotspots: "
        "upgrade this installation"
    )
