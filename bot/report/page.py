"""The report as one printable HTML page for a committee meeting.

The page is `templates/committee_report.html` (which extends the shared `base.html`);
this module only puts the report's sentences and tables in the shape the template shows. Large type
(16pt body and up), plain words, dark text on white, inline SVG charts, no script and
nothing fetched from elsewhere, so it opens the same on any computer, prints on A4, and
can be read aloud by a screen reader. Long tables are summed up by session title so a
year's report stays short.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from bot.report.charts import report_charts
from bot.report.model import FACES, Count, FeedbackSplit, Report, SessionFigures
from bot.report.sentences import (
    NO_CHOOSING,
    attendance_lines,
    change_words,
    credit,
    glance_lines,
    heading,
    request_lines,
    session_line,
    sessions_line,
    unreachable_line,
)
from bot.report.templating import TEMPLATES
from bot.report.words import FACE_WORDS, day, percent, plural

__all__ = ["Table", "render_html"]

MOST_SESSIONS_LISTED = 12
"""Up to this many sessions are listed one by one; more are summed up by title."""
FACE_HEAD = tuple(FACE_WORDS[face] for face in FACES)


@dataclass(frozen=True)
class Table:
    """What the templates' `table` macro shows: a caption says what the table is about."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numbers_from: int = 1
    """The first column that holds numbers."""


def render_html(report: Report, page: Template | None = None, **more: Any) -> str:
    """The printable page; `page` is a template extending `committee_report.html` (the
    coordinator's web page wraps the report in its own links and date form), with `more`
    values for it."""
    template = page or TEMPLATES.get_template("committee_report.html")
    return template.render(_page(report) | more)


def _page(report: Report) -> dict[str, Any]:
    title, span = heading(report)
    listed = len(report.sessions) <= MOST_SESSIONS_LISTED
    return {
        "lang": "en",
        "title": title,
        "span": span,
        "report": report,
        "charts": report_charts(report),
        "glance": glance_lines(report),
        "sessions_line": sessions_line(report),
        "session_lines": [session_line(s) for s in report.sessions] if listed else [],
        "sessions_table": None if listed else _sessions_by_title(report),
        "attendance": attendance_lines(report.attendance, len(report.sessions)),
        "feeling": _feeling(report, listed),
        "enjoyed": [f"{c.label}: {c.count}" for c in report.enjoyed_most],
        "wanted": _wanted(report) if report.anyone_answered else None,
        "polls": [
            (
                Table(poll.question, ("Choice", "Votes"), _rows(poll.choices)),
                poll.suggestions,
            )
            for poll in report.choosing
        ],
        "no_choosing": NO_CHOOSING,
        "requests": request_lines(report.requests),
        "comments": [f"“{c.words}” — {credit(c)}" for c in report.comments],
        "unreachable": [unreachable_line(u) for u in report.unreachable],
        "people": f"{plural(report.people, 'person', 'people')} in the club.",
        "roles": Table(
            "People in the club, by role",
            ("Who", "How many"),
            tuple((plural(r.count, r.label).split(" ", 1)[1], str(r.count)) for r in report.roles),
        ),
        "languages": Table(
            "People in the club, by language", ("Language", "People"), _rows(report.languages)
        ),
        "made_on": f"Made on {day(report.made_at)}.",
    }


def _rows(counts: Iterable[Count]) -> tuple[tuple[str, ...], ...]:
    """Labelled counts (`Count`) as table rows."""
    return tuple((count.label, str(count.count)) for count in counts)


def _faces(split: FeedbackSplit) -> tuple[str, ...]:
    counts = split.all
    return tuple(f"{counts.of(face)} ({percent(counts.share(face))})" for face in FACES)


def _sessions_by_title(report: Report) -> Table:
    by_title: dict[str, list[SessionFigures]] = {}
    for figures in report.sessions:
        by_title.setdefault(figures.title, []).append(figures)
    rows = tuple(
        (
            title,
            str(len(group)),
            str(sum(s.said_coming for s in group)),
            str(sum(s.came for s in group if s.marked)),
        )
        for title, group in by_title.items()
    )
    head = ("Session", "Held", "Said they were coming", "Came")
    return Table("Sessions held, by title", head, rows)


def _feeling(report: Report, listed: bool) -> list[Table]:
    split = report.feedback
    alone, helped = FeedbackSplit(alone=split.alone), FeedbackSplit(with_carer=split.with_carer)
    tables = [
        Table(
            "How sessions felt, by who answered",
            ("Who answered", *FACE_HEAD, "Skipped"),
            (
                ("All answers", *_faces(split), str(split.all.skipped)),
                ("Answered alone", *_faces(alone), str(split.alone.skipped)),
                ("With a carer's help", *_faces(helped), str(split.with_carer.skipped)),
            ),
        ),
        Table(
            "How sessions felt, by activity",
            ("Activity", "Sessions", *FACE_HEAD),
            tuple((a.activity, str(a.sessions), *_faces(a.feedback)) for a in report.by_activity),
        ),
    ]
    if listed:
        rows = tuple(
            (f"{s.title}, {day(s.starts_at)}", *_faces(s.feedback)) for s in report.sessions
        )
        tables.append(Table("How sessions felt, by session", ("Session", *FACE_HEAD), rows))
    return tables


def _wanted(report: Report) -> Table:
    before = f"Yes, change on the {plural(report.period.days, 'day')} before"
    rows = tuple(
        (w.activity, str(w.yes), change_words(w.change), str(w.unsure), str(w.no))
        for w in report.wanted
    )
    return Table(
        "What members would like to do, by activity",
        ("Activity", "Yes", before, "Not sure", "No"),
        rows,
    )
