"""The report's period: whole days in the club's own zone, turned into UTC moments.

Days, not moments, because a committee asks about "March", and a session at 10:30 on
the last day must count whatever the clocks did that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations import (
    at_local,
)

__all__ = ["DEFAULT_DAYS", "Period", "PeriodProblem", "read_period"]

DEFAULT_DAYS = 28
"""With no dates given, the report covers the last four weeks, today included."""


class PeriodProblem(ValueError):
    """The dates asked for do not make a period; the message is one plain line."""


@dataclass(frozen=True)
class Period:
    """From the first day to the last day, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one, for "how it changed"."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def start(self, zone: ZoneInfo) -> datetime:
        """The UTC moment the first day begins in the club's zone."""
        return at_local(self.first, time(0, 0), zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """The UTC moment just after the last day ends in the club's zone (exclusive)."""
        return at_local(self.last + timedelta(days=1), time(0, 0), zone)


def _day(typed: str, name: str) -> date:
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        raise PeriodProblem(f"--{name} must be a date such as 2026-03-31.") from None


def read_period(first: str | None, last: str | None, today: date) -> Period:
    """Dates as typed on the command line; either may be left out."""
    last_day = _day(last, "to") if last else today
    first_day = _day(first, "from") if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise PeriodProblem("--from is after --to. Please swap them.")
    return Period(first_day, last_day)
