"""The report's charts as one PNG picture, for Telegram's /report (a chat shows pictures,
not HTML). Large letters on white, the same bars and numbers as the HTML page."""

from __future__ import annotations

import textwrap

from bot.report.charts import Chart, report_charts
from bot.report.model import Report
from bot.report.png import Canvas, rgb
from bot.report.sentences import NO_SESSIONS, heading

__all__ = ["render_png"]

WIDTH = 1000
MARGIN = 30
ROOM = WIDTH - 2 * MARGIN
TITLE_SCALE = 4
WORDS_SCALE = 3
BAR_HEIGHT = 36
BAR_SPACE = 600
GAP = 18
TEXT = rgb("#111111")
RULE = rgb("#1f4e79")


def _lines(words: str, scale: int) -> list[str]:
    """Words broken into lines that fit across the picture."""
    most = ROOM // Canvas.text_width("x", scale)
    return textwrap.wrap(words, most, break_long_words=True) or [""]


def _write(canvas: Canvas | None, words: str, scale: int, top: int) -> int:
    """Write wrapped words (or only measure them, with no canvas); returns the new top."""
    for line in _lines(words, scale):
        if canvas is not None:
            canvas.text(MARGIN, top, line, scale, TEXT)
        top += Canvas.line_height(scale)
    return top


def _draw_chart(canvas: Canvas | None, chart: Chart, top: int) -> int:
    """Draw one chart from `top` (or only measure it); returns the top below it."""
    top = _write(canvas, chart.title, TITLE_SCALE, top)
    if canvas is not None:
        canvas.fill(MARGIN, top, ROOM, 4, RULE)
    top += 12
    biggest = max((bar.value for bar in chart.bars), default=0) or 1
    for bar in chart.bars:
        top = _write(canvas, bar.label, WORDS_SCALE, top)
        if canvas is not None:
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

    def draw(canvas: Canvas | None) -> int:
        top = MARGIN
        for words, scale in lines:
            top = _write(canvas, words, scale, top)
        top += GAP
        for chart in ordered:
            top = _draw_chart(canvas, chart, top)
        return top + MARGIN

    canvas = Canvas(WIDTH, draw(None))
    draw(canvas)
    return canvas.png()
