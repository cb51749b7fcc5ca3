"""The report's text, CSV, HTML page and PNG picture carry the figures, the HTML is one
well-formed page with the right charts, and a period with no sessions says so."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest
from PIL import Image, ImageColor

from bot.bootstrap import Club
from bot.report import (
    Comment,
    Period,
    Report,
    gather_report,
    render_csv,
    render_html,
    render_png,
    render_summary,
    render_text,
)
from bot.report.charts import FACE_COLOURS, INK
from tests.report_club import YEAR, bare_club, build_year, utc

__all__ = ["bare_club"]

VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "col", "source", "wbr"}


async def report_for(club: Club, period: Period) -> Report:
    async with club.units() as uow:
        return await gather_report(
            uow, club.catalogue, "Test Club", club.settings.zone, period, now=utc(2027, 1, 2)
        )


@pytest.fixture
async def year(bare_club: Club) -> Report:
    await build_year(bare_club)
    return await report_for(bare_club, YEAR)


@pytest.fixture
async def quiet(bare_club: Club) -> Report:
    await build_year(bare_club)
    return await report_for(bare_club, Period(date(2026, 8, 1), date(2026, 8, 31)))


class PageReader(HTMLParser):
    """Checks that every element closes in order, and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}
        self.bars: dict[str, int] = {}
        self.svg: str | None = None
        self.words: list[str] = []
        self.doctype = False
        self.attributes: list[tuple[str, str | None]] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.attributes += attrs
        found = dict(attrs)
        if tag == "svg":
            self.svg = found.get("id") or "?"
            self.bars[self.svg] = 0
        if tag == "rect" and found.get("class") == "bar" and self.svg:
            self.bars[self.svg] += 1
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag == "svg":
            self.svg = None

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] not in {"style", "title"}:
            self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


def read_page(page: str) -> PageReader:
    reader = PageReader()
    reader.feed(page)
    reader.close()
    return reader


def test_the_text_says_every_figure(year: Report) -> None:
    words = render_text(year)
    for expected in [
        "3 sessions were held. 1 session was cancelled.",
        "Attendance was taken at 2 of 3 sessions.",
        "4 times someone said they were coming. They came 3 times (75%).",
        "1 said they were coming but did not come. 2 came without saying so first.",
        "All answers: Happy 4 (67%), Not sure 1 (17%), Unhappy 1 (17%). 1 skipped.",
        "Answered alone: Happy 2 (50%), Not sure 1 (25%), Unhappy 1 (25%). 1 skipped.",
        "With a carer's help: Happy 2 (100%), Not sure 0 (0%), Unhappy 0 (0%).",
        "music (2 sessions): Happy 3 (75%), Not sure 1 (25%), Unhappy 0 (0%). 1 skipped.",
        "art (1 session): Happy 1 (50%), Not sure 0 (0%), Unhappy 1 (50%).",
        "music: 2 yes (up 1 on the 365 days before), 0 not sure, 1 no",
        "Asked to talk to a person: 1",
        "Asked for a lift or help to get there: 1",
        "Left a voice message: 1",
        "Not yet marked as dealt with: 3",
        'Bob, Tuesday Club on Tuesday 3 March 2026: "Lovely singing"',
        'a member, Tuesday Club on Tuesday 3 March 2026: "Too loud"',
        "Cat, by text message: asked for no more texts, since Sunday 1 February 2026. "
        "2 messages not sent.",
        "Ann, by phone call: the phone could not be reached. 1 message not sent.",
        "5 people in the club: 3 members, 1 carer, 1 volunteer.",
        "Languages: English 3, Spanish 1, Portuguese 1.",
        "No results from choosing together are recorded yet.",
    ]:
        assert expected in words, expected
    assert "Eve" not in words  # she commented without consent, and was reachable in 2026


def test_the_summary_for_a_chat_is_short(year: Report) -> None:
    summary = render_summary(year)
    assert len(summary.splitlines()) <= 10
    assert "came 75% of the time (3 of 4)" in summary
    assert "Most wanted: music, art." in summary
    assert "Could not be reached: 2 people." in summary


def csv_rows(report: Report) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_csv(report))))


def test_the_csv_has_one_figure_per_row(year: Report) -> None:
    rows = csv_rows(year)
    assert rows[0] == ["section", "item", "date", "measure", "value"]
    assert all(len(row) == 5 for row in rows)
    found = {(r[0], r[1], r[3]): r[4] for r in rows}
    assert found["sessions", "held", "count"] == "3"
    assert found["sessions", "cancelled", "count"] == "1"
    assert found["attendance", "came as they said", "percent"] == "75"
    assert found["attendance", "came without saying", "count"] == "2"
    assert found["feedback", "all sessions", "happy (with carer)"] == "2"
    assert found["feedback", "all sessions", "skipped (alone)"] == "1"
    assert found["activity feedback", "music", "happy (alone)"] == "2"
    assert found["wanted", "music", "yes in the period before"] == "1"
    assert found["requests", "lift", "count"] == "1"
    assert found["language", "Portuguese", "count"] == "1"
    assert found["could not be reached", "Cat", "sms failed messages"] == "2"
    comments = [r for r in rows if r[0] == "comment"]
    assert [r[3] for r in comments] == ["Bob", "a member", "a member"]
    assert comments[2][4] == "'=cmd|' /C calc'!A0"  # never run as a spreadsheet formula
    assert not any("Eve" in cell for row in rows for cell in row)


def test_the_html_is_one_well_formed_page_with_its_charts(year: Report) -> None:
    page = render_html(year)
    reader = read_page(page)
    assert reader.doctype
    assert reader.problems == [] and reader.open == []
    assert (reader.counts["html"], reader.counts["head"], reader.counts["body"]) == (1, 1, 1)
    assert reader.counts.get("script", 0) == 0
    assert reader.bars == {
        "chart-coming": 4,
        "chart-feeling": 3,
        "chart-top-wanted": 2,
        "chart-wanted": 8,
    }
    assert reader.counts["h1"] == 1
    sources = [value for name, value in reader.attributes if name in {"src", "href"}]
    assert sources == []
    assert "url(" not in page and "@import" not in page
    assert "size: A4" in page and "font-size: 16pt" in page
    for expected in [
        "3 sessions were held",
        "They came 3 times (75%)",
        "4 (67%)",
        "2 (100%)",
        "Lovely singing",
        "Bob, Tuesday Club",
        "a member, Thursday Club",
        "Asked for a lift or help to get there: 1",
        "Cat, by text message: asked for no more texts",
        "Portuguese",
    ]:
        assert expected in reader.text, expected
    assert "Eve" not in reader.text


def test_the_html_escapes_what_members_wrote(year: Report) -> None:
    sneaky = Comment("Tuesday Club", year.made_at, "a member", None, False, "<script>x</script>")
    page = render_html(replace(year, comments=(sneaky,)))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_long_period_sums_sessions_up_by_title(year: Report) -> None:
    many = replace(year, sessions=year.sessions * 5)
    reader = read_page(render_html(many))
    assert reader.problems == []
    assert "Tuesday Club 10" in reader.text  # ten Tuesday sessions in one row


def png_pixels(picture: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the colours used, read back by Pillow, which checks the file."""
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(picture)) as image:
        image.verify()  # every chunk's checksum, and the end of the file
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG"
        pixels = image.convert("RGB")
        counted = pixels.getcolors(maxcolors=image.width * image.height) or []
        return image.width, image.height, {colour for _count, colour in counted}


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def test_the_png_chart_is_a_real_picture_with_its_bars(year: Report) -> None:
    width, height, colours = png_pixels(render_png(year))
    assert width == 960 and 600 < height < 4000
    assert rgb(INK) in colours
    assert {rgb(colour) for colour in FACE_COLOURS.values()} <= colours
    assert rgb("#111111") in colours  # the words


def test_a_period_with_no_sessions_says_so_in_every_form(quiet: Report) -> None:
    assert "No sessions were held in this period." in render_text(quiet)
    assert "No sessions were held in this period." in render_summary(quiet)
    reader = read_page(render_html(quiet))
    assert reader.problems == []
    assert "No sessions were held in this period." in reader.text
    assert reader.bars == {"chart-wanted": 8, "chart-top-wanted": 2}
    assert csv_rows(quiet)[2][:2] == ["note", "No sessions were held in this period."]
    width, _height, colours = png_pixels(render_png(quiet))
    assert width == 960 and rgb("#111111") in colours


async def test_an_empty_club_renders_in_every_form(bare_club: Club) -> None:
    empty = await report_for(bare_club, YEAR)
    assert "No answers yet." in render_text(empty)
    reader = read_page(render_html(empty))
    assert reader.problems == [] and reader.bars == {}
    assert "Everyone could be reached." in reader.text
    assert render_csv(empty).startswith("section,")
    assert png_pixels(render_png(empty))[0] == 960
