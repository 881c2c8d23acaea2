"""``hotspots area``: build, list, choose and show area packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hotspots.cli import _fail, _out, _PlainHelpCommand, _PlainHelpGroup, _settings
from hotspots.errors import HotspotError

area_app = typer.Typer(
    cls=_PlainHelpGroup,
    help="Area packs: the place the product serves (boundaries, postcodes, map).",
    no_args_is_help=True,
)

FileList = Annotated[list[Path] | None, typer.Option(metavar="FILE")]


@area_app.command("create", cls=_PlainHelpCommand)
def create(
    name: Annotated[str, typer.Argument(help="Pack name: lower case, digits, - _.")],
    wards: Annotated[
        list[Path], typer.Option(metavar="FILE", help="Ward boundaries (repeatable).")
    ],
    lsoas: Annotated[
        list[Path], typer.Option(metavar="FILE", help="LSOA boundaries (repeatable).")
    ],
    postcodes: Annotated[
        list[Path],
        typer.Option(
            metavar="FILE",
            help="OS Code-Point Open CSV(s) as distributed, or ONSPD (repeatable).",
        ),
    ],
    boundary_set: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=FILE",
            help="Another boundary set, e.g. cia=impact_areas.gpkg (repeatable).",
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="The study area's name (default: districts).")
    ] = None,
    attribution: Annotated[
        str, typer.Option(help="Attribution of the source files.")
    ] = "",
    use: Annotated[bool, typer.Option(help="Make it the active pack.")] = False,
) -> None:
    """Build an area pack from boundary files (any format and CRS) and postcodes."""
    from hotspots.areas.build import create_pack
    from hotspots.areas.registry import packs_dir, use_pack

    settings = _settings()
    others: dict[str, list[Path]] = {}
    for entry in boundary_set or []:
        set_name, sep, path = entry.partition("=")
        if not sep or not set_name or not path:
            _fail(f"--set {entry!r}: give NAME=FILE, e.g. cia=impact_areas.gpkg")
        others.setdefault(set_name.strip(), []).append(Path(path.strip()))
    try:
        report = create_pack(
            name,
            packs_dir(settings.data_dir) / name,
            wards=wards,
            lsoas=lsoas,
            postcodes=postcodes,
            other_sets=others,
            title=title,
            attribution=attribution,
        )
        if use:
            use_pack(name, settings.data_dir)
    except HotspotError as exc:
        _fail(exc)
    pack = report.pack
    assert pack is not None
    districts = ", ".join(f"{d.name} ({d.code})" for d in pack.districts)
    _out.print(f"Built area pack {name!r} in {pack.folder}: {districts}")
    for set_name, count in report.areas.items():
        _out.print(f"  {set_name}: {count:,} areas")
    _out.print(f"  postcodes: {report.postcodes:,}")
    for repaired in report.repaired:
        _out.print(f"  repaired an invalid polygon: {repaired}")
    hint = "" if use else f" (use it with `hotspots area use {name}`)"
    _out.print(f"Done{hint}.")


@area_app.command("list", cls=_PlainHelpCommand)
def list_areas() -> None:
    """List the area packs; the active one is marked with *."""
    from hotspots.areas.registry import active_pack_name, list_packs

    settings = _settings()
    active = active_pack_name(settings.data_dir, settings.area)
    for name in list_packs(settings.data_dir):
        _out.print(f"{'*' if name == active else ' '} {name}")


@area_app.command("use", cls=_PlainHelpCommand)
def use(name: Annotated[str, typer.Argument(help="Pack name.")]) -> None:
    """Make a pack the active one (HOTSPOTS_AREA, when set, still wins)."""
    from hotspots.areas.registry import use_pack

    settings = _settings()
    try:
        pack = use_pack(name, settings.data_dir)
    except HotspotError as exc:
        _fail(exc)
    _out.print(f"Active area: {pack.name} ({pack.title})")
    if settings.area and settings.area != name:
        _out.print(f"Note: HOTSPOTS_AREA={settings.area} overrides this choice.")


@area_app.command("show", cls=_PlainHelpCommand)
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the active pack: districts, boundary sets, postcode tables."""
    settings = _settings()
    try:
        description = settings.area_pack().describe()
    except HotspotError as exc:
        _fail(exc)
    if as_json:
        _out.print(json.dumps(description, indent=2), markup=False)
        return
    _out.print(
        f"{description['title']} ({description['code']}), pack {description['name']}"
    )
    for district in description["districts"]:
        _out.print(f"  district {district['code']}: {district['name']}")
    for set_name, count in description["boundary_sets"].items():
        _out.print(f"  {set_name}: {count:,} areas")
    for table in description["postcode_tables"]:
        _out.print(f"  postcodes: {table}")
    _out.print(f"  folder: {description['folder']}")
