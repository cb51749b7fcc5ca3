"""The report's charts as one PNG picture, for Telegram's /report (a chat shows pictures,
not HTML): large letters on white, the same bars and numbers as the HTML page, and the
latest comments with who made them, so names keep their accents ("Zoë", "Łukasz").

The picture is laid out first (`lay_out`: every line of words and every bar with its
box), then painted with Pillow in Source Sans Pro, a clear font with the letters of every
language the club speaks. The font comes from PyPI with the project; nothing is fetched
when a report is made.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from PIL import Image, ImageDraw, ImageFont

from bot.report.charts import INK, Chart, report_charts
from bot.report.model import Comment, Report
from bot.report.sentences import NO_SESSIONS, credit, heading
from bot.report.words import plural

__all__ = ["Ink", "Layout", "lay_out", "render_png"]

WIDTH = 960
MARGIN = 40
ROOM = WIDTH - 2 * MARGIN
TITLE, CHART_TITLE, WORDS = 48, 40, 34
"""Letter sizes in pixels: a phone shows the picture at under half its width, and the
words are still as large as the chat's own."""
BAR_HEIGHT = 42
GAP = 20
TEXT = "#111111"
MOST_COMMENTS = 3
LONGEST_COMMENT = 220
"""Characters of a comment shown in the picture; the printable page has every word."""
FONT_FILES = {False: "SourceSansPro-Regular.ttf", True: "SourceSansPro-Bold.ttf"}


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Source Sans Pro, from the font-source-sans-pro package (SIL Open Font License)."""
    data = (files("font_source_sans_pro") / "files" / FONT_FILES[bold]).read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size)


@dataclass(frozen=True)
class Ink:
    """One thing painted: a line of words (`words`) or a filled box (`colour` alone)."""

    left: int
    top: int
    width: int
    height: int
    colour: str
    words: str = ""
    size: int = WORDS
    bold: bool = False

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Left, top, right and bottom, as Pillow crops (right and bottom just outside)."""
        return self.left, self.top, self.left + self.width, self.top + self.height


@dataclass
class Layout:
    """What the picture holds, top to bottom; `top` is where the next thing goes."""

    inks: list[Ink] = field(default_factory=list)
    top: int = MARGIN

    def words(self, words: str, size: int = WORDS, bold: bool = False, indent: int = 0) -> None:
        """Words wrapped to the picture's width, each line below the last."""
        shape = font(size, bold)
        line_height = round(size * 1.3)
        for line in wrapped(words, shape, ROOM - indent):
            width = round(shape.getlength(line))
            self.inks.append(
                Ink(MARGIN + indent, self.top, width, line_height, TEXT, line, size, bold)
            )
            self.top += line_height

    def box(self, left: int, width: int, height: int, colour: str) -> None:
        self.inks.append(Ink(left, self.top, width, height, colour))

    def space(self, pixels: int = GAP) -> None:
        self.top += pixels


def wrapped(words: str, shape: ImageFont.FreeTypeFont, room: int) -> Iterator[str]:
    """Lines that fit across `room` pixels, broken between words (inside a word only
    when the word alone is too long)."""
    line = ""
    for word in words.split():
        tried = f"{line} {word}" if line else word
        if shape.getlength(tried) <= room:
            line = tried
            continue
        if line:
            yield line
        rest = word
        while shape.getlength(rest) > room:
            cut = max(n for n in range(1, len(rest) + 1) if shape.getlength(rest[:n]) <= room)
            yield rest[:cut]
            rest = rest[cut:]
        line = rest
    yield line


def _chart(layout: Layout, chart: Chart) -> None:
    layout.words(chart.title, CHART_TITLE, bold=True)
    layout.box(MARGIN, ROOM, 5, INK)
    layout.space(GAP)
    number = font(WORDS, bold=True)
    widest = max((number.getlength(bar.shown) for bar in chart.bars), default=0)
    bar_space = ROOM - round(widest) - GAP
    for bar in chart.bars:
        layout.words(bar.label)
        length = round(bar_space * chart.share(bar))
        layout.box(MARGIN, length, BAR_HEIGHT, bar.colour)
        shown_left = MARGIN + length + (GAP // 2 if length else 0)
        shown_width = round(number.getlength(bar.shown))
        layout.inks.append(
            Ink(shown_left, layout.top, shown_width, BAR_HEIGHT, TEXT, bar.shown, WORDS, True)
        )
        layout.space(BAR_HEIGHT + GAP)
    layout.space(GAP)


def _comments(layout: Layout, comments: tuple[Comment, ...]) -> None:
    """The latest few comments, each with who made it (by name only with their consent)."""
    layout.words("What members said", CHART_TITLE, bold=True)
    layout.box(MARGIN, ROOM, 5, INK)
    layout.space(GAP)
    for comment in comments[-MOST_COMMENTS:]:
        quote_top = layout.top
        words = textwrap.shorten(comment.words, LONGEST_COMMENT, placeholder=" …")
        layout.words(f"“{words}”", indent=GAP + 8)
        layout.words(f"— {credit(comment)}", indent=GAP + 8)
        layout.inks.append(Ink(MARGIN, quote_top, 8, layout.top - quote_top, INK))
        layout.space(GAP)
    more = len(comments) - MOST_COMMENTS
    if more > 0:
        layout.words(f"And {plural(more, 'more comment')} in the printable page.")


def lay_out(report: Report) -> Layout:
    """How sessions felt, coming as they said, what members would like to do, and the
    latest comments."""
    layout = Layout()
    title, span = heading(report)
    layout.words(title, TITLE, bold=True)
    layout.words(span)
    if report.no_sessions:
        layout.words(NO_SESSIONS)
    layout.space(GAP * 2)
    charts = report_charts(report)
    for name in ("feeling", "coming", "wanted"):
        if name in charts:
            _chart(layout, charts[name])
    if report.comments:
        _comments(layout, report.comments)
    layout.space(MARGIN - GAP)
    return layout


def render_png(report: Report) -> bytes:
    """The picture as a PNG file: laid out, then painted on white."""
    layout = lay_out(report)
    picture = Image.new("RGB", (WIDTH, layout.top), "white")
    pen = ImageDraw.Draw(picture)
    for ink in layout.inks:
        if ink.words:
            middle = (ink.left, ink.top + ink.height / 2)
            pen.text(middle, ink.words, ink.colour, font(ink.size, ink.bold), anchor="lm")
        elif ink.width > 0 and ink.height > 0:
            left, top, right, bottom = ink.box
            pen.rectangle((left, top, right - 1, bottom - 1), fill=ink.colour)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
