"""The report as plain text: for the terminal, an e-mail, or Telegram's /report summary."""

from __future__ import annotations

from bot.report.model import Report
from bot.report.sentences import (
    NO_CHOOSING,
    attendance_lines,
    faces_line,
    glance_lines,
    heading,
    request_lines,
    session_line,
    sessions_line,
    unreachable_line,
    wanted_line,
)
from bot.report.words import day, plural

__all__ = ["render_summary", "render_text"]


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", title, *(f"  {line}" for line in lines)]


def render_text(report: Report) -> str:
    """Every figure of the report, section by section."""
    title, span = heading(report)
    out = [title, span]
    sessions = [sessions_line(report), *(f"- {session_line(s)}" for s in report.sessions)]
    out += _section("Sessions held", sessions)
    if not report.no_sessions:
        out += _section(
            "Coming as they said", attendance_lines(report.attendance, len(report.sessions))
        )
        out += _section("How sessions felt", _feeling(report))
    enjoyed = [f"{c.label}: {c.count}" for c in report.enjoyed_most]
    if enjoyed:
        out += _section("What people enjoyed most", enjoyed)
    wanted = [wanted_line(w, report.period.days) for w in report.wanted]
    answered = wanted if report.anyone_answered else ["No answers yet."]
    out += _section("What members would like to do", answered)
    out += _section("Choosing together", _choosing(report))
    out += _section("Requests for help and lifts", request_lines(report.requests))
    comments = [f'{c.who}, {c.session} on {day(c.day)}: "{c.words}"' for c in report.comments]
    out += _section("Comments for the committee", comments or ["No comments in this period."])
    unreachable = [unreachable_line(u) for u in report.unreachable]
    out += _section("Who could not be reached", unreachable or ["Everyone could be reached."])
    out += _section("People", _people(report))
    out += ["", f"Made on {day(report.made_at)}."]
    return "\n".join(out) + "\n"


def _feeling(report: Report) -> list[str]:
    split = report.feedback
    lines = [
        f"All answers: {faces_line(split.all)}",
        f"Answered alone: {faces_line(split.alone)}",
        f"With a carer's help: {faces_line(split.with_carer)}",
    ]
    lines += [
        f"{a.activity} ({plural(a.sessions, 'session')}): {faces_line(a.feedback.all)}"
        for a in report.by_activity
    ]
    lines += [
        f"{s.title}, {day(s.starts_at)}: {faces_line(s.feedback.all)}"
        for s in report.sessions
        if s.feedback.all.answered or s.feedback.all.skipped
    ]
    return lines


def _choosing(report: Report) -> list[str]:
    if not report.choosing:
        return [NO_CHOOSING]
    lines = []
    for poll in report.choosing:
        lines.append(f"{poll.question}")
        lines += [f"  {choice.label}: {choice.count}" for choice in poll.choices]
        lines += [f'  Suggested: "{words}"' for words in poll.suggestions]
    return lines


def _people(report: Report) -> list[str]:
    roles = ", ".join(plural(r.count, r.label) for r in report.roles)
    languages = ", ".join(f"{c.label} {c.count}" for c in report.languages)
    everyone = plural(report.people, "person", "people")
    return [
        f"{everyone} in the club" + (f": {roles}." if roles else "."),
        f"Languages: {languages or 'none recorded'}.",
    ]


def render_summary(report: Report) -> str:
    """A few lines for a chat message; the full report goes with it as a document."""
    return "\n".join([*heading(report), *glance_lines(report)])
