"""The report's figures as short plain sentences, shared by the text and the HTML page
so both say the same thing in the same words."""

from __future__ import annotations

from bot.report.model import (
    FACES,
    Attendance,
    Comment,
    FaceCounts,
    Report,
    Requests,
    SessionFigures,
    Unreachable,
    Wanted,
)
from bot.report.words import (
    CHANNEL_WORDS,
    FACE_WORDS,
    REQUEST_WORDS,
    day,
    percent,
    period_words,
    plural,
    reason_words,
    when,
)

__all__ = [
    "NO_SESSIONS",
    "attendance_lines",
    "change_words",
    "credit",
    "faces_line",
    "glance_lines",
    "heading",
    "request_lines",
    "session_line",
    "sessions_line",
    "unreachable_line",
    "wanted_line",
]

NO_SESSIONS = "No sessions were held in this period."
NO_CHOOSING = "No results from choosing together are recorded yet."


def heading(report: Report) -> tuple[str, str]:
    title = f"{report.club_name}: report for the committee"
    days = plural(report.period.days, "day")
    return title, f"{period_words(report.period)} ({days})"


def sessions_line(report: Report) -> str:
    if report.no_sessions:
        held = NO_SESSIONS
    else:
        count = len(report.sessions)
        held = f"{plural(count, 'session')} {'was' if count == 1 else 'were'} held."
    if report.cancelled:
        cancelled = "was" if report.cancelled == 1 else "were"
        held += f" {plural(report.cancelled, 'session')} {cancelled} cancelled."
    return held


def session_line(figures: SessionFigures) -> str:
    said = f"{figures.said_coming} said they were coming"
    came = f"{figures.came} came" if figures.marked else "attendance was not taken"
    return f"{when(figures.starts_at)}: {figures.title} ({figures.activity}). {said}; {came}."


def attendance_lines(attendance: Attendance, held: int) -> list[str]:
    if not attendance.sessions_marked:
        return ["Attendance was not taken at any session."]
    lines = [f"Attendance was taken at {attendance.sessions_marked} of {held} sessions."]
    if attendance.said_coming:
        lines.append(
            f"{plural(attendance.said_coming, 'time')} someone said they were coming. "
            f"They came {attendance.came_as_said} times ({percent(attendance.kept_share)})."
        )
    lines.append(
        f"{attendance.said_coming_stayed_away} said they were coming but did not come. "
        f"{attendance.came_without_saying} came without saying so first."
    )
    return lines


def faces_line(counts: FaceCounts) -> str:
    """ "Happy 40 (70%), Not sure 10 (18%), Unhappy 7 (12%). 3 skipped." """
    if not counts.answered and not counts.skipped:
        return "No answers."
    parts = [f"{FACE_WORDS[f]} {counts.of(f)} ({percent(counts.share(f))})" for f in FACES]
    skipped = f" {counts.skipped} skipped." if counts.skipped else ""
    return ", ".join(parts) + "." + skipped


def change_words(change: int) -> str:
    if change == 0:
        return "no change"
    return f"up {change}" if change > 0 else f"down {-change}"


def wanted_line(wanted: Wanted, days: int) -> str:
    return (
        f"{wanted.activity}: {wanted.yes} yes ({change_words(wanted.change)} on the "
        f"{days} days before), {wanted.unsure} not sure, {wanted.no} no"
    )


def request_lines(requests: Requests) -> list[str]:
    if not requests.total:
        return ["Nobody asked for help in this period."]
    counts = {
        "talk": requests.talk,
        "lift": requests.lift,
        "voice_note": requests.voice_note,
        "other": requests.other,
    }
    lines = [f"{REQUEST_WORDS[kind]}: {n}" for kind, n in counts.items() if n]
    if requests.not_handled:
        lines.append(f"Not yet marked as dealt with: {requests.not_handled}")
    return lines


def credit(comment: Comment) -> str:
    """Who said it, where and when: "Bob, Tuesday Club, Tuesday 3 March 2026"."""
    return f"{comment.who}, {comment.session}, {day(comment.day)}"


def unreachable_line(person: Unreachable) -> str:
    how = CHANNEL_WORDS.get(person.channel, person.channel)
    why = reason_words(person.reason) if person.reason else "no reason was given"
    line = f"{person.name}, by {how}: {why}"
    if person.for_good and person.since is not None:
        line += f", since {day(person.since)}"
    line += "."
    if person.failed_messages:
        line += f" {plural(person.failed_messages, 'message')} not sent."
    return line


def glance_lines(report: Report) -> list[str]:
    """The report on one page: the lines a meeting starts from."""
    lines = [sessions_line(report)]
    if not report.no_sessions:
        attendance = report.attendance
        if attendance.said_coming:
            lines.append(
                f"People who said they were coming came {percent(attendance.kept_share)} "
                f"of the time ({attendance.came_as_said} of {attendance.said_coming})."
            )
        lines.append(f"How sessions felt: {faces_line(report.feedback.all)}")
    top = [w.activity for w in report.wanted if w.yes][:3]
    if top:
        lines.append(f"Most wanted: {', '.join(top)}.")
    requests = report.requests
    lifts = f" ({requests.lift} for a lift)" if requests.lift else ""
    lines.append(f"Requests for help: {requests.total}{lifts}.")
    lines.append(f"Comments for the committee: {len(report.comments)}.")
    if report.unreachable:
        people = len({u.person_id for u in report.unreachable})
        lines.append(f"Could not be reached: {plural(people, 'person', 'people')}.")
    return lines
