"""The premises register in the PostGIS store: the SQLite register's rules.

An import replaces every premises of its source in one transaction
(idempotent, atomic), as :mod:`hotspots.store.premises_sqlite` does; each
premises also has a GiST-indexed point (``geom``), generated from its
easting and northing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool

from hotspots.errors import StoreError
from hotspots.store.premises_sqlite import PREMISES_COLUMNS, PremisesImportResult

__all__ = ["PostGISPremisesRegister"]

_REAL = {"easting", "northing", "lon", "lat", "geocode_precision_m"}
_IMPORT_COLUMNS = (
    "import_id", "file_name", "checksum", "source", "imported_at",
    "rows_read", "rows_stored", "rows_skipped", "rows_rejected",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(PREMISES_COLUMNS)} FROM premises"


class PostGISPremisesRegister:
    """Premises in the database of a :class:`~hotspots.store.postgis.PostGISStore`
    (sharing its connection pool)."""

    def __init__(self, pool: ConnectionPool, where: str) -> None:
        self._pool = pool
        self._where = where

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise StoreError(f"{self._where}: {exc}") from exc

    def replace_source(
        self,
        *,
        source: str,
        file_name: str,
        checksum: str,
        imported_at: str,
        rows_read: int,
        rows_skipped: int,
        premises: pd.DataFrame,
        rejects: pd.DataFrame,
    ) -> PremisesImportResult:
        """Replace every premises of ``source`` by ``premises``, all or nothing."""
        rows = premises.loc[:, list(PREMISES_COLUMNS)].astype(object)
        rows = rows.where(rows.notna(), None)
        marks = ", ".join(["%s"] * len(PREMISES_COLUMNS))
        try:
            with self._pool.connection() as conn, conn.transaction():
                replaced = conn.execute(
                    "DELETE FROM premises WHERE source = %s", (source,)
                ).rowcount
                with conn.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO premises ({', '.join(PREMISES_COLUMNS)}) "
                        f"VALUES ({marks})",
                        list(rows.itertuples(index=False, name=None)),
                    )
                found = conn.execute(
                    "INSERT INTO premises_imports (file_name, checksum, source, "
                    "imported_at, rows_read, rows_stored, rows_skipped, "
                    "rows_rejected) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "RETURNING import_id",
                    (file_name, checksum, source, imported_at, int(rows_read),
                     len(rows), int(rows_skipped), len(rejects)),
                ).fetchone()  # fmt: skip
                import_id = int(found[0]) if found else 0
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO premises_rejects VALUES (%s, %s, %s, %s, %s)",
                        [
                            (import_id, int(r.row), r.field, r.reason, r.record)
                            for r in rejects.itertuples(index=False)
                        ],
                    )
        except psycopg.Error as exc:
            raise StoreError(f"{self._where}: {file_name}: {exc}") from exc
        return PremisesImportResult(import_id, len(rows), replaced, len(rejects))

    def premises(self, types: tuple[str, ...] = ()) -> pd.DataFrame:
        """Every premises (of these types), ordered by id."""
        if types:
            rows = self._rows(
                _SELECT + " WHERE premises_type = ANY(%s) ORDER BY premises_id",
                (list(types),),
            )
        else:
            rows = self._rows(_SELECT + " ORDER BY premises_id")
        frame = pd.DataFrame(rows, columns=list(PREMISES_COLUMNS))
        return frame.fillna({c: "" for c in PREMISES_COLUMNS if c not in _REAL})

    def get(self, premises_id: str) -> dict[str, object] | None:
        """One premises as a dict, or None."""
        rows = self._rows(_SELECT + " WHERE premises_id = %s", (premises_id,))
        if not rows:
            return None
        return {
            k: ("" if v is None else v)
            for k, v in zip(PREMISES_COLUMNS, rows[0], strict=True)
        }

    def imports(self) -> pd.DataFrame:
        """Every import recorded, oldest first."""
        columns = ", ".join(_IMPORT_COLUMNS)
        rows = self._rows(f"SELECT {columns} FROM premises_imports ORDER BY import_id")
        return pd.DataFrame(rows, columns=list(_IMPORT_COLUMNS))

    def import_with_checksum(self, checksum: str) -> dict[str, object] | None:
        """The latest import of a file with this SHA-256, or None."""
        frame = self.imports()
        frame = frame[frame["checksum"] == checksum]
        return None if frame.empty else frame.iloc[-1].to_dict()

    def rejects(self, import_id: int) -> pd.DataFrame:
        """Rejected rows of one import."""
        rows = self._rows(
            "SELECT row, field, reason, record FROM premises_rejects "
            "WHERE import_id = %s ORDER BY row",
            (int(import_id),),
        )
        return pd.DataFrame(rows, columns=["row", "field", "reason", "record"])

    def count(self) -> int:
        """Number of premises stored."""
        return int(self._rows("SELECT COUNT(*) FROM premises")[0][0])
