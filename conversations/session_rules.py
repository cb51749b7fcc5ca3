"""Checks on a session before it goes in the calendar, each with a plain reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time

from conversations.calendar import LAST_WEEK, SeriesRule
from conversations.digits import read_number, western_digits
from conversations.model import text

__all__ = [
    "NotThen",
    "SessionProblem",
    "check_one_off",
    "check_series",
    "normalise_postcode",
    "read_clock",
    "read_day",
]

FOURTH_WEEK = 4
UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")


class SessionProblem(ValueError):
    """Why a session cannot be as given: `words` is a catalogue text, so the coordinator
    reads it in their own language (the command line prints it in English)."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.words = text(f"sessions.problem.{reason}", **params)


class NotThen(SessionProblem):
    """The session cannot be at that moment at all (it has passed, or another meeting has
    it): the coordinator is asked the day again, so no earlier answer can trap them."""


def normalise_postcode(typed: str) -> str:
    """ "se279ju" -> "SE27 9JU"; raises SessionProblem when it is not a UK postcode."""
    squeezed = "".join(typed.split()).upper()
    if len(squeezed) < 5 or not UK_POSTCODE.match(squeezed):
        raise SessionProblem("not_postcode", typed=typed.strip())
    return f"{squeezed[:-3]} {squeezed[-3:]}"


def _check_times(start: time, end: time) -> None:
    if end <= start:
        raise SessionProblem("end_first")


def check_one_off(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise SessionProblem("end_first")
    if starts_at <= now:
        raise NotThen("passed")


def _overlap(a: SeriesRule, b: SeriesRule) -> bool:
    if a.weekday != b.weekday:
        return False
    weeks = {a.week_of_month, b.week_of_month}
    monthly_both = None not in weeks
    # The fourth such weekday is also the last one in months that have no fifth.
    if monthly_both and len(weeks) == 2 and weeks != {FOURTH_WEEK, LAST_WEEK}:
        return False
    if a.last_day is not None and a.last_day < b.first_day:
        return False
    if b.last_day is not None and b.last_day < a.first_day:
        return False
    return a.start < b.end and b.start < a.end


def check_series(rule: SeriesRule, others: Sequence[tuple[str, SeriesRule]]) -> None:
    """Refuse times that do not make sense and a second series on the same slot."""
    _check_times(rule.start, rule.end)
    for title, other in others:
        if _overlap(rule, other):
            raise NotThen("overlap", title=title)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_CLOCK = re.compile(r"^([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*(am|pm)?$")


def read_day(typed: str, today: date) -> date | None:
    """ "3 December", "December 3", "3/12", "3/12/2026" or "2026-12-03"; a day without a
    year is the next one to come."""
    words = western_digits(typed).strip().lower().replace(",", " ")
    try:
        return date.fromisoformat(words)
    except ValueError:
        pass
    read = [read_number(n, most_digits=4) for n in re.findall(r"[0-9]+", words)]
    numbers = [n for n in read if n is not None]
    if len(numbers) < len(read):  # no day, month or year is written with more digits
        return None
    month = next((_MONTHS[w] for w in re.findall(r"[a-z]+", words) if w in _MONTHS), None)
    if month is not None and numbers:
        day, year = numbers[0], (numbers[1] if len(numbers) > 1 else None)
    elif month is None and len(numbers) in {2, 3} and "/" in words:
        day, month, year = numbers[0], numbers[1], (numbers[2] if len(numbers) == 3 else None)
    else:
        return None
    if year is not None and year < 100:
        year += 2000
    try:
        found = date(year or today.year, month, day)
    except ValueError:
        return None
    if year is None and found < today:
        found = found.replace(year=today.year + 1)
    return found


def read_clock(typed: str) -> time | None:
    """ "10:30", "10.30", "2pm", "2:15 pm" or "14:00"."""
    found = _CLOCK.match(western_digits(typed).strip().lower())
    if found is None:
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    if found[3] == "pm" and hour < 12:
        hour += 12
    elif found[3] == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
