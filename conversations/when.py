"""Saying when a session is: weekday, date, time and part of the day, in plain words.

Every reminder names all of these (accessibility rule 4), never "tomorrow" alone. The
weekday, date and clock are `Moment`s, so each language writes them its own way
("Tuesday 1 December, at 1:30 in the afternoon", "terça-feira, 1 de dezembro, às 13:30").
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.model import Moment, Param, text

__all__ = ["when_params"]

NOON = 12
EVENING = 17


def when_params(moment: datetime, zone: ZoneInfo) -> dict[str, Param]:
    """Parameters for a catalogue text: weekday, date, clock and part of the day."""
    local = moment.astimezone(zone)
    if local.hour < NOON:
        part = "morning"
    elif local.hour < EVENING:
        part = "afternoon"
    else:
        part = "evening"
    return {
        "weekday": Moment(local, "weekday"),
        "date": Moment(local, "date"),
        "clock": Moment(local, "clock"),
        "part": text(f"part.{part}"),
    }
