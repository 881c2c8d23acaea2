"""Where area packs live and which one is active.

The bundled pack (Portsmouth) lives in ``boundaries/data``; packs a user builds
live in ``<data dir>/areas/<name>``. The active pack is ``HOTSPOTS_AREA`` when
set, else the one chosen with ``hotspots area use NAME`` (remembered in
``<data dir>/areas/active``), else the bundled one.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from hotspots.areas.pack import MANIFEST, AreaPack, load_pack
from hotspots.errors import AreaPackError

__all__ = [
    "BUNDLED_PACK",
    "DEFAULT_PACK",
    "active_pack_name",
    "default_pack",
    "find_pack",
    "list_packs",
    "packs_dir",
    "use_pack",
]

DEFAULT_PACK = "portsmouth"
#: The bundled pack's folder (installed with the package).
BUNDLED_PACK = Path(str(resources.files("boundaries").joinpath("data")))
_ACTIVE_FILE = "active"


@cache
def default_pack() -> AreaPack:
    """The bundled Portsmouth pack, loaded once per process."""
    return load_pack(BUNDLED_PACK)


def packs_dir(data_dir: Path) -> Path:
    """The folder of the packs a user builds."""
    return Path(data_dir) / "areas"


def list_packs(data_dir: Path) -> list[str]:
    """Names of every pack: the bundled one, then the user's, sorted."""
    folder = packs_dir(data_dir)
    own = (
        sorted(p.name for p in folder.iterdir() if (p / MANIFEST).is_file())
        if folder.is_dir()
        else []
    )
    return [DEFAULT_PACK, *(n for n in own if n != DEFAULT_PACK)]


def find_pack(name: str, data_dir: Path) -> AreaPack:
    """The pack called ``name``; raises listing the packs there are."""
    if name == DEFAULT_PACK:
        return default_pack()
    folder = packs_dir(data_dir) / name
    if not (folder / MANIFEST).is_file():
        known = ", ".join(list_packs(data_dir))
        raise AreaPackError(
            f"no area pack {name!r}; packs: {known} "
            "(build one with `hotspots area create`)"
        )
    return _load(folder.resolve())


@cache
def _load(folder: Path) -> AreaPack:
    return load_pack(folder)


def active_pack_name(data_dir: Path, setting: str | None = None) -> str:
    """The active pack's name: the setting, the remembered choice, the default."""
    if setting:
        return setting
    remembered = packs_dir(data_dir) / _ACTIVE_FILE
    if remembered.is_file():
        return remembered.read_text(encoding="utf-8").strip() or DEFAULT_PACK
    return DEFAULT_PACK


def use_pack(name: str, data_dir: Path) -> AreaPack:
    """Make ``name`` the remembered active pack (checked first)."""
    pack = find_pack(name, data_dir)
    folder = packs_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _ACTIVE_FILE).write_text(name + "\n", encoding="utf-8")
    return pack
