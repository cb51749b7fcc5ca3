"""Checks on a session before it goes in the calendar, each with a plain reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time

from conversations.calendar import SeriesRule

__all__ = ["SessionProblem", "check_one_off", "check_series", "normalise_postcode"]

UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")


class SessionProblem(ValueError):
    """Why a session cannot be added, in words for the coordinator."""


def normalise_postcode(typed: str) -> str:
    """ "se279ju" -> "SE27 9JU"; raises SessionProblem when it is not a UK postcode."""
    squeezed = "".join(typed.split()).upper()
    if len(squeezed) < 5 or not UK_POSTCODE.match(squeezed):
        raise SessionProblem(f"{typed!r} is not a UK postcode, such as SE27 9JU.")
    return f"{squeezed[:-3]} {squeezed[-3:]}"


def _check_times(start: time, end: time) -> None:
    if end <= start:
        raise SessionProblem("The session must end after it starts.")


def check_one_off(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise SessionProblem("The session must end after it starts.")
    if starts_at <= now:
        raise SessionProblem("That time has already passed. Please choose a future date.")


def _overlap(a: SeriesRule, b: SeriesRule) -> bool:
    if a.weekday != b.weekday:
        return False
    monthly_both = a.week_of_month is not None and b.week_of_month is not None
    if monthly_both and a.week_of_month != b.week_of_month:
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
            raise SessionProblem(f"That overlaps the {title}, which meets at the same time.")
