"""The report as one printable HTML page for a committee meeting.

Its first printed sheet is "At a glance", the page a meeting works from; the details
follow on the next sheets for anyone who wants them.

Large type (16pt body and up), plain words, dark text on white, inline SVG charts, no
script and nothing fetched from elsewhere, so it opens the same on any computer, prints on
A4, and can be read aloud by a screen reader. Long tables are summed up by session title
so a year's report stays short.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.report.charts import Chart, report_charts
from bot.report.model import FACES, FeedbackSplit, Report, SessionFigures
from bot.report.sentences import (
    NO_CHOOSING,
    attendance_lines,
    change_words,
    glance_lines,
    heading,
    request_lines,
    session_line,
    sessions_line,
    unreachable_line,
)
from bot.report.svg import svg_chart
from bot.report.words import FACE_WORDS, day, percent, plural

__all__ = ["render_html"]

MOST_SESSIONS_LISTED = 12
"""Up to this many sessions are listed one by one; more are summed up by title."""

STYLE = """
@page { size: A4; margin: 15mm; }
html { background: #ffffff; color: #111111; }
body { font-family: Verdana, Arial, sans-serif; font-size: 16pt; line-height: 1.45;
  max-width: 46em; margin: 0 auto; padding: 0.5em; }
h1 { font-size: 24pt; margin: 0 0 0.2em; }
h2 { font-size: 19pt; margin: 1.2em 0 0.3em; border-bottom: 3px solid #1f4e79; }
h3 { font-size: 17pt; margin: 0.8em 0 0.2em; }
p, li, td, th, blockquote { font-size: 16pt; }
table { border-collapse: collapse; width: 99%; margin: 0.4em 0; }
th, td { border: 1px solid #555555; padding: 0.2em 0.3em; text-align: left;
  vertical-align: top; }
td { overflow-wrap: anywhere; }
td.number, th.number { text-align: right; white-space: nowrap; }
th.number { white-space: normal; }
blockquote { margin: 0.4em 0; padding: 0.2em 0.6em; border-left: 6px solid #1f4e79; }
.period { font-size: 18pt; font-weight: bold; }
.plain { font-size: 18pt; }
figure { margin: 0.6em 0; }
figcaption { font-weight: bold; margin-bottom: 0.2em; }
svg { max-width: 100%; height: auto; }
@media print {
  body { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  .details { break-before: page; }
  figure, table, blockquote, li { break-inside: avoid; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _p(words: str, css: str = "") -> str:
    css_class = f' class="{css}"' if css else ""
    return f"<p{css_class}>{escape(words)}</p>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numbers_from: int = 1) -> str:
    def cell(tag: str, index: int, value: str) -> str:
        css = ' class="number"' if index >= numbers_from else ""
        return f"<{tag}{css}>{escape(value)}</{tag}>"

    lines = ["<table>", "<tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr>"]
    lines += ["<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows]
    lines.append("</table>")
    return "\n".join(lines)


def _faces(split: FeedbackSplit) -> list[str]:
    counts = split.all
    return [f"{counts.of(face)} ({percent(counts.share(face))})" for face in FACES]


FACE_HEAD = [FACE_WORDS[face] for face in FACES]


def _sessions(report: Report) -> list[str]:
    out = [_p(sessions_line(report), "plain")]
    if report.no_sessions:
        return out
    if len(report.sessions) <= MOST_SESSIONS_LISTED:
        out.append("<ul>" + "".join(f"<li>{escape(session_line(s))}</li>" for s in report.sessions))
        out[-1] += "</ul>"
        return out
    by_title: dict[str, list[SessionFigures]] = {}
    for figures in report.sessions:
        by_title.setdefault(figures.title, []).append(figures)
    rows = [
        [
            title,
            str(len(group)),
            str(sum(s.said_coming for s in group)),
            str(sum(s.came for s in group if s.marked)),
        ]
        for title, group in by_title.items()
    ]
    out.append(_table(["Session", "Held", "Said they were coming", "Came"], rows))
    return out


def _feeling(report: Report) -> list[str]:
    split = report.feedback
    rows = [
        ["All answers", *_faces(split), str(split.all.skipped)],
        ["Answered alone", *_faces(FeedbackSplit(alone=split.alone)), str(split.alone.skipped)],
        [
            "With a carer's help",
            *_faces(FeedbackSplit(with_carer=split.with_carer)),
            str(split.with_carer.skipped),
        ],
    ]
    out = [_table(["Who answered", *FACE_HEAD, "Skipped"], rows)]
    by_activity = [[a.activity, str(a.sessions), *_faces(a.feedback)] for a in report.by_activity]
    out.append("<h3>By activity</h3>")
    out.append(_table(["Activity", "Sessions", *FACE_HEAD], by_activity))
    if len(report.sessions) <= MOST_SESSIONS_LISTED:
        by_session = [
            [f"{s.title}, {day(s.starts_at)}", *_faces(s.feedback)] for s in report.sessions
        ]
        out.append("<h3>By session</h3>")
        out.append(_table(["Session", *FACE_HEAD], by_session))
    return out


def _choosing(report: Report) -> list[str]:
    if not report.choosing:
        return [_p(NO_CHOOSING)]
    out = []
    for poll in report.choosing:
        out.append(_p(poll.question, "plain"))
        out.append(_table(["Choice", "Votes"], [[c.label, str(c.count)] for c in poll.choices]))
        out += [f"<blockquote>{escape(words)}</blockquote>" for words in poll.suggestions]
    return out


def _figure(chart: Chart) -> str:
    return f"<figure><figcaption>{escape(chart.title)}</figcaption>{svg_chart(chart)}</figure>"


def _list(lines: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def render_html(report: Report) -> str:
    title, span = heading(report)
    charts = report_charts(report)
    body = [f"<h1>{escape(title)}</h1>", _p(span, "period")]
    body += ['<section id="glance">', "<h2>At a glance</h2>", _list(glance_lines(report))]
    body += [_figure(charts[name]) for name in ("feeling", "top-wanted") if name in charts]
    body += ["</section>", '<div class="details">']
    body += ['<section id="sessions">', "<h2>Sessions held</h2>", *_sessions(report), "</section>"]
    if not report.no_sessions:
        lines = attendance_lines(report.attendance, len(report.sessions))
        body += ['<section id="coming">', "<h2>Coming as they said</h2>"]
        body += [_p(line) for line in lines]
        if "coming" in charts:
            body.append(_figure(charts["coming"]))
        body += ["</section>", '<section id="feeling">', "<h2>How sessions felt</h2>"]
        body += _feeling(report)
        if report.enjoyed_most:
            body.append("<h3>What people enjoyed most</h3>")
            body.append(_list([f"{c.label}: {c.count}" for c in report.enjoyed_most]))
        body.append("</section>")
    body += ['<section id="wanted">', "<h2>What members would like to do</h2>"]
    if report.anyone_answered:
        body.append(_figure(charts["wanted"]))
        before = f"Yes, change on the {plural(report.period.days, 'day')} before"
        rows = [
            [w.activity, str(w.yes), change_words(w.change), str(w.unsure), str(w.no)]
            for w in report.wanted
        ]
        body.append(_table(["Activity", "Yes", before, "Not sure", "No"], rows))
    else:
        body.append(_p("No answers yet."))
    body += ["</section>", '<section id="choosing">', "<h2>Choosing together</h2>"]
    body += [*_choosing(report), "</section>"]
    body += ['<section id="requests">', "<h2>Requests for help and lifts</h2>"]
    body += [_list(request_lines(report.requests)), "</section>"]
    body += ['<section id="comments">', "<h2>Comments for the committee</h2>"]
    body += [
        f"<blockquote>&#8220;{escape(c.words)}&#8221; &#8212; {escape(c.who)}, "
        f"{escape(c.session)}, {escape(day(c.day))}</blockquote>"
        for c in report.comments
    ] or [_p("No comments in this period.")]
    body += ["</section>", '<section id="unreachable">', "<h2>Who could not be reached</h2>"]
    unreachable = [unreachable_line(u) for u in report.unreachable]
    body += [_list(unreachable) if unreachable else _p("Everyone could be reached."), "</section>"]
    body += ['<section id="people">', "<h2>People</h2>"]
    body.append(_p(f"{plural(report.people, 'person', 'people')} in the club."))
    roles = [[plural(r.count, r.label).split(" ", 1)[1], str(r.count)] for r in report.roles]
    body.append(_table(["Who", "How many"], roles))
    body.append(_table(["Language", "People"], [[c.label, str(c.count)] for c in report.languages]))
    body += ["</section>", "</div>", f"<footer>{_p(f'Made on {day(report.made_at)}.')}</footer>"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
