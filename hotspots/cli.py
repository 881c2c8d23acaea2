"""The ``hotspots`` command: every job starts here (ingest, serve, layer, ...)."""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from hotspots.errors import HotspotError

# Each command imports what it uses, so `hotspots --help` starts in a fraction of
# a second (tests/test_cli_startup.py checks scipy, scikit-learn, pandas and
# geopandas stay unloaded).
if TYPE_CHECKING:
    from hotspots.areas.pack import AreaPack
    from hotspots.ingest import IngestOptions, IngestReport
    from hotspots.settings import Settings
    from hotspots.store import IncidentStore

#: Click's names for value types, which other Typer programs show in help.
_CLICK_TYPE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}


class _PlainArgument(TyperArgument):
    """An argument shown as ``PATHS...`` in help and usage, with no type label."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return None

    @property
    def display_name_raw(self) -> str:
        return self.metavar or self.name.upper()

    def _rich_display_name(self) -> str:
        return self.name.upper() + ("..." if self.nargs != 1 else "")

    def get_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return [self._rich_display_name()]


class _PlainOption(TyperOption):
    """An option shown with its metavar (``FILE``, ``N``); a flag with none."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar:
            return self.metavar
        label = self.display_type(ctx).strip("<>").removeprefix("list[").rstrip("]")
        return _CLICK_TYPE_NAMES.get(label, label.upper())


def _plain(params: list[_click.Parameter]) -> list[_click.Parameter]:
    """The parameters, shown as other Typer programs show them.

    This Typer labels every parameter with its Python type (``<list[Path]>``,
    ``--help <bool>``); users of a command line expect ``PATHS...``,
    ``--mapping FILE`` and bare flags.
    """
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = _PlainOption
    return params


class _PlainHelpCommand(TyperCommand):
    """A command whose help shows no Python type labels (see :func:`_plain`)."""

    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        return _plain(super().get_params(ctx))


class _PlainHelpGroup(TyperGroup):
    """The ``hotspots`` group, its help plain too (see :func:`_plain`)."""

    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        return _plain(super().get_params(ctx))


app = typer.Typer(
    cls=_PlainHelpGroup,
    help="Crime and harm hotspot mapping: ingest incidents, compute layers, serve.",
    no_args_is_help=True,
    add_completion=False,
)
#: Messages are never wrapped: a pipe or a log gets each one on one line, and
#: a terminal wraps long lines itself.
_err = Console(stderr=True, soft_wrap=True, highlight=False)
_out = Console(soft_wrap=True, highlight=False)


def _fail(message: object) -> NoReturn:
    """Print ``error: <message>`` (one line per line of it) and exit with 2."""
    for line in str(message).splitlines() or [""]:
        _err.print(Text.assemble(("error:", "red"), " ", line))
    raise typer.Exit(code=2)


def _settings() -> Settings:
    """The ``HOTSPOTS_*`` settings, or exit 2 naming each bad variable; a warning
    for each ``HOTSPOTS_*`` variable that is no setting."""
    from hotspots.settings import SettingsError, load_settings, unknown_variables

    for warning in unknown_variables():
        _err.print(Text.assemble(("warning:", "yellow"), " ", warning))
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(exc)


def _pack(settings: Settings) -> AreaPack:
    """The active area pack, or exit 2 saying why it cannot be used."""
    try:
        return settings.area_pack()
    except HotspotError as exc:
        _fail(exc)


def _store(settings: Settings) -> IncidentStore:
    from hotspots.store import open_store

    return open_store(settings.store_url())


@app.command(cls=_PlainHelpCommand)
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATHS...", help="CSV/GeoJSON files, folders or police.uk zips."
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Column mapping TOML for non-police.uk CSVs."
        ),
    ] = None,
    themes: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="TOML overriding the category -> theme map."),
    ] = None,
    study_area: Annotated[
        str | None, typer.Option(metavar="city|all", help="'city' (default) or 'all'.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Write this run's rejected rows to this CSV."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Ingest files even if already ingested (same SHA-256)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of tables.")
    ] = False,
) -> None:
    """Ingest incident files into the store (HOTSPOTS_DATABASE_URL)."""
    from hotspots.ingest import IngestOptions
    from hotspots.readers.mapping import read_mapping
    from hotspots.themes import ThemeMap

    settings = _settings()
    try:
        theme_map = ThemeMap.default()
        if themes is not None:
            theme_map = theme_map.overridden_by(ThemeMap.from_file(themes))
        options = IngestOptions(
            study_area=study_area or settings.study_area,
            tolerance_m=settings.area_tolerance_m,
            themes=theme_map,
            mapping=read_mapping(mapping) if mapping else None,
            force=force,
            pack=_pack(settings),
        )
        store = _store(settings)
        report = _run_ingest(paths, store, options, quiet=as_json)
    except (HotspotError, ValueError) as exc:
        _fail(exc)
    if rejects is not None:
        _write_rejects(store, report, rejects)
    if as_json:
        out = {**report.totals(), "store": store.url}
        out["file_reports"] = [vars(f) for f in report.files]
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        _print_report(report, store)


def _run_ingest(
    paths: list[Path], store: IncidentStore, options: IngestOptions, *, quiet: bool
) -> IngestReport:
    from hotspots.ingest import ingest_paths

    console = Console(stderr=True)
    show = console.is_terminal and not quiet
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
    ) as progress:
        task = progress.add_task("ingesting", total=None)
        rows_task = progress.add_task("  rows", total=None)

        def on_file(name: str, index: int, total: int) -> None:
            progress.update(task, total=total, completed=index, description=name)
            progress.update(rows_task, total=None, completed=0)

        def on_rows(done: int, total: int) -> None:
            progress.update(rows_task, total=total, completed=done)

        report = ingest_paths(
            paths, store, options=options, on_file=on_file, on_rows=on_rows
        )
        progress.update(task, completed=len(report.files), description="done")
    return report


@dataclass(frozen=True)
class _Column:
    """A column of a table printed by :func:`_print_table`."""

    header: str
    text: bool = False  # free text (file names): folded to fit, left-aligned


#: Width a folded text column keeps at least before the table gives way to
#: one block per row.
_MIN_TEXT_WIDTH = 12


def _print_table(
    title: str, columns: Sequence[_Column], rows: Sequence[Sequence[str]]
) -> None:
    """A table if it fits the output's width, else one block of lines per row.

    Headers and numbers are never cut (Rich would shorten ``batch_id`` to
    ``batch…`` on a narrow terminal); free text folds onto more lines. When
    even that does not fit, each row is printed as ``header: value`` lines,
    which no width can break.
    """
    console = Console()
    widths = [
        max([len(c.header), *(len(row[i]) for row in rows)])
        for i, c in enumerate(columns)
    ]
    gaps = len(columns) - 1  # one space between columns, none at the edges
    needed = gaps + sum(
        max(len(c.header), min(w, _MIN_TEXT_WIDTH)) if c.text else w
        for c, w in zip(columns, widths, strict=True)
    )
    if needed > console.width:
        _out.print(title)
        for row in rows:
            _out.print(f"{columns[0].header} {row[0]}")
            for column, value in zip(columns[1:], row[1:], strict=True):
                _out.print(f"  {column.header}: {value}")
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 0))
    for column, width in zip(columns, widths, strict=True):
        if column.text:
            table.add_column(
                column.header, overflow="fold", min_width=len(column.header)
            )
        else:
            table.add_column(
                column.header, justify="right", no_wrap=True, min_width=width
            )
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _counts(*numbers: object) -> list[str]:
    """Row counts as table cells: ``17,950``."""
    return [f"{int(str(n)):,}" for n in numbers]


def _print_report(report: IngestReport, store: IncidentStore) -> None:
    columns = [
        _Column("file", text=True), _Column("source", text=True), _Column("batch"),
        _Column("read"), _Column("stored"), _Column("rejected"), _Column("dupl."),
    ]  # fmt: skip
    rows = [
        [
            Path(f.name).name,
            f.source,
            str(f.batch_id),
            *_counts(f.read, f.stored, f.rejected, f.duplicates),
        ]
        for f in report.files
    ]
    totals = report.totals()
    counts = ("read", "stored", "rejected", "duplicates")
    rows.append(["total", "", "", *_counts(*(totals[key] for key in counts))])
    if report.files:
        _print_table(f"Ingest into {store.url}", columns, rows)
    reasons = totals["rejected_by_reason"]
    if isinstance(reasons, dict) and reasons:
        _print_table(
            "Rejected rows by reason",
            [_Column("reason", text=True), _Column("rows")],
            [[str(reason), *_counts(count)] for reason, count in reasons.items()],
        )
    for done in report.already_ingested:
        _out.print(f"Skipped {done}; --force ingests it again.")
    if report.skipped:
        _out.print(
            f"Skipped {len(report.skipped)} non-incident files "
            "(police.uk outcomes, stop and search)."
        )
    _out.print(f"Store now holds {store.count():,} incidents.")


def _write_rejects(store: IncidentStore, report: IngestReport, path: Path) -> None:
    import pandas as pd

    from hotspots.store.base import REJECT_COLUMNS

    frames = [store.rejects(f.batch_id) for f in report.files]
    rejects = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["batch_id", "file_name", *REJECT_COLUMNS])
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects.to_csv(path, index=False)


@app.command(cls=_PlainHelpCommand)
def batches() -> None:
    """List the batches (files) ingested into the store."""
    from hotspots.store.base import short_file_name

    try:
        store = _store(_settings())
    except HotspotError as exc:
        _fail(exc)
    columns = [
        _Column("batch"), _Column("file", text=True), _Column("source", text=True),
        _Column("ingested"), _Column("read"), _Column("stored"),
        _Column("rejected"), _Column("dupl."),
    ]  # fmt: skip
    rows = [
        [
            str(b.batch_id),
            short_file_name(b.file_name),
            b.source,
            b.ingested_at[:16].replace("T", " "),
            *_counts(b.rows_read, b.rows_stored, b.rows_rejected, b.rows_duplicate),
        ]
        for b in store.batches().itertuples(index=False)
    ]
    _print_table(f"Batches in {store.url}", columns, rows)


def _parse_params(pairs: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs with numbers and true/false converted."""
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(
                f"expected KEY=VALUE, got {pair!r}", param_hint="--param"
            )
        value: object = text
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(text)
                    break
                except ValueError:
                    continue
        params[key.strip()] = value
    return params


@app.command(cls=_PlainHelpCommand)
def layer(
    method: Annotated[
        str, typer.Argument(help="grid, kde, gistar, dbscan or hdbscan.")
    ],
    out: Annotated[Path, typer.Option(help="GeoJSON file to write (WGS84).")],
    theme: Annotated[
        str | None, typer.Option(help="asb, violence, drugs, alcohol or other.")
    ] = None,
    period_from: Annotated[
        str | None,
        typer.Option("--from", help="First month or day, YYYY-MM or YYYY-MM-DD."),
    ] = None,
    period_to: Annotated[
        str | None,
        typer.Option("--to", help="Last month or day, YYYY-MM or YYYY-MM-DD."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            help="Keep the features in these ward/LSOA codes or names (default: all)."
        ),
    ] = None,
    study_area: Annotated[
        str | None,
        typer.Option(
            help="Compute the statistic inside this area only (default: the whole "
            "study area; --area just chooses features)."
        ),
    ] = None,
    cell_size_m: Annotated[float | None, typer.Option(help="Cell size, m.")] = None,
    bandwidth_m: Annotated[float | None, typer.Option(help="KDE bandwidth, m.")] = None,
    distance_m: Annotated[
        float | None, typer.Option(help="Gi* distance band, m.")
    ] = None,
    eps_m: Annotated[float | None, typer.Option(help="DBSCAN radius, m.")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="Any other method parameter, KEY=VALUE.")
    ] = None,
) -> None:
    """Compute a hotspot layer from the store and write it as GeoJSON."""
    explicit = {
        "cell_size_m": cell_size_m,
        "bandwidth_m": bandwidth_m,
        "distance_m": distance_m,
        "eps_m": eps_m,
    }
    params = {k: v for k, v in explicit.items() if v is not None}
    params.update(_parse_params(param or []))
    from hotspots.layers import LayerRequest, compute_layer
    from hotspots.period import parse_period

    # The modules just imported are ~1M long-lived objects: frozen, the
    # collector stops walking them each time the layer's lists grow (~0.1 s).
    gc.freeze()
    try:
        period = parse_period(period_from, period_to, ("--from", "--to"))
        request = LayerRequest(
            method,
            theme,
            area=area,
            parameters=params,
            study_area=study_area,
            **asdict(period),
        )
        settings = _settings()
        collection = compute_layer(_store(settings), request, _pack(settings))
    except (HotspotError, TypeError) as exc:
        _fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection), encoding="utf-8")
    auto = set(collection.get("auto", []))
    _out.print(f"Wrote {len(collection['features']):,} features to {out}")
    for key, value in collection.get("parameters", {}).items():
        _out.print(f"  {key} = {value}{' (auto)' if key in auto else ''}")
    if "note" in collection:
        _out.print(f"Note: {collection['note']}")


@app.command(cls=_PlainHelpCommand)
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    with_sample_data: Annotated[
        bool,
        typer.Option(help="Load the bundled sample data first if the store is empty."),
    ] = False,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs ~1/3 of cached throughput).")
    ] = False,
) -> None:
    """Start the web service and print the map URL."""
    import uvicorn

    from api.main import create_app

    settings = _settings()
    try:
        store = _store(settings)
    except HotspotError as exc:
        _fail(exc)
    if with_sample_data and store.count() == 0:
        from hotspots.ingest import IngestOptions
        from hotspots.sample import SAMPLE_PATHS

        options = IngestOptions(pack=_pack(settings))
        report = _run_ingest(list(SAMPLE_PATHS), store, options, quiet=False)
        totals = report.totals()
        _out.print(
            f"Loaded sample data: {totals['stored']:,} incidents stored, "
            f"{totals['rejected']:,} rows rejected (see `hotspots batches`)."
        )
    if with_sample_data:  # the sample premises register (hotspots/cli_premises.py)
        from hotspots.cli_premises import load_sample_register

        load_sample_register()
    bind_host = host or settings.host
    bind_port = port or settings.port
    # Bound to every interface (a container): 0.0.0.0 is no address to open;
    # localhost is, here and through a published port.
    every = bind_host in ("0.0.0.0", "::", "[::]")
    shown = "localhost" if every else bind_host
    _out.print(
        f"Store: {store.url}\nMap: http://{shown}:{bind_port}/"
        f"{' (listening on every interface)' if every else ''}\n"
        f"API docs: http://{shown}:{bind_port}/docs"
    )
    if every:  # uvicorn's own "running on http://0.0.0.0:..." is no address either
        logging.getLogger("uvicorn.error").addFilter(_no_bind_address_line)
    uvicorn.run(
        create_app(settings),
        host=bind_host,
        port=bind_port,
        log_level="info",
        access_log=access_log,
    )


def _no_bind_address_line(record: logging.LogRecord) -> bool:
    """Drop uvicorn's start line, which names the bind address, not a URL."""
    return not str(record.msg).startswith("Uvicorn running on")


def _add_subcommands() -> None:
    """The command groups defined in their own modules (``hotspots area ...``)."""
    from hotspots.cli_area import area_app

    app.add_typer(area_app, name="area")
    from hotspots.cli_premises import premises_app

    app.add_typer(premises_app, name="premises")
    from hotspots.cli_db import db_app

    app.add_typer(db_app, name="db")
    from hotspots.cli_evaluate import evaluate

    app.command("evaluate", cls=_PlainHelpCommand)(evaluate)
    from hotspots.cli_report import report_app

    app.add_typer(report_app, name="report")


if __name__ == "__main__":
    # ``python -m hotspots.cli``: the groups import this module by name, so run
    # that module (every command added), not this copy of it.
    from hotspots.cli import app as _named_app

    _named_app()
else:
    _add_subcommands()
