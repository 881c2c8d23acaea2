"""Find the input files behind the paths a user gives to ``hotspots ingest``.

A path may be one file, a folder (searched recursively) or the zip that
data.police.uk's download gives (month folders inside). Each CSV or GeoJSON
found is one input file, ingested in its own transaction.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hotspots.errors import IngestError

__all__ = ["InputFile", "find_input_files"]

_DATA_SUFFIXES = (".csv", ".geojson", ".json")
#: police.uk downloads hold these beside the street files; they are not incidents.
_SKIPPED_ENDINGS = ("-outcomes.csv", "-stop-and-search.csv")


@dataclass(frozen=True)
class InputFile:
    """One file to ingest: a display name and a way to read its bytes."""

    name: str
    suffix: str
    read_bytes: Callable[[], bytes]
    mapping_path: Path | None = None  # a ``.toml`` beside the file, if any


def find_input_files(paths: Iterable[Path]) -> tuple[list[InputFile], list[str]]:
    """Expand user paths into input files, in a stable order.

    Returns
    -------
    (files, skipped)
        The files to ingest and the names passed over (police.uk outcomes and
        stop-and-search files), for the report.
    """
    files: list[InputFile] = []
    skipped: list[str] = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path}: no such file or folder")
        if path.is_dir():
            members = sorted(p for p in path.rglob("*") if p.is_file())
            candidates = [p for p in members if p.suffix.lower() in _DATA_SUFFIXES]
            found = [p for p in candidates if not _is_skipped(p.name)]
            skipped += [str(p) for p in candidates if _is_skipped(p.name)]
            files += [_from_path(p) for p in found]
        elif path.suffix.lower() == ".zip":
            zipped, passed = _from_zip(path)
            files += zipped
            skipped += passed
        else:
            files.append(_from_path(path))
    return files, skipped


def _is_skipped(name: str) -> bool:
    return name.lower().endswith(_SKIPPED_ENDINGS)


def _from_path(path: Path) -> InputFile:
    beside = path.with_suffix(".toml")
    return InputFile(
        name=str(path),
        suffix=path.suffix.lower(),
        read_bytes=path.read_bytes,
        mapping_path=beside if beside.is_file() else None,
    )


def _from_zip(path: Path) -> tuple[list[InputFile], list[str]]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if not n.endswith("/"))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{path}: not a readable zip file: {exc}") from exc
    data_names = [n for n in names if Path(n).suffix.lower() in _DATA_SUFFIXES]
    files = [
        InputFile(
            name=f"{path}!{member}",
            suffix=Path(member).suffix.lower(),
            read_bytes=_zip_reader(path, member),
        )
        for member in data_names
        if not _is_skipped(member)
    ]
    skipped = [f"{path}!{m}" for m in data_names if _is_skipped(m)]
    return files, skipped


def _zip_reader(path: Path, member: str) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)

    return read
