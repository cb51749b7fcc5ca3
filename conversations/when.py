"""Saying when a session is: weekday, date and time, in plain words.

Every reminder names all of these (accessibility rule 4), never "tomorrow" alone. They are
`Moment`s, so each language writes them its own way: "Tuesday 1 December, at 1:30 in the
afternoon" (a 12-hour clock says the part of the day), "terça-feira, 1 de dezembro, às
13:30" (a 24-hour one needs none).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.model import Moment, Param

__all__ = ["when_params"]


def when_params(moment: datetime, zone: ZoneInfo) -> dict[str, Param]:
    """Parameters for a catalogue text: weekday, date and clock."""
    local = moment.astimezone(zone)
    return {
        "weekday": Moment(local, "weekday"),
        "date": Moment(local, "date"),
        "clock": Moment(local, "clock"),
    }
