"""The club's calendar made real: each series' meetings, as far ahead as it is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.service.views import rule_of
from conversations import occurrences
from storage.models import SessionSeries
from storage.sessions import Meetings

__all__ = ["CALENDAR_WEEKS", "meetings_between"]

CALENDAR_WEEKS = 8
"""How far ahead the calendar holds each series' meetings."""


def meetings_between(first: date, zone: ZoneInfo, weeks: int = CALENDAR_WEEKS) -> Meetings:
    """When each series meets from `first` for `weeks`, as storage adds the meetings."""
    last = first + timedelta(weeks=weeks)

    def meetings(series: SessionSeries) -> Iterator[tuple[datetime, datetime]]:
        for meeting in occurrences(rule_of(series), first, last, zone):
            yield meeting.starts_at, meeting.ends_at

    return meetings
