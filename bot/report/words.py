"""The words of the committee's report, in plain English, kept in one place.

They live here rather than in the message catalogue: the catalogue holds what members
and carers are sent, and its tests hold every text to the one-question, three-choice
message rules, which a report's headings and figures do not fit. The report is
English-only for now; a translation would replace this module's tables and the
headings in `templates/committee_report.html`. Dates are written by Babel, as everywhere
else.
Activity and language names do come from the catalogue, so they read as members see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from bot.report.period import Period
from conversations import (
    Catalogue,
)

__all__ = [
    "CHANNEL_WORDS",
    "FACE_EMOJI",
    "FACE_WORDS",
    "REQUEST_WORDS",
    "ROLE_WORDS",
    "activity_labels",
    "day",
    "language_label",
    "percent",
    "period_words",
    "plural",
    "reason_words",
    "when",
]

REPORT_LOCALE = "en_GB"
"""The report is written in British English (see the module's docstring)."""
FACE_WORDS = {"happy": "Happy", "unsure": "Not sure", "unhappy": "Unhappy"}
FACE_EMOJI = {"happy": "🙂", "unsure": "😐", "unhappy": "🙁"}
ROLE_WORDS = {
    "member": "member",
    "carer": "carer",
    "volunteer": "volunteer",
    "coordinator": "coordinator",
    "committee": "committee member",
}
CHANNEL_WORDS = {
    "telegram": "Telegram",
    "sms": "text message",
    "voice": "phone call",
    "console": "this computer",
}
REASONS = {
    "blocked": "stopped the club's Telegram messages",
    "opted out": "asked for no more texts",
    "landline or unreachable carrier": "a landline, or the phone could not be reached",
    "unreachable": "the phone could not be reached",
    "unknown number": "the number is not in use",
    "not a valid number": "the number is not right",
    "not a mobile number": "not a mobile, so it cannot get texts",
    "filtered as spam": "the phone company stopped the text",
    "message blocked": "the phone company stopped the text",
}
REQUEST_WORDS = {
    "talk": "Asked to talk to a person",
    "lift": "Asked for a lift or help to get there",
    "voice_note": "Left a voice message",
    "other": "Other requests",
}


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 session", "3 sessions"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def day(moment: date | datetime) -> str:
    """ "Tuesday 3 March 2026": the weekday and the month in words, never numbers alone."""
    return _written(date(moment.year, moment.month, moment.day), "EEEE d MMMM y")


def when(moment: datetime) -> str:
    """ "Tuesday 3 March, 1:30 in the afternoon"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    part = "morning" if moment.hour < 12 else "afternoon" if moment.hour < 18 else "evening"
    on = _written(date(moment.year, moment.month, moment.day), "EEEE d MMMM")
    return f"{on}, {hour}{minutes} in the {part}"


@lru_cache(maxsize=4096)
def _written(on: date, pattern: str) -> str:
    """Babel's writing of a day in the report's English, whatever the computer's own
    language; remembered, as a year's report writes the same few days thousands of times."""
    return str(format_date(on, pattern, locale=REPORT_LOCALE))


def period_words(period: Period) -> str:
    return f"{day(period.first)} to {day(period.last)}"


def reason_words(reason: str) -> str:
    """Providers' reasons in plain words; an unknown reason is shown as it was recorded."""
    return REASONS.get(reason.strip().lower(), reason)


def activity_labels(catalogue: Catalogue, keys: list[str]) -> Mapping[str, str]:
    """Activity names as members see them ("cooking and meals"), falling back to the key."""
    found: dict[str, str] = {}
    for key in keys:
        name = f"activity.{key}"
        found[key] = catalogue.template("en", name) if catalogue.has(name) else key
    return found


def language_label(code: str) -> str:
    """The language's English name ("pt" -> "Portuguese"); the committee reads English."""
    try:
        names = Locale("en").languages
        return str(names.get(str(Locale.parse(code, sep="-")), names.get(code, code)))
    except (UnknownLocaleError, ValueError):
        return code
