"""``hotspots db``: the store's schema revision, and upgrading it (Alembic).

Opening a PostgreSQL store never changes its schema; these commands do, when
someone runs them (a deployment runs ``hotspots db upgrade`` as its own step).
"""

from __future__ import annotations

from typing import Annotated

import typer

from hotspots.cli import _fail, _out, _PlainHelpCommand, _PlainHelpGroup, _settings
from hotspots.errors import HotspotError

db_app = typer.Typer(
    cls=_PlainHelpGroup,
    help="The store's schema: show its revision, check it, upgrade it.",
    no_args_is_help=True,
)


@db_app.command("upgrade", cls=_PlainHelpCommand)
def upgrade(
    to: Annotated[
        str, typer.Option(metavar="REV", help="Revision to reach (default: newest).")
    ] = "head",
) -> None:
    """Create or upgrade the store's schema (HOTSPOTS_DATABASE_URL)."""
    from hotspots.store.migrate import schema_status
    from hotspots.store.migrate import upgrade as run_upgrade

    url = _settings().store_url()
    try:
        before = schema_status(url)
        after = run_upgrade(url, to)
    except HotspotError as exc:
        _fail(exc)
    if before.revision == after.revision and not before.pre_migrations:
        _out.print(f"{after.where}: schema already at revision {after.revision}")
    else:
        was = before.revision or "empty"
        if before.pre_migrations:
            was += " (stamped: made before migrations)"
        _out.print(f"{after.where}: schema upgraded from {was} to {after.revision}")


@db_app.command("current", cls=_PlainHelpCommand)
def current() -> None:
    """Print the store's schema revision and the one this code needs."""
    from hotspots.store.migrate import schema_status
    from hotspots.store.revisions import HEAD_REVISION

    try:
        status = schema_status(_settings().store_url())
    except HotspotError as exc:
        _fail(exc)
    found = status.revision or "none (no hotspots schema)"
    _out.print(f"{status.where}: revision {found}; this code needs {HEAD_REVISION}")


@db_app.command("check", cls=_PlainHelpCommand)
def check() -> None:
    """Exit 0 if the schema is what this code needs, else 1 saying what to run."""
    from hotspots.store.migrate import schema_status
    from hotspots.store.revisions import SchemaVersionError, require_head

    try:
        status = schema_status(_settings().store_url())
        require_head(status.revision, status.where)
    except SchemaVersionError as exc:
        _out.print(str(exc))
        raise typer.Exit(code=1) from None
    except HotspotError as exc:
        _fail(exc)
    _out.print(f"{status.where}: schema at revision {status.revision} (current)")
