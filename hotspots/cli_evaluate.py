"""``hotspots evaluate``: rolling backtests of every method and baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from hotspots.cli import _Column, _fail, _out, _pack, _print_table, _settings, _store
from hotspots.errors import HotspotError


def evaluate(
    theme: Annotated[
        list[str] | None,
        typer.Option(
            help="Theme(s) to backtest: all, asb, violence, ... (repeatable)."
        ),
    ] = None,
    study_area: Annotated[
        str | None, typer.Option(help="Study area (default: the city).")
    ] = None,
    min_train: Annotated[int, typer.Option(help="Months before the first origin.")] = 3,
    test_months: Annotated[int, typer.Option(help="Months scored per origin.")] = 1,
    coverage: Annotated[
        float, typer.Option(help="Coverage (share of cells) of the table.")
    ] = 0.05,
    cell_size_m: Annotated[
        float, typer.Option(help="Cell size (m) of the common evaluation grid.")
    ] = 100.0,
    csv: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Every fold's scores as CSV.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(metavar="FILE", help="The tables as Markdown.")
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Folder for one SVG chart per theme."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Backtest every method: build each map before a month, score it on that
    month (hit rate, PAI, PEI, RRI), rolling over every month available."""
    from hotspots.evaluation import default_forecasters
    from hotspots.evaluation.report import hit_rate_chart, markdown_table, wide_table
    from hotspots.evaluation.run import backtest_store

    settings = _settings()
    store, pack = _store(settings), _pack(settings)
    themes = theme or ["asb", "violence", "drugs", "all"]
    forecasters = default_forecasters()
    console = Console(stderr=True)
    results = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=console, disable=not console.is_terminal or as_json,
    ) as progress:  # fmt: skip
        for name in themes:
            task = progress.add_task(f"backtesting {name}", total=None)

            def tick(done: int, total: int, label: str, task: int = task) -> None:
                progress.update(task, completed=done, total=total)

            try:
                results[name] = backtest_store(
                    store, forecasters, theme=name, study_area=study_area,
                    pack=pack, min_train=min_train, test_months=test_months,
                    cell_size_m=cell_size_m, progress=tick,
                )  # fmt: skip
            except HotspotError as exc:
                _fail(f"{name}: {exc}")
    if as_json:
        out = {
            k: {"parameters": bt.parameters,
                "summary": bt.summary().to_dict(orient="records")}
            for k, bt in results.items()
        }  # fmt: skip
        _out.print(json.dumps(out, default=str), soft_wrap=True)
    sections = []
    for name, bt in results.items():
        table = wide_table(bt, coverage)
        p = bt.parameters
        title = (
            f"{name}: {p['incidents']:,} incidents, origins "
            f"{', '.join(p['origins'])}; {100 * coverage:g} % of "
            f"{p['grid_cells']:,} cells of {cell_size_m:g} m"
        )
        if not as_json:
            columns = [_Column(c, text=c == "method") for c in table.columns]
            rows = [[str(v) for v in row] for row in table.itertuples(index=False)]
            _print_table(title, columns, rows)
        sections.append(f"### {title}\n\n{markdown_table(table)}\n")
        if chart:
            chart.mkdir(parents=True, exist_ok=True)
            (chart / f"hit_rate_{name}.svg").write_text(
                hit_rate_chart(bt, f"Hit rate against coverage: {name}")
            )
    if markdown:
        markdown.write_text("\n".join(sections))
    if csv:
        import pandas as pd

        frames = [bt.folds.assign(theme=k) for k, bt in results.items()]
        pd.concat(frames).to_csv(csv, index=False)
