"""``hotspots report priorities``: the strategic assessment pack (HTML, PDF, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hotspots.cli import (
    _fail,
    _out,
    _pack,
    _PlainHelpCommand,
    _PlainHelpGroup,
    _settings,
    _store,
)
from hotspots.errors import HotspotError

report_app = typer.Typer(
    cls=_PlainHelpGroup,
    help="Reports over the whole study area (the partnership's priorities).",
    no_args_is_help=True,
)


@report_app.command("priorities", cls=_PlainHelpCommand)
def priorities(
    out: Annotated[
        Path, typer.Option(help="Folder: writes priorities.html, .pdf, .json.")
    ],
    month_from: Annotated[
        str | None,
        typer.Option(
            "--from", help="First month, YYYY-MM (default: the latest 3 stored)."
        ),
    ] = None,
    month_to: Annotated[
        str | None, typer.Option("--to", help="Last month, YYYY-MM.")
    ] = None,
    role: Annotated[
        str, typer.Option(help="Disclosure role: public, partner or analyst.")
    ] = "analyst",
    priority: Annotated[
        list[str] | None, typer.Option(help="Only this priority id (repeatable).")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            help="Harm weights: a TOML file, or 'illustrative' for the bundled example."
        ),
    ] = None,
    note: Annotated[
        str, typer.Option(help="A line for the front page's data notes.")
    ] = "",
    stem: Annotated[str, typer.Option(help="File name stem.")] = "priorities",
    pdf: Annotated[bool, typer.Option(help="Also write the PDF.")] = True,
) -> None:
    """Write the priorities pack: per priority a map, a trend chart, the ward
    table and a summary, for ``--role`` (analyst unless given)."""
    from hotspots.access import parse_role
    from hotspots.period import parse_period
    from hotspots.priorities.weights import load_weights
    from hotspots.reports.priorities import make_priorities_report, pack_json, pack_pdf

    try:
        who = parse_role(role)
        period = parse_period(month_from, month_to)
        if period.day_from or period.day_to:
            _fail("give --from and --to as months (YYYY-MM): the pack is monthly")
        harm = load_weights(weights) if weights else None
        settings = _settings()
        built, html = make_priorities_report(
            _store(settings),
            _pack(settings),
            month_from=period.month_from,
            month_to=period.month_to,
            role=who,
            weights=harm,
            only=priority or None,
            note=note,
            generated_by=f"hotspots report priorities (role {who.value})",
        )
    except HotspotError as exc:
        _fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{stem}.html", out / f"{stem}.json"]
    written[0].write_text(html, encoding="utf-8")
    written[1].write_text(pack_json(built), encoding="utf-8")
    if pdf:
        written.append(out / f"{stem}.pdf")
        written[-1].write_bytes(pack_pdf(html))
    _out.print("Wrote " + ", ".join(str(p) for p in written))
