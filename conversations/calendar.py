"""The club's calendar: when a regular series meets, in the club's own time zone.

Times are kept as wall-clock times in the club's zone and turned into UTC moments per
day, so a 10:30 session stays at 10:30 across the clock changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["LAST_WEEK", "Occurrence", "SeriesRule", "at_local", "occurrences", "week_of_month"]

LAST_WEEK = -1


@dataclass(frozen=True)
class SeriesRule:
    """Weekly on `weekday` (0 is Monday), or monthly on its nth (`week_of_month`, -1 last)."""

    weekday: int
    week_of_month: int | None
    start: time
    end: time
    first_day: date
    last_day: date | None = None


@dataclass(frozen=True)
class Occurrence:
    day: date
    starts_at: datetime
    ends_at: datetime


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time on a day in `zone`. A time the spring change
    skips comes out an hour later, as the clocks on the wall would show it."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def week_of_month(day: date) -> int:
    """1 for the first such weekday of its month, 2 for the second, and so on."""
    return (day.day - 1) // 7 + 1


def _is_last_of_month(day: date) -> bool:
    return (day + timedelta(days=7)).month != day.month


def _meets_on(rule: SeriesRule, day: date) -> bool:
    if day.weekday() != rule.weekday or day < rule.first_day:
        return False
    if rule.last_day is not None and day > rule.last_day:
        return False
    if rule.week_of_month is None:
        return True
    if rule.week_of_month == LAST_WEEK:
        return _is_last_of_month(day)
    return week_of_month(day) == rule.week_of_month


def occurrences(rule: SeriesRule, start: date, end: date, zone: ZoneInfo) -> Iterator[Occurrence]:
    """Every meeting of the series from `start` to `end` inclusive."""
    day = start + timedelta(days=(rule.weekday - start.weekday()) % 7)
    while day <= end:
        if _meets_on(rule, day):
            yield Occurrence(day, at_local(day, rule.start, zone), at_local(day, rule.end, zone))
        day += timedelta(days=7)
