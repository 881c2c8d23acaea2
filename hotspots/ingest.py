"""Ingest incident files: read, locate, check the study area, assign areas, store.

Each input file is one batch, stored in one transaction: it lands whole or not
at all. Rows that cannot be used are rejected with their row number, field and
reason, counted, and kept in the store's rejects report. A file whose SHA-256
matches a stored batch is skipped as already ingested (unless forced), and
re-ingesting changed or overlapping files adds nothing already stored (see
:mod:`hotspots.fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

import geopandas as gpd

from boundaries.spatial import DEFAULT_TOLERANCE_M, assign_areas
from hotspots.areas.pack import AreaPack
from hotspots.areas.registry import default_pack
from hotspots.errors import IngestError
from hotspots.fingerprint import record_fingerprints
from hotspots.geocode import PostcodeIndex, StreetGazetteer
from hotspots.locate import LOCATE_INPUTS, Geocoders, locate
from hotspots.period import POLICE_UK_FIRST_MONTH, current_month
from hotspots.readers.geojson_ import default_geojson_mapping, read_geojson
from hotspots.readers.mapped_csv import read_mapped_csv
from hotspots.readers.mapping import ColumnMapping, read_mapping
from hotspots.readers.policeuk import SOURCE as POLICE_UK
from hotspots.readers.policeuk import is_police_uk_header, read_police_uk
from hotspots.readers.raw import mark_implausible_months, release_arrow_memory
from hotspots.readers.sources import InputFile, ZipLimits, find_input_files
from hotspots.readers.text import to_utf8
from hotspots.schema import FLAG_COLUMNS, INCIDENT_COLUMNS
from hotspots.store.base import BatchRecord, BatchResult, IncidentStore
from hotspots.themes import ThemeMap

__all__ = [
    "AlreadyIngested",
    "FileReport",
    "IngestLimits",
    "IngestOptions",
    "IngestReport",
    "ingest_paths",
]

OUTSIDE_STUDY_AREA = "outside the study area"
#: Rows per part of a big file: the store writes one part while the next is
#: prepared (SQLite runs without the GIL), so the two overlap on two cores.
PART_ROWS = 100_000
_RECORD_FIELDS = (
    "source_id", "category", "occurred_at", "location_text", "lon", "lat",
    "easting", "northing", "grid_reference", "postcode", "street", "town",
)  # fmt: skip
#: A quoted value in a reject reason: '...' or "..." (as ``repr`` writes them),
#: opening where no word goes on before it and closing where none follows, so
#: the apostrophe of "St Mary's" neither opens nor closes one.
_QUOTED_VALUE = re.compile(
    r"""(?<!\w)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.|'(?=\w))*')(?!\w)"""
)
_SCORE = re.compile(r"score \d+(\.\d+)?")
#: Characters ``json.dumps(..., ensure_ascii=False)`` escapes in a string, as a
#: pattern Python's ``re`` and Arrow's regular expressions (RE2) read alike.
_JSON_ESCAPED_RE2 = r'[\\"\x00-\x1f]'
_JSON_ESCAPED = re.compile(_JSON_ESCAPED_RE2)
#: The raw columns an incident is built from.
_INCIDENT_INPUTS = (
    "source", "source_id", "category", "theme_hint", "occurred_at",
    "occurred_precision", "month", "location_text", "town", *FLAG_COLUMNS,
)  # fmt: skip


@dataclass(frozen=True)
class IngestLimits:
    """Plausible dates and zip sizes (``HOTSPOTS_EARLIEST_MONTH``,
    ``HOTSPOTS_MAX_UNZIPPED_MB``, ``HOTSPOTS_MAX_ZIP_RATIO``)."""

    earliest_month: str = POLICE_UK_FIRST_MONTH
    zip: ZipLimits = field(default_factory=ZipLimits)

    @classmethod
    def from_settings(cls) -> IngestLimits:
        """The limits the ``HOTSPOTS_*`` settings give (defaults if unset), so
        the CLI and the service apply the same ones without passing them."""
        from hotspots.settings import load_settings

        settings = load_settings()
        return cls(
            earliest_month=settings.earliest_month,
            zip=ZipLimits(
                max_member_bytes=settings.max_unzipped_mb * 1_000_000,
                max_ratio=settings.max_zip_ratio,
            ),
        )


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest: the study area, the area tolerance and theme overrides.

    ``study_area`` is ``"city"`` (keep incidents inside the area pack's wards)
    or ``"all"`` (keep every located incident; areas assigned where inside).
    ``pack`` gives the wards, LSOAs and postcode table (default: the bundled
    Portsmouth pack).
    ``force`` ingests a file even when a batch with its SHA-256 is stored
    (its rows are then counted as duplicates, and its rejects stored again).
    ``limits`` bound plausible months and zip members (default: the settings).
    """

    study_area: str = "city"
    tolerance_m: float = DEFAULT_TOLERANCE_M
    themes: ThemeMap = field(default_factory=ThemeMap.default)
    mapping: ColumnMapping | None = None
    postcodes: PostcodeIndex | None = None
    force: bool = False
    pack: AreaPack = field(default_factory=default_pack)
    limits: IngestLimits = field(default_factory=IngestLimits.from_settings)

    def __post_init__(self) -> None:
        if self.study_area not in ("city", "all"):
            raise IngestError(
                f"unknown study area {self.study_area!r}; use 'city' or 'all'"
            )


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file."""

    name: str
    source: str
    batch_id: int
    read: int
    stored: int
    rejected: int
    duplicates: int
    rejected_by_reason: dict[str, int]


@dataclass(frozen=True)
class AlreadyIngested:
    """An input file skipped because a stored batch has the same SHA-256."""

    name: str
    batch_id: int  # the batch that stored it first
    ingested_at: str  # when that batch was stored (ISO 8601 UTC)

    def __str__(self) -> str:
        return (
            f"{self.name}: already ingested "
            f"(batch {self.batch_id}, {self.ingested_at[:10]})"
        )


@dataclass
class IngestReport:
    """Totals over all files of one ``ingest`` run."""

    files: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    already_ingested: list[AlreadyIngested] = field(default_factory=list)

    def totals(self) -> dict[str, object]:
        """Counts for scripts: read, stored, rejected, duplicates, by reason."""
        by_reason: Counter[str] = Counter()
        for report in self.files:
            by_reason.update(report.rejected_by_reason)
        return {
            "files": len(self.files),
            "read": sum(r.read for r in self.files),
            "stored": sum(r.stored for r in self.files),
            "rejected": sum(r.rejected for r in self.files),
            "duplicates": sum(r.duplicates for r in self.files),
            "rejected_by_reason": dict(sorted(by_reason.items())),
            "skipped": list(self.skipped),
            "already_ingested": [vars(a) for a in self.already_ingested],
        }


def ingest_paths(
    paths: Iterable[Path],
    store: IncidentStore,
    *,
    options: IngestOptions | None = None,
    on_file: Callable[[str, int, int], None] | None = None,
    on_rows: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Ingest every file the paths name (files, folders, police.uk zips).

    ``on_file(name, index, total)`` is called before each file and
    ``on_rows(done, total)`` as each part of a file is prepared, for progress.
    A file already stored (same SHA-256) is listed in
    :attr:`IngestReport.already_ingested` and not read again, unless
    ``options.force``. A file that cannot be read at all raises
    :class:`IngestError` naming it; files before it stay stored.
    """
    options = options or IngestOptions()
    files, skipped = find_input_files(paths, options.limits.zip)
    if not files:
        raise IngestError("no CSV or GeoJSON files found in the given paths")
    report = IngestReport(skipped=skipped)
    context = _Context(options, store)
    outcomes: list[FileReport | AlreadyIngested | Future[FileReport]] = []
    with _Storer() as storer:
        for index, input_file in enumerate(files):
            if on_file is not None:
                on_file(input_file.name, index, len(files))
            outcomes.append(_ingest_file(input_file, context, storer, on_rows))
    for outcome in outcomes:
        if isinstance(outcome, AlreadyIngested):
            report.already_ingested.append(outcome)
        else:
            report.files.append(
                outcome.result() if isinstance(outcome, Future) else outcome
            )
    return report


class _Storer:
    """Stores a small file on a helper thread while the next one is read.

    Files are still stored one at a time, in order, each in its own
    transaction; at most one waits here. :meth:`settle` waits for it (and
    raises its error), as reading the next file must when it depends on what
    is stored. Leaving the block waits too, and an error of the stored file
    comes first, as it would have without the helper.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self._storing: Future[FileReport] | None = None
        self._checksum: str | None = None

    def __enter__(self) -> _Storer:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.settle()  # an error storing an earlier file comes first
        finally:
            self._pool.shutdown(wait=True)

    def submit(
        self, checksum: str, store: Callable[[], FileReport]
    ) -> Future[FileReport]:
        """Store a file (``store()``) once the last one is stored."""
        self.settle()
        self._storing, self._checksum = self._pool.submit(store), checksum
        return self._storing

    def settle(self, checksum: str | None = None) -> None:
        """Wait for the file being stored (only if it has ``checksum``, when
        given); its error is raised here."""
        if self._storing is None or checksum not in (None, self._checksum):
            return
        storing, self._storing = self._storing, None
        storing.result()


class _Context:
    """Lookups shared by the files of one run, built once when first needed."""

    def __init__(self, options: IngestOptions, store: IncidentStore) -> None:
        self.options = options
        self.store = store
        self._postcodes = options.postcodes
        self._streets: tuple[int, StreetGazetteer | None] | None = None
        self._areas: dict[str, gpd.GeoDataFrame] = {}

    def reads_store(self, raw: pd.DataFrame) -> bool:
        """True if locating ``raw`` needs the stored incidents (street names)."""
        return bool((raw["street"] != "").any())

    def geocoders(self, raw: pd.DataFrame) -> Geocoders:
        needs_postcodes = (raw["postcode"] != "").any()
        needs_streets = self.reads_store(raw)
        if needs_postcodes and self._postcodes is None:
            self._postcodes = pack_postcodes(self.options.pack)
        return Geocoders(
            postcodes=self._postcodes,
            streets=self._gazetteer() if needs_streets else None,
        )

    def _gazetteer(self) -> StreetGazetteer | None:
        version = self.store.data_version()
        if self._streets is None or self._streets[0] != version:
            points = self.store.street_points()
            gazetteer = (
                StreetGazetteer.from_points(
                    points["location_text"],
                    points["easting"].to_numpy(),
                    points["northing"].to_numpy(),
                    towns=points["town"],
                )
                if len(points)
                else None
            )
            self._streets = (version, gazetteer)
        return self._streets[1]

    def areas(self, name: str) -> gpd.GeoDataFrame:
        if name not in self._areas:
            self._areas[name] = self.options.pack.boundaries(name)
        return self._areas[name]


def pack_postcodes(pack: AreaPack) -> PostcodeIndex | None:
    """The postcode look-up of a pack's table(s); None if it has none."""
    files = pack.postcode_files
    if len(files) == 1:
        return PostcodeIndex.from_codepoint_csv(files[0].path, source=files[0].source)
    if not files:
        return None
    tables = [
        PostcodeIndex.from_codepoint_csv(f.path).table.reset_index() for f in files
    ]
    source = " + ".join(f.source for f in files)
    return PostcodeIndex(pd.concat(tables, ignore_index=True), source=source)


def _ingest_file(
    input_file: InputFile,
    context: _Context,
    storer: _Storer,
    on_rows: Callable[[int, int], None] | None = None,
) -> FileReport | AlreadyIngested | Future[FileReport]:
    """Read, prepare and store one file (a small one is stored by ``storer``
    while the next is read: its report then comes as a future)."""
    contents = _Contents(input_file.read_bytes())
    # Hashing first costs ~0.1 s per million rows; finding the file stored
    # saves the ~7 s that reading, locating and storing it again would take.
    checksum = _sha256_hex(contents.peek())
    if not context.options.force:
        storer.settle(checksum)  # the same file given twice: stored by then
        stored = context.store.batch_with_checksum(checksum)
        if stored is not None:
            return AlreadyIngested(
                input_file.name, int(stored["batch_id"]), str(stored["ingested_at"])
            )
    raw, source, date_field = _read(input_file, contents, context.options)
    release_arrow_memory()
    mark_implausible_months(
        raw, date_field, context.options.limits.earliest_month, current_month()
    )
    # Identical records are numbered in file order, so fingerprint the whole
    # file: a rejected copy must not shift the ids of the stored ones.
    by_source_id = (raw["source_id"] != "").to_numpy()
    ids = record_fingerprints(raw["record_key"], by_source_id)
    raw = raw.drop(columns="record_key")  # ~0.1 GB per 1M rows, not needed now
    release_arrow_memory()
    if context.reads_store(raw):
        storer.settle()  # its streets are read from what is stored
    geocoders = context.geocoders(raw)
    batch = BatchRecord(
        file_name=input_file.name,
        checksum=checksum,
        source=source,
        rows_read=len(raw),
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    part_rows = _parts_by_id(ids)

    def parts() -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        done = 0
        for rows in part_rows:
            yield _prepare(raw, rows, ids[rows], geocoders, context)
            release_arrow_memory()
            done += len(rows)
            if on_rows is not None:
                on_rows(done, batch.rows_read)

    def store(prepared: Iterable[tuple[pd.DataFrame, pd.DataFrame]]) -> FileReport:
        result, rejects = _store(context.store, batch, prepared)
        return FileReport(
            name=input_file.name,
            source=source,
            batch_id=result.batch_id,
            read=batch.rows_read,
            stored=result.stored,
            rejected=result.rejected,
            duplicates=result.duplicates,
            rejected_by_reason=_reason_counts(rejects),
        )

    if len(part_rows) == 1:  # prepared whole, stored while the next file is read
        prepared = list(parts())
        del raw
        return storer.submit(checksum, lambda: store(prepared))
    storer.settle()  # a big file streams its parts to the store itself
    return store(parts())


def _parts_by_id(ids: NDArray[np.int64]) -> list[NDArray[np.intp]]:
    """Row positions of a file in parts of about :data:`PART_ROWS` rows.

    Each part is a range of ids, above the previous part's, so the store can
    append every part in key order; rows keep file order within a part.
    """
    n_parts = max(1, -(-len(ids) // PART_ROWS))
    if n_parts == 1:
        return [np.arange(len(ids))]
    by_id = np.argsort(ids, kind="stable")
    return [np.sort(rows) for rows in np.array_split(by_id, n_parts)]


def _store(
    store: IncidentStore,
    batch: BatchRecord,
    parts: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[BatchResult, pd.DataFrame]:
    """Store prepared parts as one batch; returns the result and every reject.

    A store with a ``batch_writer`` (SQLite) takes the parts one by one, writing
    each while the next is prepared; any other gets them all in one call.
    """
    batch_writer = getattr(store, "batch_writer", None)
    if batch_writer is None:
        incidents, rejects = (
            pd.concat(frames, ignore_index=True) for frames in zip(*parts, strict=True)
        )
        return store.add_batch(batch, incidents, rejects), rejects
    all_rejects = []
    with batch_writer(batch) as writer:
        for incidents, rejects in parts:
            writer.add(incidents, rejects)
            all_rejects.append(rejects)
    return writer.result, pd.concat(all_rejects, ignore_index=True)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Contents:
    """A file's bytes, handed to its reader by :meth:`take`, so the reader
    holds the only reference and the bytes (as big as the file) are freed
    once parsed, not kept beside everything built from them."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def peek(self) -> bytes:
        """The bytes, still held here."""
        return self._data

    def take(self) -> bytes:
        """The bytes, no longer held here."""
        data, self._data = self._data, b""
        return data


def _read(
    input_file: InputFile, contents: _Contents, options: IngestOptions
) -> tuple[pd.DataFrame, str, str]:
    """The file's raw records, its source name and the field its dates are in.

    The police.uk reader is handed the only reference to the bytes (no local
    here keeps them), so it can drop them as soon as they are parsed.
    """
    mapping = options.mapping
    if mapping is None and input_file.mapping_path is not None:
        mapping = read_mapping(input_file.mapping_path)
    if input_file.suffix in (".geojson", ".json"):
        stem = Path(input_file.name).stem
        mapping = mapping or default_geojson_mapping(stem)
        raw = read_geojson(contents.take(), mapping, name=input_file.name)
        return raw, mapping.source, mapping.columns["date"]
    if mapping is not None:
        raw = read_mapped_csv(contents.take(), mapping, name=input_file.name)
        return raw, mapping.source, mapping.columns["date"]
    # A UTF-16 header is found too.
    contents = _Contents(to_utf8(contents.take(), input_file.name))
    head = contents.peek()[:4096]
    header = head.decode("utf-8", errors="replace").splitlines()[:1]
    if header and is_police_uk_header([c.strip() for c in header[0].split(",")]):
        return read_police_uk(contents.take(), name=input_file.name), POLICE_UK, "Month"
    raise IngestError(
        f"{input_file.name}: not a police.uk street-level CSV and no mapping file "
        f"was given; pass --mapping FILE.toml or put "
        f"{Path(input_file.name).with_suffix('.toml').name} beside it"
    )


def _prepare(
    raw: pd.DataFrame,
    rows: NDArray[np.intp],
    ids: NDArray[np.int64],
    geocoders: Geocoders,
    context: _Context,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Locate the rows at positions ``rows`` of ``raw``, check the study area and
    build their incident and reject frames (each copying only the columns it
    needs)."""
    options = context.options
    where = raw.loc[:, [*LOCATE_INPUTS, "source_lsoa"]].iloc[rows]
    located = locate(where, geocoders)
    easting = located["easting"].to_numpy()
    northing = located["northing"].to_numpy()
    lsoas = context.areas("lsoa")
    source_lsoa = where["source_lsoa"]
    outside_set = (source_lsoa != "") & ~source_lsoa.isin(lsoas["code"])
    lsoa = assign_areas(
        easting, northing, lsoas, tolerance_m=options.tolerance_m,
        outside_set=outside_set.to_numpy(),
    )  # fmt: skip
    ward = assign_areas(
        easting, northing, context.areas("ward"), tolerance_m=options.tolerance_m,
        outside_set=outside_set.to_numpy(),
    )  # fmt: skip
    error_field = located["error_field"].to_numpy(dtype=object)
    error_reason = located["error_reason"].to_numpy(dtype=object)
    if options.study_area == "city":
        outside = (error_field == "") & pd.isna(ward)
        error_field = np.where(outside, "location", error_field)
        error_reason = np.where(outside, OUTSIDE_STUDY_AREA, error_reason)
    ok = error_field == ""
    incidents = _incidents(
        raw.loc[:, list(_INCIDENT_INPUTS)].iloc[rows[ok]],
        located[ok], lsoa[ok], ward[ok], ids[ok], options,
    )  # fmt: skip
    rejects = pd.DataFrame(
        {
            "row": raw["row"].to_numpy()[rows[~ok]],
            "field": error_field[~ok],
            "reason": error_reason[~ok],
            "record": _records(raw.loc[:, list(_RECORD_FIELDS)].iloc[rows[~ok]]),
        }
    )
    return incidents, rejects


def _incidents(
    raw: pd.DataFrame,
    located: pd.DataFrame,
    lsoa: np.ndarray,
    ward: np.ndarray,
    ids: np.ndarray,
    options: IngestOptions,
) -> pd.DataFrame:
    themes, implied = _category_themes(raw["category"], options.themes)
    hinted = raw["theme_hint"] != ""
    frame = pd.DataFrame(
        {
            "incident_id": ids,
            "source": raw["source"],
            "source_id": raw["source_id"].where(raw["source_id"] != "", None),
            "category": raw["category"],
            "theme": themes.where(~hinted, raw["theme_hint"]),
            "occurred_at": raw["occurred_at"],
            "occurred_precision": raw["occurred_precision"],
            "month": raw["month"],
            "location_text": raw["location_text"],
            "town": raw["town"],
            "lsoa_code": lsoa,
            "ward_code": ward,
            "batch_id": 0,
        },
        index=raw.index,
    )
    for flag in FLAG_COLUMNS:
        frame[flag] = raw[flag] | implied[flag]
    for column in ("easting", "northing", "lon", "lat", "geocode_quality"):
        frame[column] = located[column]
    frame["geocode_precision_m"] = located["geocode_precision_m"]
    frame["geocode_note"] = located["geocode_note"]
    return frame.loc[:, list(INCIDENT_COLUMNS)].reset_index(drop=True)


def _category_themes(
    categories: pd.Series, themes: ThemeMap
) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Each row's theme and category-implied flags, worked out once per category."""
    codes, uniques = categories.factorize(use_na_sentinel=False)
    distinct = pd.Series(uniques)

    def per_row(values: pd.Series) -> pd.Series:
        return values.take(codes).set_axis(categories.index)

    implied = {flag: per_row(themes.flags_of(distinct, flag)) for flag in FLAG_COLUMNS}
    return per_row(themes.theme_of(distinct)), implied


def _records(raw: pd.DataFrame) -> list[str]:
    """A compact JSON of each rejected row's non-empty source fields.

    The same text as ``json.dumps({field: value, ...}, ensure_ascii=False)`` per
    row, built column by column: each distinct value is encoded once and the
    fields are joined in Arrow. Each field is written with a leading ``", "``
    and nulls joined as "" (Arrow's ``null_handling="skip"`` drops a row whose
    fields are all null, so a row with no field, ``{}``, would misalign them).
    """
    if not len(raw):
        return []
    fields = [_json_fields(name, raw[name]) for name in _RECORD_FIELDS]
    joined = pc.binary_join_element_wise(
        *fields, "", null_handling="replace", null_replacement=""
    )
    inner = pc.utf8_slice_codeunits(joined, 2)  # the first field's ", "
    return pc.binary_join_element_wise("{", inner, "}", "").to_pylist()


def _json_fields(name: str, values: pd.Series) -> pa.Array:
    """``, "name": <value as JSON>`` per row, null where the value is empty.

    Each distinct value is written once: numbers by ``float.__repr__`` (what
    ``json`` writes), text that needs no escaping joined in Arrow; anything
    else through :func:`_json_value`.
    """
    key = json.dumps(name)
    if values.dtype.kind == "f":  # bit for bit, so -0.0 keeps its sign
        bits = values.to_numpy(dtype="float64").view(np.int64)
        codes, unique_bits = pd.factorize(bits, use_na_sentinel=False)
        texts = _number_fields(key, unique_bits.view(np.float64))
    else:
        codes, unique_values = pd.factorize(values, use_na_sentinel=False)
        texts = _text_fields(key, unique_values, _nan_only_text(values.dtype))
    return texts.take(codes)


def _nan_only_text(dtype: Any) -> bool:
    """True for pandas' ``str`` dtype, whose only missing value is NaN (an
    object column may hold None, which ``json`` writes as ``null``)."""
    return isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan


def _number_fields(key: str, uniques: NDArray[np.float64]) -> pa.Array:
    """The field text of each distinct number (NaN: null; infinities as
    ``json`` writes them)."""
    texts = [f", {key}: {text}" for text in map(float.__repr__, uniques.tolist())]
    for i in np.flatnonzero(~np.isfinite(uniques)).tolist():
        value = float(uniques[i])
        texts[i] = None if math.isnan(value) else f", {key}: {json.dumps(value)}"
    return pa.array(texts, pa.string())


def _text_fields(key: str, uniques: Any, nan_only_text: bool) -> pa.Array:
    """The field text of each distinct value (empty text and NaN: null)."""
    text = pa.array(uniques, from_pandas=True) if nan_only_text else None
    if text is None or not (
        pa.types.is_string(text.type) or pa.types.is_large_string(text.type)
    ):
        values = uniques.tolist()
        return pa.array(
            [None if _is_empty(v) else f", {key}: {_json_value(v)}" for v in values],
            pa.string(),
        )
    text = text.cast(pa.string())
    plain = pc.invert(pc.match_substring_regex(text, _JSON_ESCAPED_RE2))
    joined = pc.binary_join_element_wise(f', {key}: "', text, '"', "")
    empty = pc.or_kleene(pc.is_null(text), pc.equal(text, ""))
    skip = pc.or_kleene(empty, pc.invert(plain))
    out = pc.if_else(skip, pa.scalar(None, pa.string()), joined)
    escaped = pc.and_kleene(pc.invert(empty), pc.invert(plain))
    if pc.any(escaped).as_py():
        fields = out.to_pylist()
        for i in np.flatnonzero(escaped.to_numpy(zero_copy_only=False)).tolist():
            fields[i] = f", {key}: {_json_value(text[i].as_py())}"
        out = pa.array(fields, pa.string())
    return out


def _json_value(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False)``, without its overhead for the
    usual finite number or string that needs no escaping."""
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)  # what json writes for a float
    if isinstance(value, str) and not _JSON_ESCAPED.search(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def _is_empty(value: object) -> bool:
    return (isinstance(value, str) and value == "") or (
        isinstance(value, float) and np.isnan(value)
    )


def _reason_counts(rejects: pd.DataFrame) -> dict[str, int]:
    """Rejects counted by reason, with free-text values folded into their kind.

    Each distinct reason is folded once (a million rejects share a few
    thousand texts), so one kind of reason is one bucket however its values
    are spelt: see :func:`_reason_kind`.
    """
    counts: Counter[str] = Counter()
    for reason, count in rejects["reason"].astype(str).value_counts().items():
        counts[_reason_kind(str(reason))] += int(count)
    return dict(sorted(counts.items()))


def _reason_kind(reason: str) -> str:
    """A reason with its values replaced: quoted values by ``'…'``, a score by
    ``score N``, and anything after the first colon outside quotes dropped.

    Values are quoted as Python's ``repr`` writes them, in double quotes when
    they hold an apostrophe ("St Mary's Road"); an apostrophe inside a word is
    never a quote, so such names do not split one reason into many.
    """
    kind = _QUOTED_VALUE.sub("'…'", reason)
    kind = kind.split(":", 1)[0]
    return _SCORE.sub("score N", kind)
