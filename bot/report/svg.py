"""Simple horizontal bar charts as inline SVG: no script, no fonts or files to fetch.

Each bar has its label above it and its number beside it in words, so the chart reads
without colour and prints in black and white.
"""

from __future__ import annotations

from html import escape

from bot.report.charts import Chart

__all__ = ["svg_chart"]

TEXT = "#111111"
WIDTH = 720
LEFT = 4
BAR_SPACE = 520
FONT = 24
LABEL = 30
BAR = 28
GAP = 8
ROW = LABEL + BAR + GAP


def svg_chart(chart: Chart) -> str:
    """One `<svg>` with one `<rect class="bar">` per bar, scaled to the largest value."""
    chart_id, title, bars = chart.chart_id, chart.title, chart.bars
    height = max(ROW * len(bars), ROW)
    biggest = max((bar.value for bar in bars), default=0) or 1
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for index, bar in enumerate(bars):
        top = index * ROW
        length = round(BAR_SPACE * max(bar.value, 0) / biggest, 1)
        parts += [
            f'<text x="{LEFT}" y="{top + LABEL - 8}" font-size="{FONT}" fill="{TEXT}">'
            f"{escape(bar.label)}</text>",
            f'<rect class="bar" x="{LEFT}" y="{top + LABEL}" width="{length}" '
            f'height="{BAR}" fill="{bar.colour}" rx="3"/>',
            f'<text x="{LEFT + length + 10}" y="{top + LABEL + BAR - 7}" font-size="{FONT}" '
            f'font-weight="bold" fill="{TEXT}">{escape(bar.shown)}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)
