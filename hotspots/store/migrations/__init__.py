"""Alembic migrations of the store's schema, one history for SQLite and PostgreSQL.

Run by ``hotspots db upgrade`` (:mod:`hotspots.store.migrate`). To change the
schema: add ``versions/NNNN_what.py`` (``revision``/``down_revision``, an
``upgrade()`` that branches on ``op.get_bind().dialect.name`` where the SQL
differs, and a ``downgrade()``), append its id to
:data:`hotspots.store.revisions.REVISIONS`, and make the SQLite store's
new-file DDL (``hotspots/store/sqlite.py``) match the result.
tests/store/test_migrations.py fails until all three agree.
"""
