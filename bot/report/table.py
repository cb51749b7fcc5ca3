"""The report as CSV for a spreadsheet: one figure per row (section, item, date, measure,
value), so a treasurer can filter or pivot it without reshaping anything."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.report.model import FACES, FeedbackSplit, Report
from bot.report.sentences import NO_SESSIONS
from bot.service.spreadsheet_cells import guarded

__all__ = ["CSV_HEADER", "render_csv"]

CSV_HEADER = ("section", "item", "date", "measure", "value")
Row = tuple[str, str, str, str, str | int]


def _cell(value: str | int) -> str | int:
    """Members' words and names never run as a spreadsheet formula ("=HYPERLINK(...)")."""
    return guarded(value) if isinstance(value, str) else value


def _faces(section: str, item: str, date: str, split: FeedbackSplit) -> Iterator[Row]:
    for who, counts in (("alone", split.alone), ("with carer", split.with_carer)):
        for face in FACES:
            yield section, item, date, f"{face} ({who})", counts.of(face)
        yield section, item, date, f"skipped ({who})", counts.skipped


def _rows(report: Report) -> Iterator[Row]:
    """Every section's rows, in the order of the printed report."""
    period = f"{report.period.first.isoformat()} to {report.period.last.isoformat()}"
    for section in (_sessions, _attendance, _wishes, _requests, _reach, _people):
        yield from section(report, period)


def _sessions(report: Report, period: str) -> Iterator[Row]:
    yield "period", report.club_name, period, "days", report.period.days
    if report.no_sessions:
        yield "note", NO_SESSIONS, period, "", ""
    yield "sessions", "held", period, "count", len(report.sessions)
    yield "sessions", "cancelled", period, "count", report.cancelled
    for s in report.sessions:
        date = s.starts_at.strftime("%Y-%m-%d %H:%M")
        item = f"{s.title} ({s.activity})"
        yield "session", item, date, "said coming", s.said_coming
        yield "session", item, date, "said not coming", s.said_not_coming
        yield "session", item, date, "came", s.came if s.marked else ""
        yield "session", item, date, "came as they said", s.came_as_said if s.marked else ""
        yield from _faces("session feedback", item, date, s.feedback)


def _attendance(report: Report, period: str) -> Iterator[Row]:
    a = report.attendance
    yield "attendance", "sessions where attendance was taken", period, "count", a.sessions_marked
    yield "attendance", "said coming", period, "count", a.said_coming
    yield "attendance", "came", period, "count", a.came
    yield "attendance", "came as they said", period, "count", a.came_as_said
    yield "attendance", "said coming, did not come", period, "count", a.said_coming_stayed_away
    yield "attendance", "came without saying", period, "count", a.came_without_saying
    yield "attendance", "came as they said", period, "percent", round(a.kept_share * 100)
    yield from _faces("feedback", "all sessions", period, report.feedback)
    for activity in report.by_activity:
        yield from _faces("activity feedback", activity.activity, period, activity.feedback)


def _wishes(report: Report, period: str) -> Iterator[Row]:
    for enjoyed in report.enjoyed_most:
        yield "enjoyed most", enjoyed.label, period, "count", enjoyed.count
    for w in report.wanted:
        yield "wanted", w.activity, period, "yes", w.yes
        yield "wanted", w.activity, period, "not sure", w.unsure
        yield "wanted", w.activity, period, "no", w.no
        yield "wanted", w.activity, period, "yes in the period before", w.yes_before
    for poll in report.choosing:
        for choice in poll.choices:
            yield "choosing together", poll.question, period, choice.label, choice.count
        for words in poll.suggestions:
            yield "choosing together", poll.question, period, "suggestion", words


def _requests(report: Report, period: str) -> Iterator[Row]:
    r = report.requests
    counts = {"talk": r.talk, "lift": r.lift, "voice note": r.voice_note, "other": r.other}
    for kind, n in counts.items():
        yield "requests", kind, period, "count", n
    yield "requests", "not yet dealt with", period, "count", r.not_handled
    for c in report.comments:
        yield "comment", c.session, c.day.strftime("%Y-%m-%d"), c.who, c.words


def _reach(report: Report, period: str) -> Iterator[Row]:
    for u in report.unreachable:
        since = u.since.strftime("%Y-%m-%d") if u.since else ""
        yield "could not be reached", u.name, since, u.channel, u.reason
        failed = f"{u.channel} failed messages"
        yield "could not be reached", u.name, since, failed, u.failed_messages


def _people(report: Report, period: str) -> Iterator[Row]:
    for role in report.roles:
        yield "people", role.label, period, "count", role.count
    for language in report.languages:
        yield "language", language.label, period, "count", language.count


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(tuple(_cell(value) for value in row) for row in _rows(report))
    return out.getvalue()
