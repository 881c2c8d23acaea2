"""The premises register in the SQLite store: one table, replaced per source.

An import replaces every premises of its source in one transaction, so running
the same file twice leaves the same register (idempotent), and a failed import
leaves the previous one untouched (atomic).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hotspots.errors import StoreError

__all__ = [
    "PREMISES_COLUMNS",
    "PREMISES_SCHEMA",
    "PremisesImportResult",
    "PremisesRegister",
]

#: Columns of a stored premises, in store order.
PREMISES_COLUMNS: tuple[str, ...] = (
    "premises_id",  # "<source>:<the source's own id>"
    "source_id",
    "name",
    "address",
    "postcode",
    "easting",  # EPSG:27700 metres
    "northing",
    "lon",  # EPSG:4326 degrees
    "lat",
    "geocode_quality",  # GeocodeQuality value, as for incidents
    "geocode_precision_m",
    "premises_type",  # pub, club, restaurant, hotel, ...
    "type_code",  # the source's own code (e.g. VOA analysis code CL)
    "licence_type",  # "" when the source does not say
    "hours",  # opening/licensable hours as given; "" when unknown
    "operator",
    "source",
    "source_date",  # YYYY-MM[-DD] the source describes
)
_REAL = {"easting", "northing", "lon", "lat", "geocode_precision_m"}

PREMISES_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS premises (
    {
    ", ".join(
        f"{c} {'REAL' if c in _REAL else 'TEXT'}"
        + (" PRIMARY KEY" if c == "premises_id" else "")
        for c in PREMISES_COLUMNS
    )
}
);
CREATE INDEX IF NOT EXISTS premises_by_source ON premises (source);
CREATE TABLE IF NOT EXISTS premises_imports (
    import_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_stored INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS premises_rejects (
    import_id INTEGER NOT NULL REFERENCES premises_imports (import_id),
    row INTEGER NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    record TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class PremisesImportResult:
    """What one import did."""

    import_id: int
    stored: int
    replaced: int  # premises of the same source there before
    rejected: int


class PremisesRegister:
    """Premises in the SQLite file of a :class:`~hotspots.store.SQLiteStore`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with self._connect() as conn:
                conn.executescript(PREMISES_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the premises register {path}: {exc}"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60, isolation_level=None)

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
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            replaced = conn.execute(
                "DELETE FROM premises WHERE source = ?", (source,)
            ).rowcount
            marks = ", ".join("?" * len(PREMISES_COLUMNS))
            conn.executemany(
                f"INSERT INTO premises VALUES ({marks})",
                rows.itertuples(index=False, name=None),
            )
            cursor = conn.execute(
                "INSERT INTO premises_imports (file_name, checksum, source, "
                "imported_at, rows_read, rows_stored, rows_skipped, rows_rejected) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (file_name, checksum, source, imported_at, rows_read, len(rows),
                 rows_skipped, len(rejects)),
            )  # fmt: skip
            import_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO premises_rejects VALUES (?, ?, ?, ?, ?)",
                [
                    (import_id, int(r.row), r.field, r.reason, r.record)
                    for r in rejects.itertuples(index=False)
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        return PremisesImportResult(import_id, len(rows), replaced, len(rejects))

    def premises(self, types: tuple[str, ...] = ()) -> pd.DataFrame:
        """Every premises (of these types), ordered by id."""
        sql = f"SELECT {', '.join(PREMISES_COLUMNS)} FROM premises"
        params: list[str] = []
        if types:
            sql += f" WHERE premises_type IN ({', '.join('?' * len(types))})"
            params = list(types)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY premises_id", params).fetchall()
        frame = pd.DataFrame(rows, columns=list(PREMISES_COLUMNS))
        return frame.fillna({c: "" for c in PREMISES_COLUMNS if c not in _REAL})

    def get(self, premises_id: str) -> dict[str, object] | None:
        """One premises as a dict, or None."""
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {', '.join(PREMISES_COLUMNS)} FROM premises "
                "WHERE premises_id = ?",
                (premises_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            k: ("" if v is None else v)
            for k, v in zip(PREMISES_COLUMNS, row, strict=True)
        }

    def imports(self) -> pd.DataFrame:
        """Every import recorded, oldest first."""
        with self._connect() as conn:
            cursor = conn.execute("SELECT * FROM premises_imports ORDER BY import_id")
            names = [d[0] for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def import_with_checksum(self, checksum: str) -> dict[str, object] | None:
        """The latest import of a file with this SHA-256, or None."""
        frame = self.imports()
        frame = frame[frame["checksum"] == checksum]
        return None if frame.empty else frame.iloc[-1].to_dict()

    def rejects(self, import_id: int) -> pd.DataFrame:
        """Rejected rows of one import."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT row, field, reason, record FROM premises_rejects "
                "WHERE import_id = ? ORDER BY row",
                (import_id,),
            ).fetchall()
        return pd.DataFrame(rows, columns=["row", "field", "reason", "record"])

    def count(self) -> int:
        """Number of premises stored."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM premises").fetchone()[0])
