"""A backtest as text: Markdown table, CSV-ready frame, and an SVG chart of
hit rate against coverage per method (no plotting library needed)."""

from __future__ import annotations

from html import escape

import pandas as pd

from hotspots.evaluation.backtest import Backtest

__all__ = ["hit_rate_chart", "markdown_table", "wide_table"]

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
)


def wide_table(bt: Backtest, coverage: float = 0.05) -> pd.DataFrame:
    """One row per method at ``coverage``: hit rate %, PAI, PEI, RRI; best PEI
    first."""
    s = bt.summary(coverage).sort_values("pei", ascending=False, kind="stable")
    return pd.DataFrame(
        {
            "method": s["method"],
            "hit rate %": (100 * s["hit_rate"]).round(1),
            "PAI": s["pai"].round(2),
            "PEI": s["pei"].round(3),
            "RRI": s["rri"].round(2),
            "origins": s["origins"],
        }
    ).reset_index(drop=True)


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of a small frame."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(v: object) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:g}"
    return str(v)


def hit_rate_chart(bt: Backtest, title: str = "") -> str:
    """SVG: mean hit rate (%) against coverage (%) per method."""
    s = bt.summary()
    w, h, left, bottom, top, right = 760, 420, 56, 44, 34, 250
    covs = sorted(s["coverage"].unique())
    x_max = max(covs) * 100
    pw, ph = w - left - right, h - top - bottom

    def px(c: float) -> float:
        return left + pw * (c * 100) / x_max

    def py(v: float) -> float:
        return top + ph * (1 - v)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">{escape(title)}</text>',
    ]
    for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{py(v):.1f}" '
            f'y2="{py(v):.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" '
            f'text-anchor="end">{100 * v:.0f}%</text>'
        )
    for c in covs:
        out.append(
            f'<text x="{px(c):.1f}" y="{top + ph + 16}" '
            f'text-anchor="middle">{100 * c:g}%</text>'
        )
    out.append(
        f'<text x="{left + pw / 2}" y="{h - 6}" text-anchor="middle">'
        "share of the area (coverage)</text>"
    )
    out.append(
        f'<text x="14" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2})">hit rate</text>'
    )
    for i, (method, rows) in enumerate(s.groupby("method", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        rows = rows.sort_values("coverage")
        pts = " ".join(
            f"{px(c):.1f},{py(v):.1f}"
            for c, v in zip(rows["coverage"], rows["hit_rate"], strict=True)
        )
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" '
            'stroke-width="1.6"/>'
        )
        y = top + 4 + 15 * i
        out.append(
            f'<line x1="{left + pw + 12}" x2="{left + pw + 30}" y1="{y}" '
            f'y2="{y}" stroke="{colour}" stroke-width="3"/>'
        )
        out.append(
            f'<text x="{left + pw + 36}" y="{y + 4}">{escape(str(method))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
