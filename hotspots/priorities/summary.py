"""A priority's summary in plain words: every sentence states computed figures.

Each sentence comes with the figures it states (``facts``: a path into the
figures and the text it is written as), so a test can check that every number
in a sentence is one of its facts and that every fact is the figure it names.
Counts are the ``*_shown`` ones (the caller's disclosure rule already applied).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["fmt", "fmt_p", "lookup", "summary_sentences"]


def fmt(value: Any, kind: str = "count") -> str:
    """How the pack writes a figure: counts with thousands commas, percentages
    to one decimal place, text as it is."""
    if isinstance(value, str):
        return value[:1].lower() + value[1:] if kind == "lower" else value
    if kind == "pct":
        return f"{float(value):.1f} %"
    if kind == "rate":
        return f"{float(value):.1f}"
    return f"{int(value):,}"


def fmt_p(p: float) -> str:
    """A p-value as written: ``p < 0.001`` or ``p = 0.012``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def lookup(figures: Mapping[str, Any], path: str) -> Any:
    """The figure at a dotted path (list items by index): ``wards.0.name``."""
    value: Any = figures
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


class _Sentence:
    """A sentence being written, collecting the facts it states."""

    def __init__(self, figures: Mapping[str, Any]) -> None:
        self.figures = figures
        self.facts: list[dict[str, str]] = []

    def f(self, path: str, kind: str = "count") -> str:
        text = (
            fmt_p(lookup(self.figures, path))
            if kind == "p"
            else fmt(lookup(self.figures, path), kind)
        )
        self.facts.append({"path": path, "kind": kind, "text": text})
        return text

    def done(self, text: str) -> dict[str, Any]:
        return {"text": text, "facts": self.facts}


def summary_sentences(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The summary of one priority's figures (see the module docs)."""
    out = []
    s = _Sentence(figures)
    if figures["total"] == 0:
        reason = _no_data_reason(figures)
        out.append(
            s.done(
                f"No stored incident matches {s.f('name')} in {s.f('period.text')}: "
                f"{reason}."
            )
        )
        return out
    out.append(
        s.done(
            f"{s.f('name')}: {s.f('total_shown')} incidents in {s.f('period.text')}, "
            f"{s.f('share_of_all_pct', 'pct')} of the {s.f('city_all')} incidents "
            "recorded in the study area that this role may see."
        )
    )
    out.append(_wards(figures))
    if figures.get("comparison") and "change" in figures:
        if figures["comparison"]["note"]:
            s = _Sentence(figures)
            out.append(s.done(f"{s.f('comparison.note')}."))
        out.append(_change(figures))
    hot = figures["hotspots"]
    if "top" in hot:
        s = _Sentence(figures)
        text = (
            "The map the backtest prefers for this priority is "
            f"{s.f('hotspots.recipe')} ({s.f('hotspots.window.from')} to "
            f"{s.f('hotspots.window.to')}); "
            f"{s.f('hotspots.trust', 'lower')}."
        )
        out.append(s.done(text))
        if hot["top"]:
            s = _Sentence(figures)
            out.append(
                s.done(
                    f"Its top cell is in {s.f('hotspots.top.0.ward')} "
                    f"({s.f('hotspots.top.0.n_shown')} incidents in those months)."
                )
            )
    pat = figures["patterns"]
    if "persistent" in pat:
        s = _Sentence(figures)
        out.append(
            s.done(
                f"Over {s.f('patterns.months.slices')} months, "
                f"{s.f('patterns.persistent')} cells of "
                f"{s.f('patterns.cell_size_m')} m "
                f"are persistent hot spots and {s.f('patterns.emerging')} are emerging "
                "(new, consecutive or intensifying)."
            )
        )
    out.append(_rates(figures))
    for i, sub in enumerate(figures["sublayers"]):
        s = _Sentence(figures)
        if sub.get("note"):
            out.append(
                s.done(
                    f"{s.f(f'sublayers.{i}.name')}: no data, "
                    f"{s.f(f'sublayers.{i}.note')}."
                )
            )
        else:
            out.append(
                s.done(
                    f"{s.f(f'sublayers.{i}.name')}: {s.f(f'sublayers.{i}.count_shown')}"
                    " of these incidents."
                )
            )
    return [x for x in out if x]


def _no_data_reason(figures: Mapping[str, Any]) -> str:
    sel = figures["selection"]
    parts = []
    if figures["missing_flags"]:
        parts.append(
            f"no source carries a {' or '.join(figures['missing_flags'])} flag"
        )
    if sel["flags"]:
        parts.append(f"no incident is flagged {' or '.join(sel['flags'])}")
    if sel["categories"]:
        parts.append("no incident has any of its categories")
    if sel["themes"]:
        parts.append("no incident has its themes")
    return "; ".join(parts) or "it selects nothing"


def _wards(figures: Mapping[str, Any]) -> dict[str, Any] | None:
    s = _Sentence(figures)
    rows = [(i, w) for i, w in enumerate(figures["wards"]) if w["count"] > 0]
    if not rows:
        return None
    i, first = rows[0]
    text = f"Most were in {s.f(f'wards.{i}.name')} ({s.f(f'wards.{i}.count_shown')}"
    if isinstance(first["count_shown"], int):
        text += f", {s.f(f'wards.{i}.share_pct', 'pct')} of the study area's"
    text += ")"
    rest = [
        f"{s.f(f'wards.{j}.name')} ({s.f(f'wards.{j}.count_shown')})"
        for j, _ in rows[1:3]
    ]
    if rest:
        text += ", then " + " and ".join(rest)
    return s.done(text + ".")


def _change(figures: Mapping[str, Any]) -> dict[str, Any]:
    s = _Sentence(figures)
    ch = figures["change"]
    head = (
        f"Against {s.f('comparison.kind')} ({s.f('comparison.from')} to "
        f"{s.f('comparison.to')}: {s.f('change.before_shown')} incidents), "
    )
    if not isinstance(ch["before_shown"], int) or not isinstance(
        figures["total_shown"], int
    ):
        return s.done(head + "no change is given: a count is withheld.")
    if ch["change_pct"] is None:
        return s.done(head + "there is no earlier count to compare with.")
    if ch["change"] == 0:
        return s.done(head + "the count is the same.")
    way = "a rise" if ch["change"] > 0 else "a fall"
    pct = f"{abs(ch['change_pct']):.1f} %"
    s.facts.append({"path": "change.change_pct", "kind": "abs_pct", "text": pct})
    sig = "beyond chance" if ch["significant"] else "within chance"
    return s.done(
        head + f"that is {way} of {pct} ({s.f('change.p', 'p')}, exact binomial "
        f"test: {sig})."
    )


def _rates(figures: Mapping[str, Any]) -> dict[str, Any]:
    s = _Sentence(figures)
    rated = [
        (i, w)
        for i, w in enumerate(figures["wards"])
        if w.get("rate_per_1000") is not None
    ]
    if not rated:
        return s.done(
            "The area pack gives no ward populations, so no rates per thousand "
            "residents are shown."
        )
    i, _ = max(rated, key=lambda r: r[1]["rate_per_1000"])
    return s.done(
        f"The highest rate is in {s.f(f'wards.{i}.name')}: "
        f"{s.f(f'wards.{i}.rate_per_1000', 'rate')} per thousand residents."
    )
