"""``hotspots premises``: import a register, search it, check, rank and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

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

if TYPE_CHECKING:  # imported by the commands that use it: a fast --help
    from hotspots.premises.importer import PremisesImport

premises_app = typer.Typer(
    cls=_PlainHelpGroup,
    help="Premises for licensing: register, area check, ranking, evidence report.",
    no_args_is_help=True,
)

SAMPLE_REGISTER = (
    Path(__file__).resolve().parent.parent
    / "sample_data/premises/portsmouth-ndr-properties-january-2022.csv"
)
Radius = Annotated[float, typer.Option(min=50, max=500, help="Radius in metres.")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
Theme = Annotated[str | None, typer.Option(help="asb, violence, drugs, alcohol…")]
Change = Annotated[
    str | None, typer.Option(help="Before/after date, YYYY-MM or YYYY-MM-DD.")
]
RoleOpt = Annotated[str, typer.Option(help="Disclosure role: partner or analyst.")]


def import_register(
    path: Path, mapping_path: Path | None, force: bool = False
) -> PremisesImport:
    """Import ``path`` with its mapping (beside it when not given)."""
    from hotspots.ingest import pack_postcodes
    from hotspots.premises import register_of
    from hotspots.premises.importer import import_premises, read_mapping

    settings = _settings()
    mapping_path = mapping_path or path.with_suffix(".toml")
    if not mapping_path.exists():
        _fail(f"{path}: no mapping file given and none beside it ({mapping_path})")
    store = _store(settings)
    return import_premises(
        path,
        read_mapping(mapping_path),
        register_of(store),
        pack_postcodes(_pack(settings)),
        force=force,
    )


@premises_app.command("import", cls=_PlainHelpCommand)
def import_(
    path: Annotated[Path, typer.Argument(help="Premises CSV.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping TOML (default: beside the CSV).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write rejected rows to this CSV.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Import an unchanged file again.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a premises register (replaces its source's premises, whole)."""
    try:
        result = import_register(path, mapping, force)
    except HotspotError as exc:
        _fail(exc)
    if rejects is not None:
        result.rejects.to_csv(rejects, index=False)
    summary = result.summary()
    if as_json:
        _out.print(json.dumps(summary))
        return
    if summary["already_imported"]:
        _out.print(f"{path.name}: already imported, nothing changed (--force to redo)")
    else:
        _out.print(
            f"{path.name}: {summary['stored']:,} premises stored "
            f"({summary['replaced']:,} replaced), {summary['rejected']:,} rejected, "
            f"{summary['skipped_other_types']:,} rows of other types skipped"
        )
    for reason, n in summary["rejected_by_reason"].items():
        _out.print(f"  rejected {n:>4}  {reason}")


def _context(radius: float, first, last, theme, change, role: str):  # type: ignore[no-untyped-def]
    from hotspots.access import parse_role, policy_for
    from hotspots.premises import register_of
    from hotspots.premises.context import CheckRequest
    from hotspots.premises.service import context_for

    settings = _settings()
    store, pack = _store(settings), _pack(settings)
    request = CheckRequest(radius, first, last, theme, change)
    policy = policy_for(parse_role(role))
    register = register_of(store)
    return register, pack, context_for(store, pack, register, request, policy)


@premises_app.command("search", cls=_PlainHelpCommand)
def search(
    text: Annotated[str, typer.Argument(help="Name, postcode or street.")],
    limit: Annotated[int, typer.Option(help="Most results.")] = 10,
) -> None:
    """Find premises by name, postcode or street (typo-tolerant)."""
    from hotspots.premises import register_of
    from hotspots.premises.search import search_premises

    for r in search_premises(register_of(_store(_settings())).premises(), text, limit):
        _out.print(
            f"{r['score']:5.1f}  {r['premises_id']}  {r['name']} "
            f"({r['premises_type']}, {r['postcode']})"
        )


@premises_app.command("check", cls=_PlainHelpCommand)
def check(
    premises_id: Annotated[str, typer.Argument(help="Register id (see search).")],
    radius_m: Radius = 100.0,
    month_from: From = None,
    month_to: To = None,
    theme: Theme = None,
    change: Change = None,
    role: RoleOpt = "partner",
) -> None:
    """The area check of one premises, as JSON."""
    from hotspots.premises.check import check_premises
    from hotspots.premises.service import get_premises

    try:
        register, _, context = _context(
            radius_m, month_from, month_to, theme, change, role
        )
        result = check_premises(get_premises(register, premises_id), context)
    except HotspotError as exc:
        _fail(exc)
    result.pop("locations", None)
    sys.stdout.write(json.dumps(result, indent=1, default=str) + "\n")


@premises_app.command("report", cls=_PlainHelpCommand)
def report(
    premises_id: Annotated[str, typer.Argument(help="Register id (see search).")],
    out: Annotated[
        Path, typer.Option(help="Output stem: writes STEM.html, STEM.pdf, STEM.csv.")
    ],
    radius_m: Radius = 100.0,
    month_from: From = None,
    month_to: To = None,
    theme: Theme = None,
    change: Change = None,
    role: RoleOpt = "partner",
    pdf: Annotated[bool, typer.Option(help="Also write the PDF.")] = True,
) -> None:
    """Write the evidence report of one premises (HTML, PDF and CSV)."""
    from hotspots.premises.service import get_premises, make_report

    try:
        register, pack, context = _context(
            radius_m, month_from, month_to, theme, change, role
        )
        made = make_report(
            get_premises(register, premises_id), context, pack,
            generated_by=f"hotspots premises report (role {role})",
        )  # fmt: skip
    except HotspotError as exc:
        _fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = [out.with_suffix(".html"), out.with_suffix(".csv")]
    written[0].write_text(made.html, encoding="utf-8")
    written[1].write_text(made.csv, encoding="utf-8")
    if pdf:
        written.append(out.with_suffix(".pdf"))
        written[-1].write_bytes(made.pdf())
    _out.print("Wrote " + ", ".join(str(p) for p in written))


@premises_app.command("rank", cls=_PlainHelpCommand)
def rank(
    radius_m: Radius = 100.0,
    month_from: From = None,
    month_to: To = None,
    theme: Theme = None,
    types: Annotated[str, typer.Option(help="Comma-separated types.")] = "pub,club",
    out: Annotated[Path | None, typer.Option(help="Write the table as CSV.")] = None,
    top: Annotated[int, typer.Option(help="Rows printed.")] = 20,
) -> None:
    """Rank premises by incidents within the radius (overlapping circles said)."""
    from hotspots.premises.service import rank as rank_premises

    kinds = tuple(t.strip() for t in types.split(",") if t.strip())
    try:
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            progress.add_task("Reading incidents and the Gi* layer", total=None)
            _, _, context = _context(
                radius_m, month_from, month_to, theme, None, "partner"
            )
            frame = rank_premises(context, kinds)
    except HotspotError as exc:
        _fail(exc)
    if out is not None:
        frame.to_csv(out, index=False)
    _out.print(
        f"{len(frame)} premises ({', '.join(kinds)}), {radius_m:g} m, "
        f"{context.month_from} to {context.month_to}; 'shared' = also in an "
        "overlapping circle, 'cluster' = overlapping circles counted once"
    )
    from hotspots.premises.rank import rank_caveats

    for r in frame.head(top).itertuples():
        _out.print(
            f"{r.rank:>4}  {r.incidents:>5}  shared {r.shared:>5}  cluster "
            f"{r.cluster_incidents:>5} ({r.cluster_premises} premises)  {r.name}"
        )
    for caveat in rank_caveats(context):
        _out.print(f"Note: {caveat}")


def load_sample_register() -> None:
    """Import the sample register (business rates, no licences) unless done."""
    try:
        result = import_register(SAMPLE_REGISTER, None)
    except HotspotError as exc:
        _fail(exc)
    if not result.summary()["already_imported"]:
        _out.print(
            f"Loaded the sample premises register: {result.summary()['stored']} "
            "pubs, clubs, restaurants and hotels (business rates; no licence or hours)."
        )
