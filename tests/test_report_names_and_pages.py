"""Names keep their accents in the printable page and in the picture ("Zoë Łukasz-Nowak",
issue 17); what members typed is shown as words; every table has a caption; and the
page's base layout serves other pages (the coordinator's, later) as it serves the report."""

from __future__ import annotations

import io
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from jinja2 import ChoiceLoader, DictLoader
from PIL import Image, ImageChops

from bot.bootstrap import Club
from bot.report import ChoosingTogether, Comment, Count, Report, render_html, render_png
from bot.report.picture import lay_out
from bot.report.templating import TEMPLATES
from tests.report_club import YEAR, bare_club, build_year
from tests.test_report_outputs import report_for

__all__ = ["bare_club"]

ACCENTED = "Zoë Łukasz-Nowak"
PLAIN = "Zoe Lukasz-Nowak"


@pytest.fixture
async def year(bare_club: Club) -> Report:
    await build_year(bare_club)
    return await report_for(bare_club, YEAR)


def with_commenter(report: Report, name: str) -> Report:
    """The report with one more comment, by `name`, who agreed to be named."""
    said = Comment("Tuesday Club", report.made_at, name, "happy", False, "Lovely singing")
    return replace(report, comments=(*report.comments, said))


class Reading(HTMLParser):
    """The page's words as a reader gets them (entities decoded), and its tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.inside: list[str] = []
        self.tables: list[list[str]] = []
        """Each table's elements in order, and the words of its caption."""
        self.captions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif self.inside.count("table") and self.tables:
            self.tables[-1].append(tag)
        if tag == "caption":
            self.captions.append("")
        self.inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.inside and self.inside.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "style" in self.inside or "title" in self.inside:
            return
        self.words.append(data)
        if "caption" in self.inside:
            self.captions[-1] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


def read(page: str) -> Reading:
    reading = Reading()
    reading.feed(page)
    reading.close()
    return reading


def test_the_page_reads_back_the_name_exactly(year: Report) -> None:
    page = render_html(with_commenter(year, ACCENTED))
    text = read(page).text
    assert f"— {ACCENTED}, Tuesday Club" in text
    assert PLAIN not in text


def opened(picture: bytes) -> Image.Image:
    """The PNG as Pillow reads it, after checking it is a whole, valid PNG file."""
    with Image.open(io.BytesIO(picture)) as checked:
        assert checked.format == "PNG"
        checked.verify()
    return Image.open(io.BytesIO(picture)).convert("RGB")


def test_the_picture_draws_the_accents_where_the_name_is(year: Report) -> None:
    accented, plain = with_commenter(year, ACCENTED), with_commenter(year, PLAIN)
    [name_line] = [ink for ink in lay_out(accented).inks if ACCENTED in ink.words]
    assert [ink.box for ink in lay_out(plain).inks if PLAIN in ink.words] == [name_line.box]
    first, second = opened(render_png(accented)), opened(render_png(plain))
    assert first.size == second.size
    changed = ImageChops.difference(first, second).getbbox()
    assert changed is not None, "the accents drew nothing"
    left, top, right, bottom = name_line.box
    assert left <= changed[0] and changed[2] <= right + 2  # the name's line, and no other
    assert top <= changed[1] and changed[3] <= bottom
    region = first.crop(name_line.box), second.crop(name_line.box)
    assert ImageChops.difference(*region).getbbox() is not None


def test_the_font_has_the_letters_of_every_club_language(year: Report) -> None:
    """A letter the font lacks is drawn as an empty box, the same for every such letter."""
    missing = opened(render_png(with_commenter(year, "Ann \U0001d11e")))  # a musical clef
    for letter in "ŁëąçñóéżãÀ":
        drawn = opened(render_png(with_commenter(year, f"Ann {letter}")))
        assert ImageChops.difference(drawn, missing).getbbox() is not None, letter


def test_what_members_typed_is_shown_as_words(year: Report) -> None:
    script = "<script>alert('hi')</script>"
    poll = ChoosingTogether("<b>Which</b> trip?", (Count("a", "<i>Kew</i>", 3),), (script,))
    sneaky = replace(
        with_commenter(year, "<img src=x onerror=alert(1)>"),
        comments=(Comment("Tuesday Club", year.made_at, "a member", None, False, script),),
        choosing=(poll,),
        club_name="Tea & <Cake> Club",
    )
    page = render_html(sneaky)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in page
    text = read(page).text
    for shown in (script, "<b>Which</b> trip?", "<i>Kew</i>", "Tea & <Cake> Club"):
        assert shown in text


def test_every_table_has_a_caption_first(year: Report) -> None:
    for report in (year, replace(year, sessions=year.sessions * 5)):  # and summed by title
        reading = read(render_html(report))
        assert len(reading.tables) >= 5
        assert all(elements[0] == "caption" for elements in reading.tables)
        assert len(reading.captions) == len(reading.tables)
        assert all(caption.strip() for caption in reading.captions)
    assert "Sessions held, by title" in reading.captions
    assert "How sessions felt, by activity" in reading.captions


def test_the_base_layout_serves_another_page(year: Report) -> None:
    """A coordinator's page extends base.html as the report does: its own title, links
    between pages (with a skip link first), its content in <main>, the same stylesheet,
    its own language, and the same escaping."""
    page_source = (
        '{% extends "base.html" %}'
        "{% block title %}Today{% endblock %}"
        '{% block navigation %}<li><a href="/today">Today</a></li>{% endblock %}'
        "{% block content %}<h1>Today</h1><p>{{ note }}</p>{% endblock %}"
    )
    assert TEMPLATES.loader is not None
    own = DictLoader({"today.html": page_source})
    pages = TEMPLATES.overlay(loader=ChoiceLoader([own, TEMPLATES.loader]))
    page = pages.get_template("today.html").render(lang="pl", note="<Zoë & co>")
    assert '<html lang="pl">' in page and "<title>Today</title>" in page
    assert page.index('class="skip-link" href="#main"') < page.index('<nav aria-label="Pages">')
    assert '<main id="main">\n<h1>Today</h1>' in page
    assert "&lt;Zoë &amp; co&gt;" in page and "font-size: 16pt" in page
    assert "<footer>" not in page  # no footer block, no empty footer
    report = render_html(year)  # the report links to no other page
    assert "<nav" not in report and 'class="skip-link"' not in report
    assert "<footer>\n<p>Made on " in report
