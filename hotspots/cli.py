"""The ``hotspots`` command: every job starts here (ingest, serve, layer, ...)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from hotspots.errors import HotspotError
from hotspots.ingest import IngestOptions, IngestReport, ingest_paths
from hotspots.layers import LayerRequest, compute_layer
from hotspots.period import parse_period
from hotspots.readers.mapping import read_mapping
from hotspots.sample import SAMPLE_PATHS
from hotspots.settings import Settings
from hotspots.store import IncidentStore, open_store
from hotspots.themes import ThemeMap

app = typer.Typer(
    help="Crime and harm hotspot mapping: ingest incidents, compute layers, serve.",
    no_args_is_help=True,
    add_completion=False,
)
_err = Console(stderr=True)


def _store(settings: Settings) -> IncidentStore:
    return open_store(settings.store_url())


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="CSV/GeoJSON files, folders or police.uk zips.")
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="Column mapping TOML for non-police.uk CSVs.")
    ] = None,
    themes: Annotated[
        Path | None, typer.Option(help="TOML overriding the category -> theme map.")
    ] = None,
    study_area: Annotated[
        str | None, typer.Option(help="'city' (default) or 'all'.")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write this run's rejected rows to this CSV.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of tables.")
    ] = False,
) -> None:
    """Ingest incident files into the store (HOTSPOTS_DATABASE_URL)."""
    settings = Settings()
    try:
        theme_map = ThemeMap.default()
        if themes is not None:
            theme_map = theme_map.overridden_by(ThemeMap.from_file(themes))
        options = IngestOptions(
            study_area=study_area or settings.study_area,
            tolerance_m=settings.area_tolerance_m,
            themes=theme_map,
            mapping=read_mapping(mapping) if mapping else None,
        )
        store = _store(settings)
        report = _run_ingest(paths, store, options, quiet=as_json)
    except (HotspotError, ValueError) as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
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


def _print_report(report: IngestReport, store: IncidentStore) -> None:
    console = Console()
    table = Table(title=f"Ingest into {store.url}")
    for column in ("file", "source", "batch", "read", "stored", "rejected", "dupl."):
        table.add_column(
            column, justify="left" if column in ("file", "source") else "right"
        )
    for f in report.files:
        table.add_row(
            Path(f.name).name, f.source, str(f.batch_id), f"{f.read:,}",
            f"{f.stored:,}", f"{f.rejected:,}", f"{f.duplicates:,}",
        )  # fmt: skip
    totals = report.totals()
    table.add_section()
    table.add_row(
        "total", "", "", f"{totals['read']:,}", f"{totals['stored']:,}",
        f"{totals['rejected']:,}", f"{totals['duplicates']:,}",
    )  # fmt: skip
    console.print(table)
    reasons = totals["rejected_by_reason"]
    if isinstance(reasons, dict) and reasons:
        why = Table(title="Rejected rows by reason")
        why.add_column("reason")
        why.add_column("rows", justify="right")
        for reason, count in reasons.items():
            why.add_row(reason, f"{count:,}")
        console.print(why)
    if report.skipped:
        console.print(
            f"Skipped {len(report.skipped)} non-incident files "
            "(police.uk outcomes, stop and search)."
        )
    console.print(f"Store now holds {store.count():,} incidents.")


def _write_rejects(store: IncidentStore, report: IngestReport, path: Path) -> None:
    frames = [store.rejects(f.batch_id) for f in report.files]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)


@app.command()
def batches() -> None:
    """List the batches (files) ingested into the store."""
    store = _store(Settings())
    frame = store.batches()
    table = Table(title=f"Batches in {store.url}")
    for column in frame.columns:
        table.add_column(column)
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    Console().print(table)


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


@app.command()
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
        str | None, typer.Option(help="Ward or LSOA code or name (default: city).")
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
    try:
        period = parse_period(period_from, period_to, ("--from", "--to"))
        request = LayerRequest(
            method, theme, area=area, parameters=params, **asdict(period)
        )
        collection = compute_layer(_store(Settings()), request)
    except (HotspotError, TypeError) as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection), encoding="utf-8")
    console = Console()
    auto = set(collection.get("auto", []))
    console.print(f"Wrote {len(collection['features']):,} features to {out}")
    for key, value in collection.get("parameters", {}).items():
        console.print(f"  {key} = {value}{' (auto)' if key in auto else ''}")
    if "note" in collection:
        console.print(f"Note: {collection['note']}")


@app.command()
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

    settings = Settings()
    store = _store(settings)
    if with_sample_data and store.count() == 0:
        report = _run_ingest(list(SAMPLE_PATHS), store, IngestOptions(), quiet=False)
        totals = report.totals()
        Console().print(
            f"Loaded sample data: {totals['stored']:,} incidents stored, "
            f"{totals['rejected']:,} rows rejected (see `hotspots batches`)."
        )
    bind_host = host or settings.host
    bind_port = port or settings.port
    Console().print(
        f"Store: {store.url}\nMap: http://{bind_host}:{bind_port}/\n"
        f"API docs: http://{bind_host}:{bind_port}/docs"
    )
    uvicorn.run(
        create_app(settings),
        host=bind_host,
        port=bind_port,
        log_level="info",
        access_log=access_log,
    )


if __name__ == "__main__":
    app()
