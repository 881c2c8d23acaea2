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

__all__ = ["InputFile", "ZipLimits", "find_input_files"]

_DATA_SUFFIXES = (".csv", ".geojson", ".json")
#: police.uk downloads hold these beside the street files; they are not incidents.
_SKIPPED_ENDINGS = ("-outcomes.csv", "-stop-and-search.csv")


@dataclass(frozen=True)
class ZipLimits:
    """What a zip member may expand to, checked before anything is read.

    A zip bomb (0.8 MB expanding to 200 MB, say) would otherwise be read into
    memory whole, and parsing it costs several times that again.
    """

    max_member_bytes: int = 512_000_000
    max_ratio: float = 100.0  # expanded / compressed size


@dataclass(frozen=True)
class InputFile:
    """One file to ingest: a display name and a way to read its bytes."""

    name: str
    suffix: str
    read_bytes: Callable[[], bytes]
    mapping_path: Path | None = None  # a ``.toml`` beside the file, if any


def find_input_files(
    paths: Iterable[Path], limits: ZipLimits | None = None
) -> tuple[list[InputFile], list[str]]:
    """Expand user paths into input files, in a stable order.

    A zip whose data files break ``limits`` is refused whole, naming the
    member, before any file is ingested.

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
            zipped, passed = _from_zip(path, limits or ZipLimits())
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


def _from_zip(path: Path, limits: ZipLimits) -> tuple[list[InputFile], list[str]]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                (i for i in archive.infolist() if not i.is_dir()),
                key=lambda i: i.filename,
            )
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{path}: not a readable zip file: {exc}") from exc
    data = [i for i in members if Path(i.filename).suffix.lower() in _DATA_SUFFIXES]
    wanted = [i for i in data if not _is_skipped(i.filename)]
    for info in wanted:
        _check_member(path, info, limits)
    files = [
        InputFile(
            name=f"{path}!{info.filename}",
            suffix=Path(info.filename).suffix.lower(),
            read_bytes=_zip_reader(path, info.filename, info.file_size),
        )
        for info in wanted
    ]
    skipped = [f"{path}!{i.filename}" for i in data if _is_skipped(i.filename)]
    return files, skipped


def _check_member(path: Path, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """Refuse a member that would expand past ``limits`` (sizes as the zip's
    directory gives them; reading never returns more than that size)."""
    where = f"{path}!{info.filename}"
    if info.file_size > limits.max_member_bytes:
        raise IngestError(
            f"{where}: expands to {_mb(info.file_size)}, over the "
            f"{_mb(limits.max_member_bytes)} limit for a file in a zip "
            "(HOTSPOTS_MAX_UNZIPPED_MB); nothing in the zip was ingested"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_ratio:
        raise IngestError(
            f"{where}: expands {ratio:,.0f} times ({_mb(info.compress_size)} to "
            f"{_mb(info.file_size)}), over the limit of {limits.max_ratio:,.0f} "
            "(HOTSPOTS_MAX_ZIP_RATIO): a likely zip bomb, so nothing in the zip "
            "was ingested"
        )


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB"


def _zip_reader(path: Path, member: str, size: int) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            with zipfile.ZipFile(path) as archive, archive.open(member) as file:
                data = file.read(size + 1)  # never more than the checked size
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise IngestError(f"{path}!{member}: cannot be unzipped: {exc}") from exc
        if len(data) > size:
            raise IngestError(
                f"{path}!{member}: expands past the size its zip directory gives"
            )
        return data

    return read
