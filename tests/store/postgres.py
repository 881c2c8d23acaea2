"""A throwaway PostgreSQL + PostGIS server for the tests, and fresh databases in it.

Where the server comes from, in order:

1. ``HOTSPOTS_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1/postgres``,
   a superuser on a server with PostGIS): test databases are made there.
2. Debian's binaries (``/usr/lib/postgresql/<N>/bin``, packages
   ``postgresql-15`` and ``postgresql-15-postgis-3``): a cluster is made in a
   temporary folder, listening only on a Unix socket in that folder (no port
   to collide with), and removed when the tests end. As root (CI), it runs as
   the ``postgres`` user, since PostgreSQL refuses to run as root.
3. Neither: PostGIS tests skip, naming what to install; under ``CI`` they fail
   instead, so a CI run never passes without them.

The schema is made once, by ``hotspots db upgrade`` (Alembic), in a template
database; each test gets a copy (``CREATE DATABASE ... TEMPLATE``, ~0.1 s).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from hotspots.store.migrate import upgrade

__all__ = ["PostgresServer", "postgres_server", "shared_postgres_server"]

URL_VARIABLE = "HOTSPOTS_TEST_POSTGRES_URL"
TEMPLATE = "hotspots_template"
_names = itertools.count()
_lock = threading.Lock()


class PostgresServer:
    """A running server: an admin URL, and new databases made from the template."""

    def __init__(self, admin_url: str, url_for: str) -> None:
        self.admin_url = admin_url
        self._url_for = url_for  # format string with {db}
        self._made: list[str] = []
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        upgrade(self.url(TEMPLATE))

    def url(self, database: str) -> str:
        """The URL of ``database`` on this server."""
        return self._url_for.format(db=database)

    @contextmanager
    def _admin(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            yield conn

    def new_database(self, *, schema: bool = True) -> str:
        """A new database (at the head schema, or empty); its URL."""
        with _lock:
            name = f"hotspots_test_{os.getpid()}_{next(_names)}"
        template = TEMPLATE if schema else "template1"
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        self._made.append(name)
        return self.url(name)

    def drop_databases(self) -> None:
        """Drop every database this object made (ending their connections)."""
        with self._admin() as conn:
            for name in [*self._made, TEMPLATE]:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._made.clear()


def _debian_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder that has PostGIS beside it."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        version = folder.parent.name
        postgis = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
        if (folder / "initdb").exists() and postgis.exists():
            return folder
    return None


@contextmanager
def _temporary_cluster(bin_dir: Path, *, durable: bool = False) -> Iterator[str]:
    """initdb + pg_ctl start in a temp folder; yields the folder (its socket).

    Tests run with fsync off (nothing to keep); ``durable`` leaves PostgreSQL's
    own settings, for benchmarks.
    """
    folder = Path(tempfile.mkdtemp(prefix="hotspots-pg-"))
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    log = folder / "server.log"

    def run(*command: str) -> None:
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{folder}' "
            "-c max_connections=200"
        )
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run(str(bin_dir / "pg_ctl"), "start", "-w", "-D", str(data),
            "-l", str(log), "-o", options)  # fmt: skip
        try:
            yield str(folder)
        finally:
            run(str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A server for this test session (see the module's docstring), or skip;
    ``durable``: a temporary cluster keeps fsync on (benchmarks)."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        main, _, query = url.partition("?")
        base = main.rsplit("/", 1)[0]
        server = PostgresServer(url, base + "/{db}" + (f"?{query}" if query else ""))
        try:
            yield server
        finally:
            server.drop_databases()
        return
    bin_dir = _debian_bin()
    if bin_dir is None:
        reason = (
            f"PostGIS tests need PostgreSQL with PostGIS: set {URL_VARIABLE} or "
            "install Debian's postgresql-15 and postgresql-15-postgis-3"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run them; see .ci/run)")
        pytest.skip(reason)
    with _temporary_cluster(bin_dir, durable=durable) as socket_dir:
        server = PostgresServer(
            f"postgresql://postgres@/postgres?host={socket_dir}",
            f"postgresql://postgres@/{{db}}?host={socket_dir}",
        )
        try:
            yield server
        finally:
            server.drop_databases()


_shared: list[object] = []  # [context manager, server, users] while running


@contextmanager
def shared_postgres_server() -> Iterator[PostgresServer]:
    """:func:`postgres_server`, started once however many conftests ask for it
    (tests/store and tests/api each have a session fixture) and stopped when
    the last of them ends."""
    with _lock:
        if not _shared:
            context = postgres_server()
            server = context.__enter__()  # skips or fails here if no server
            _shared.extend([context, server, 0])
        _shared[2] = int(_shared[2]) + 1  # type: ignore[call-overload]
        server = _shared[1]
    try:
        yield server  # type: ignore[misc]
    finally:
        with _lock:
            _shared[2] = int(_shared[2]) - 1  # type: ignore[call-overload]
            if _shared[2] == 0:
                context = _shared[0]
                _shared.clear()
                context.__exit__(None, None, None)  # type: ignore[attr-defined]
