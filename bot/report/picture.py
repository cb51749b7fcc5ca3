"""The report's charts as one PNG picture, for Telegram's /report (a chat shows pictures,
not HTML). Large letters on white, the same bars and numbers as the HTML page."""

from __future__ import annotations

from bot.report.charts import Chart, report_charts
from bot.report.model import Report
from bot.report.png import Canvas, rgb
from bot.report.sentences import NO_SESSIONS, heading

__all__ = ["render_png"]

WIDTH = 1000
MARGIN = 30
TITLE_SCALE = 4
WORDS_SCALE = 3
BAR_HEIGHT = 36
BAR_SPACE = 600
GAP = 18
TEXT = rgb("#111111")
RULE = rgb("#1f4e79")


def _fit(words: str, scale: int, room: int) -> str:
    """Shorten words that would run off the picture, with "..." at the end."""
    most = room // ((Canvas.text_width("x", scale)) or 1)
    return words if len(words) <= most else words[: max(most - 3, 1)] + "..."


def _chart_height(chart: Chart) -> int:
    per_bar = Canvas.line_height(WORDS_SCALE) + BAR_HEIGHT + GAP
    return Canvas.line_height(TITLE_SCALE) + 12 + per_bar * len(chart.bars) + GAP


def _draw_chart(canvas: Canvas, chart: Chart, top: int) -> int:
    room = WIDTH - 2 * MARGIN
    canvas.text(MARGIN, top, _fit(chart.title, TITLE_SCALE, room), TITLE_SCALE, TEXT)
    top += Canvas.line_height(TITLE_SCALE)
    canvas.fill(MARGIN, top, room, 4, RULE)
    top += 12
    biggest = max((bar.value for bar in chart.bars), default=0) or 1
    for bar in chart.bars:
        canvas.text(MARGIN, top, _fit(bar.label, WORDS_SCALE, room), WORDS_SCALE, TEXT)
        top += Canvas.line_height(WORDS_SCALE)
        length = round(BAR_SPACE * max(bar.value, 0) / biggest)
        canvas.fill(MARGIN, top, length, BAR_HEIGHT, rgb(bar.colour))
        shown_top = top + (BAR_HEIGHT - 9 * WORDS_SCALE) // 2
        canvas.text(MARGIN + length + 14, shown_top, bar.shown, WORDS_SCALE, TEXT)
        top += BAR_HEIGHT + GAP
    return top + GAP


def render_png(report: Report) -> bytes:
    """How sessions felt, coming as they said, and what members would like to do."""
    charts = report_charts(report)
    ordered = [charts[name] for name in ("feeling", "coming", "wanted") if name in charts]
    title, span = heading(report)
    lines = [(title, TITLE_SCALE), (span, WORDS_SCALE)]
    if report.no_sessions:
        lines.append((NO_SESSIONS, WORDS_SCALE))
    head = sum(Canvas.line_height(scale) for _, scale in lines) + GAP
    height = MARGIN * 2 + head + sum(_chart_height(chart) for chart in ordered)
    canvas = Canvas(WIDTH, height)
    top = MARGIN
    for words, scale in lines:
        canvas.text(MARGIN, top, _fit(words, scale, WIDTH - 2 * MARGIN), scale, TEXT)
        top += Canvas.line_height(scale)
    top += GAP
    for chart in ordered:
        top = _draw_chart(canvas, chart, top)
    return canvas.png()
