"""Horizontal bar charts as inline SVG, drawn on the server: no script, no front-end package.

The SVG is built from numbers and escaped labels only, so it is as safe to embed as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ("#3e7cb1", "#1b7f3b", "#e0a800", "#b42318", "#6f42c1", "#0b7285", "#8a6100")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str = ""


def bar_chart(bars: list[Bar], *, title: str, empty: str = "—", width: int = 520, row: int = 26,
              label_width: int = 180) -> str:
    """An SVG bar chart, one row per bar, each bar's value written at its end; ``empty`` when there are none."""
    if not bars:
        return f'<p class="muted chart-empty">{escape(empty)}</p>'
    height = max(1, len(bars)) * row + 8
    top = max((bar.value for bar in bars), default=0) or 1
    room = width - label_width - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = round(room * bar.value / top)
        colour = bar.colour or PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.62:.1f}" text-anchor="end" font-size="13">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 10}" fill="{colour}" rx="2"/>'
            f'<text x="{label_width + length + 6}" y="{y + row * 0.62:.1f}" font-size="13">{bar.value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
