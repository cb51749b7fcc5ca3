"""When reminders go out: the day before at a set hour, the morning of, a gentle
follow-up, never in quiet hours; cancellations early in the morning if decided at night."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations import (
    at_local,
)

__all__ = ["ReminderTimes", "outside_quiet_hours", "reminder_due"]


@dataclass(frozen=True)
class ReminderTimes:
    day_before: time = time(11, 0)
    morning: time = time(9, 0)
    follow_up_after: timedelta = timedelta(hours=5)
    quiet_start: time = time(20, 0)
    quiet_end: time = time(9, 0)
    urgent_morning: time = time(8, 0)
    """Cancellations decided at night go out at this hour rather than wait for quiet_end."""
    feedback_after: timedelta = timedelta(hours=2)
    """How long after a session ends people are asked how it was."""

    def in_quiet_hours(self, local: time) -> bool:
        if self.quiet_start > self.quiet_end:
            return local >= self.quiet_start or local < self.quiet_end
        return self.quiet_start <= local < self.quiet_end


def outside_quiet_hours(
    moment: datetime, zone: ZoneInfo, times: ReminderTimes, wake: time | None = None
) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (at `wake`, if given)."""
    local = moment.astimezone(zone)
    if not times.in_quiet_hours(local.time().replace(tzinfo=None)):
        return moment
    day = local.date() if local.time() < times.quiet_end else local.date() + timedelta(days=1)
    return at_local(day, wake or times.quiet_end, zone)


def reminder_due(
    kind: str, starts_at: datetime, zone: ZoneInfo, times: ReminderTimes, now: datetime
) -> datetime | None:
    """When a reminder of `kind` (day_before, morning) for a session is due, or None when
    it can no longer be useful. A reminder whose time has passed goes now (short notice)."""
    day = starts_at.astimezone(zone).date()
    if kind == "day_before":
        planned = at_local(day - timedelta(days=1), times.day_before, zone)
    else:
        planned = at_local(day, times.morning, zone)
    due = outside_quiet_hours(max(planned, now), zone, times)
    return due if due < starts_at else None
