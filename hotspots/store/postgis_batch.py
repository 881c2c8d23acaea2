"""The PostGIS store's write path: one batch's rows in with ``COPY``.

Each part of a file is copied (CSV, written by Arrow) into a temporary table,
then moved into ``incidents`` with ``INSERT ... ON CONFLICT DO NOTHING``, so an
incident already stored, by this batch or by another ingest running at the
same moment, is counted as a duplicate and never stored twice. Everything
happens in the transaction :meth:`PostGISStore.batch_writer
<hotspots.store.postgis.PostGISStore.batch_writer>` opened.
"""

from __future__ import annotations

import io

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from hotspots.errors import StoreError
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store.base import REJECT_COLUMNS, BatchRecord, BatchResult

__all__ = ["PostGISBatchWriter", "insert_batch"]

_COLUMNS = ", ".join(INCIDENT_COLUMNS)
#: Arrow types the CSV is written from (PostgreSQL parses each as its column).
_FLOAT = {"easting", "northing", "lon", "lat", "geocode_precision_m"}
_INTEGER = {"incident_id", "batch_id"}


def insert_batch(conn: psycopg.Connection, batch: BatchRecord) -> int:
    """Record the batch (counts filled in by :meth:`PostGISBatchWriter.finish`)."""
    row = conn.execute(
        "INSERT INTO batches (file_name, checksum, source, ingested_at, rows_read, "
        "rows_stored, rows_rejected, rows_duplicate) "
        "VALUES (%s, %s, %s, %s, %s, 0, 0, 0) RETURNING batch_id",
        (batch.file_name, batch.checksum, batch.source, batch.ingested_at,
         int(batch.rows_read)),
    ).fetchone()  # fmt: skip
    if row is None:
        raise StoreError(f"{batch.file_name}: the batch was not recorded")
    return int(row[0])


class PostGISBatchWriter:
    """Adds the parts of one batch inside its store's open transaction."""

    def __init__(self, conn: psycopg.Connection, batch_id: int) -> None:
        self.batch_id = batch_id
        self._conn = conn
        self._stored = 0
        self._incidents = 0
        self._rejects: list[pd.DataFrame] = []
        self._result: BatchResult | None = None
        conn.execute(
            "CREATE TEMP TABLE batch_rows (LIKE incidents INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
        conn.execute("ALTER TABLE batch_rows DROP COLUMN geom")

    def add(self, incidents: pd.DataFrame, rejects: pd.DataFrame) -> None:
        """Copy one part's incidents in (and keep its rejects for the end).

        A repeated ``incident_id`` within the part keeps its first row, as in
        the SQLite store.
        """
        self._incidents += len(incidents)
        self._rejects.append(rejects)
        rows = incidents.drop_duplicates("incident_id", keep="first")
        if rows.empty:
            return
        rows = rows.assign(batch_id=self.batch_id)
        self._conn.execute("TRUNCATE batch_rows")
        _copy(self._conn, "batch_rows", INCIDENT_COLUMNS, _arrow(rows))
        cursor = self._conn.execute(
            f"INSERT INTO incidents ({_COLUMNS}) SELECT {_COLUMNS} FROM batch_rows "
            "ORDER BY incident_id ON CONFLICT (incident_id) DO NOTHING"
        )
        self._stored += max(cursor.rowcount, 0)

    def finish(self) -> None:
        """Write the rejects, the batch's counts and the new data version."""
        rejects = (
            pd.concat(self._rejects, ignore_index=True)
            if self._rejects
            else pd.DataFrame(columns=list(REJECT_COLUMNS))
        )
        if len(rejects):
            table = pa.table(
                {
                    "batch_id": pa.array([self.batch_id] * len(rejects), pa.int64()),
                    "row": pa.array(rejects["row"].astype("int64"), pa.int64()),
                    **{
                        c: pa.array(rejects[c].astype(str).tolist(), pa.string())
                        for c in ("field", "reason", "record")
                    },
                }
            )
            _copy(self._conn, "rejects", ("batch_id", *REJECT_COLUMNS), table)
        duplicates = self._incidents - self._stored
        self._conn.execute(
            "UPDATE batches SET rows_stored = %s, rows_rejected = %s, "
            "rows_duplicate = %s WHERE batch_id = %s",
            (self._stored, len(rejects), duplicates, self.batch_id),
        )
        if self._stored:
            # Last, so the row lock that orders concurrent ingests is held briefly.
            self._conn.execute(
                "UPDATE meta SET value = (value::bigint + 1)::text "
                "WHERE key = 'data_version'"
            )
        self._result = BatchResult(
            self.batch_id, self._stored, duplicates, len(rejects)
        )

    @property
    def result(self) -> BatchResult:
        """What storing the batch did (once :meth:`finish` has run)."""
        if self._result is None:
            raise StoreError("the batch is not finished")
        return self._result


def _arrow(incidents: pd.DataFrame) -> pa.Table:
    """The incident columns as an Arrow table with one type per column.

    Missing values (None, NaN) become nulls, which the CSV writes unquoted and
    empty: ``NULL`` to ``COPY``; strings are always quoted, so an empty string
    stays an empty string.
    """
    arrays = {}
    for column in INCIDENT_COLUMNS:
        values = incidents[column]
        if column in _INTEGER:
            arrays[column] = pa.array(values.astype("int64"), pa.int64())
        elif column in _FLOAT:
            arrays[column] = pa.array(values.astype("float64"), pa.float64())
        elif column in FLAG_COLUMNS:
            arrays[column] = pa.array(values, pa.bool_(), from_pandas=True)
        else:
            arrays[column] = pa.array(values, pa.string(), from_pandas=True)
    return pa.table(arrays)


def _copy(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...], data: pa.Table
) -> None:
    """``COPY table (columns) FROM STDIN`` the rows of ``data`` as CSV."""
    buffer = io.BytesIO()
    pacsv.write_csv(
        data, buffer, write_options=pacsv.WriteOptions(include_header=False)
    )
    with conn.cursor().copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    ) as copy:
        copy.write(buffer.getbuffer())
