"""Real-looking values for every placeholder of the catalogue, so its rules are checked on
texts as people get them: a date is three words, an activity up to five, a place three.

A placeholder with no sample here gets a one-word name ("Mary"), which is what most of
them are (a person's first name, a count).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.catalogue import Catalogue
from conversations.model import Param, PartsOf, Text, text
from conversations.when import when_params

__all__ = ["SESSION_STARTS", "sample_params", "sample_text"]

LONDON = ZoneInfo("Europe/London")
SESSION_STARTS = datetime(2026, 12, 1, 13, 30, tzinfo=LONDON)
"""Tuesday 1 December at 1:30 in the afternoon: a weekday, a date and a time with minutes."""

LONGEST_ACTIVITY = "outings"
"""The activity with the longest name in every language ("trips to galleries and concerts")."""

WEEKDAY_BY_NAME = ("preferences.day_", "choice.every_", "sessions.repeats_")
"""Texts about a regular day, whose weekday is the catalogue's own word for it ("Tuesday",
"à terça-feira") rather than a date's weekday."""

SAMPLES: dict[str, Param] = {
    "title": "Tuesday Club",
    "activity": text(f"activity.{LONGEST_ACTIVITY}"),
    "activities": (text("activity.music"), text("activity.art"), text("activity.memories")),
    "place": "Norwood Community Hall",
    "postcode": "SE27 9JU",
    "club": "Healthy Living Club",
    "name": "Mary",
    "who": "Mary",
    "carer": "John",
    "by": "John",
    "members": ("Mary",),
    "names": "Mary",
    "phone": "07700 900123",
    "number": "+447700900123",
    "channel": text("channel.sms"),
    "channels": (text("channel.telegram"), text("channel.sms")),
    "where": text("where.preferences"),
    "timing": text("timing.both"),
    "days": "Tuesday Club, Crafternoon",
    "answer": text("choice.unsure"),
    "which": text("ordinal.1"),
    "roles": "member, volunteer",
    "emoji": "🎵",
    "digit": "1",
    "label": text("choice.yes"),
    "choices": (text("choice.coming"), text("choice.not_coming"), text("choice.need_help")),
    "typed": "SE99",
    "words": "The hall is closed on Tuesday because of the snow.",
    "count": "12",
    "done": "6",
    "total": "12",
    "sent": "12",
    "longest": "1000",
    "ask": text("reminder.ask"),
}


def sample_params(key: str, template: str) -> dict[str, Param]:
    """Values for each placeholder of `template` (the text `key`)."""
    values: dict[str, Param] = {**when_params(SESSION_STARTS, LONDON), **SAMPLES}
    if key.startswith(WEEKDAY_BY_NAME):
        values["weekday"] = text("weekday.1")
    if key == "mydata.consent":
        values["date"] = "26/11/2026"
    if key == "notice.parts":
        values["parts"] = PartsOf(text("notice.broadcast", **SAMPLES))
    return {name: values.get(name, "Mary") for name in Catalogue.placeholders(template)}


def sample_text(catalogue: Catalogue, language: str, key: str) -> Text:
    """The text `key` with real-looking values for its placeholders."""
    return Text(key, sample_params(key, catalogue.template(language, key)))
