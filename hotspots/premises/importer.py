"""Import a premises register from a CSV through a mapping file (TOML).

Mapping example (``sample_data/premises/*.toml`` is a full one)::

    source = "portsmouth-licences"       # required; one register per source
    source_date = "2024-04"              # the date the list describes
    attribution = "..."
    [columns]
    id = "Licence No"                    # required
    name = "Premises Name"               # or options.name_from_address
    address = "Address"                  # required
    postcode = "Postcode"                # or options.postcode_from_address
    type = "Premises Type"               # mapped through [types] when given
    licence_type = "Licence Type"        # optional
    hours = "Licensable Hours"           # optional
    operator = "Licence Holder"          # optional
    # lon + lat, or easting + northing: used before the postcode when present
    [types]                              # source value -> premises type;
    CL = "pub"                           # rows with other values are skipped

Rows are located with the incident geocoders (:func:`hotspots.locate.locate`),
so premises carry the same quality grades. A row without an id, a name or a
location, or with an id seen earlier in the file, is rejected with its row
number (header = row 1), field and reason; nothing is stored unless the whole
file was read.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import IngestError
from hotspots.geocode import PostcodeIndex
from hotspots.locate import Geocoders, locate
from hotspots.readers.raw import empty_raw
from hotspots.store.premises_sqlite import (
    PREMISES_COLUMNS,
    PremisesImportResult,
    PremisesRegister,
)

__all__ = ["PremisesImport", "PremisesMapping", "import_premises", "read_mapping"]

_COLUMN_KEYS = frozenset(
    {"id", "name", "address", "postcode", "type", "licence_type", "hours",
     "operator", "lon", "lat", "easting", "northing"}
)  # fmt: skip
#: First address parts that are no premises name.
_NOT_A_NAME = re.compile(
    r"^(\d|unit\b|units\b|ground\b|first\b|second\b|basement\b|part\b|flat\b|"
    r"suite\b|floor\b|land\b|rear\b|1st\b|2nd\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PremisesMapping:
    """Which column holds which premises field."""

    source: str
    columns: dict[str, str]
    types: dict[str, str] = field(default_factory=dict)
    source_date: str = ""
    description: str = ""
    attribution: str = ""
    postcode_from_address: bool = False
    name_from_address: bool = False


@dataclass(frozen=True)
class PremisesImport:
    """The outcome of importing one file."""

    file_name: str
    rows_read: int
    skipped: int  # rows of types the mapping does not keep
    rejects: pd.DataFrame  # row, field, reason, record
    result: PremisesImportResult | None  # None: already imported, nothing done
    already: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready counts."""
        reasons = self.rejects["reason"].value_counts().to_dict()
        return {
            "file": self.file_name,
            "read": self.rows_read,
            "stored": self.result.stored if self.result else 0,
            "replaced": self.result.replaced if self.result else 0,
            "skipped_other_types": self.skipped,
            "rejected": len(self.rejects),
            "rejected_by_reason": {str(k): int(v) for k, v in reasons.items()},
            "already_imported": bool(self.already),
        }


def read_mapping(path: Path) -> PremisesMapping:
    """Read and check a premises mapping; errors name the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(f"{path}: cannot read mapping file: {exc}") from exc
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise IngestError(f"{path}: 'source' (a name for this register) is required")
    columns = {str(k): str(v) for k, v in data.get("columns", {}).items()}
    unknown = set(columns) - _COLUMN_KEYS
    if unknown:
        raise IngestError(
            f"{path}: unknown key(s) in [columns]: {sorted(unknown)}; "
            f"valid keys: {sorted(_COLUMN_KEYS)}"
        )
    options = data.get("options", {})
    for required in ("id", "address"):
        if required not in columns:
            raise IngestError(f"{path}: [columns] must name the '{required}' column")
    if "name" not in columns and not options.get("name_from_address"):
        raise IngestError(
            f"{path}: [columns] must name the 'name' column "
            "(or set options.name_from_address = true)"
        )
    return PremisesMapping(
        source=source.strip(),
        columns=columns,
        types={str(k): str(v) for k, v in data.get("types", {}).items()},
        source_date=str(data.get("source_date", "")),
        description=str(data.get("description", "")),
        attribution=str(data.get("attribution", "")),
        postcode_from_address=bool(options.get("postcode_from_address", False)),
        name_from_address=bool(options.get("name_from_address", False)),
    )


def _name_from(address: str) -> str:
    first = address.split(",")[0].strip()
    return "" if not first or _NOT_A_NAME.match(first) else first


def _street_of(address: str) -> str:
    parts = [p.strip() for p in address.split(",")[:-1]]
    for i, part in enumerate(parts):
        if part and not part[0].isdigit() and i > 0 and parts[i - 1][:1].isdigit():
            return f"{parts[i - 1]} {part}"
    return ", ".join(parts[:2])


def _table(data: bytes, mapping: PremisesMapping, name: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(f"{name}: cannot read as CSV: {exc}") from exc
    table.columns = [c.strip() for c in table.columns]
    missing = sorted(set(mapping.columns.values()) - set(table.columns))
    if missing:
        raise IngestError(
            f"{name}: column(s) {missing} named in the mapping are not in the file; "
            f"it has {list(table.columns)}"
        )
    out = pd.DataFrame({"row": np.arange(2, len(table) + 2)})
    for key, column in mapping.columns.items():
        out[key] = table[column].str.strip().to_numpy()
    for key in _COLUMN_KEYS - set(mapping.columns):
        out[key] = ""
    out["record"] = [
        json.dumps(r, ensure_ascii=False) for r in table.to_dict(orient="records")
    ]
    return out


def prepare_premises(
    data: bytes, mapping: PremisesMapping, postcodes: PostcodeIndex | None, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Premises rows, rejects and the count of skipped rows of a CSV's bytes."""
    table = _table(data, mapping, name)
    skipped = 0
    if mapping.types:
        keep = table["type"].isin(list(mapping.types))
        skipped = int((~keep).sum())
        table = table.loc[keep].reset_index(drop=True)
        table["type_code"] = table["type"]
        table["type"] = table["type"].map(mapping.types)
    else:
        table["type_code"] = table["type"]
    if mapping.postcode_from_address:
        tail = table["address"].str.rsplit(",", n=1).str[-1].str.strip()
        table["postcode"] = table["postcode"].where(table["postcode"] != "", tail)
    if mapping.name_from_address:
        derived = table["address"].map(_name_from)
        street = table["address"].map(_street_of)  # no name: "4-8 Guildhall Walk"
        derived = derived.where(derived != "", street)
        table["name"] = table["name"].where(table["name"] != "", derived)
    raw = empty_raw(len(table))
    for key in ("postcode", "lon", "lat", "easting", "northing"):
        values = table[key].replace("", np.nan) if key != "postcode" else table[key]
        raw[key] = (
            values.to_numpy()
            if key == "postcode"
            else pd.to_numeric(values, errors="coerce").to_numpy()
        )
    reasons = pd.Series("", index=table.index, dtype=object)
    fields = pd.Series("", index=table.index, dtype=object)

    def reject(bad: pd.Series, column: str, reason: Any) -> None:
        new = bad & (fields == "")
        fields[new] = column
        reasons[new] = reason if isinstance(reason, str) else reason[new]

    reject(table["id"] == "", "id", "no id given")
    reject(table["id"].duplicated(), "id", "id seen earlier in the file")
    reject(table["name"] == "", "name", "no name given")
    located = locate(raw, Geocoders(postcodes=postcodes))
    failed = located["error_reason"].astype(str) != ""
    reject(failed, located["error_field"].astype(str).where(failed, ""), "")
    reasons[failed & (reasons == "")] = located.loc[failed, "error_reason"]
    if mapping.postcode_from_address:
        no_postcode = (
            failed & (table["postcode"] == "") & (reasons == "no location given")
        )
        fields[no_postcode] = "address"
        reasons[no_postcode] = "no postcode at the end of the address"
    good = fields == ""
    rejects = pd.DataFrame(
        {
            "row": table.loc[~good, "row"].astype(int),
            "field": fields[~good].replace("", "location"),
            "reason": reasons[~good].astype(str),
            "record": table.loc[~good, "record"],
        }
    ).reset_index(drop=True)
    ok = table.loc[good]
    loc = located.loc[good]
    premises = pd.DataFrame(
        {
            "premises_id": mapping.source + ":" + ok["id"],
            "source_id": ok["id"],
            "name": ok["name"],
            "address": ok["address"],
            "postcode": ok["postcode"],
            "easting": loc["easting"].round(1),
            "northing": loc["northing"].round(1),
            "lon": loc["lon"].round(6),
            "lat": loc["lat"].round(6),
            "geocode_quality": loc["geocode_quality"],
            "geocode_precision_m": loc["geocode_precision_m"],
            "premises_type": ok["type"],
            "type_code": ok["type_code"],
            "licence_type": ok["licence_type"],
            "hours": ok["hours"],
            "operator": ok["operator"],
            "source": mapping.source,
            "source_date": mapping.source_date,
        }
    ).loc[:, list(PREMISES_COLUMNS)]
    return premises.reset_index(drop=True), rejects, skipped


def import_premises(
    path: Path,
    mapping: PremisesMapping,
    register: PremisesRegister,
    postcodes: PostcodeIndex | None,
    *,
    force: bool = False,
) -> PremisesImport:
    """Import one CSV into ``register``: the source's premises replaced, whole.

    A file whose SHA-256 matches the latest import of its source is skipped
    unless ``force``; importing it again would store the same premises.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from exc
    checksum = hashlib.sha256(data).hexdigest()
    premises, rejects, skipped = prepare_premises(data, mapping, postcodes, str(path))
    rows_read = len(premises) + len(rejects) + skipped
    already = register.import_with_checksum(checksum)
    if already and already["source"] == mapping.source and not force:
        return PremisesImport(str(path), rows_read, skipped, rejects, None, already)
    result = register.replace_source(
        source=mapping.source,
        file_name=Path(path).name,
        checksum=checksum,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        rows_read=rows_read,
        rows_skipped=skipped,
        premises=premises,
        rejects=rejects,
    )
    return PremisesImport(str(path), rows_read, skipped, rejects, result)
