"""Saying when a session is: weekday, date, time and part of the day, in plain words.

Every reminder names all of these (accessibility rule 4), never "tomorrow" alone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.model import Text, text

__all__ = ["when_params"]

NOON = 12
EVENING = 17


def when_params(moment: datetime, zone: ZoneInfo) -> dict[str, str | Text]:
    """Parameters for a catalogue text: weekday, date, clock and part of the day."""
    local = moment.astimezone(zone)
    hour12 = local.hour % 12 or 12
    clock = f"{hour12}:{local.minute:02d}" if local.minute else str(hour12)
    if local.hour < NOON:
        part = "morning"
    elif local.hour < EVENING:
        part = "afternoon"
    else:
        part = "evening"
    return {
        "weekday": text(f"weekday.{local.weekday()}"),
        "date": text("date.day_month", day=local.day, month=text(f"month.{local.month}")),
        "clock": clock,
        "part": text(f"part.{part}"),
    }
