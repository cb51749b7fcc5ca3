"""One row of the people sheet, read cell by cell into a `PersonRow` or a list of reasons.

Only the form of each value is checked here (a real UK number, a known role, a date);
whether the person is already in the club is checked in `bot.people_sheet.importing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from conversations import (
    PhoneProblem,
    clean_name,
    read_uk_phone,
)

__all__ = ["PersonRow", "RowProblem", "read_person"]

ROLES = ("member", "carer", "volunteer", "coordinator", "committee")
CHANNELS = {"telegram": "telegram", "sms": "sms", "text": "sms", "voice": "voice", "call": "voice"}
TIMINGS = ("day_before", "morning", "both")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
PHONE_WORDS = {
    PhoneProblem.NOT_A_NUMBER: "is not a phone number",
    PhoneProblem.NOT_UK: "is not a UK number",
    PhoneProblem.NOT_REACHABLE: "cannot get calls or texts",
}


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be taken; `row` counts as a spreadsheet does (the header is 1)."""

    row: int
    reason: str


@dataclass(frozen=True)
class PersonRow:
    """One person as the file describes them, every value already checked for its form."""

    row: int
    name: str
    roles: tuple[str, ...] = ("member",)
    phone: str | None = None
    landline: bool = False
    telegram_id: int | None = None
    channels: tuple[str, ...] = ()
    language: str = "en"
    spoken: bool = False
    activities: tuple[str, ...] = ()
    days: tuple[str, ...] = ()
    reminder_timing: str = "both"
    cares_for: tuple[str, ...] = ()
    consent_by: str | None = None
    consent_at: date | None = None


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def read_person(number: int, values: dict[str, str], problems: list[str]) -> PersonRow | None:
    name = clean_name(values.get("name", ""))
    if name is None:
        problems.append(
            "the name is missing" if not values.get("name") else "the name is not usable"
        )
    roles = tuple(dict.fromkeys(part.lower() for part in _list(values.get("role", ""))))
    for role in roles:
        if role not in ROLES:
            problems.append(f"unknown role '{role}' (use {', '.join(ROLES)})")
    phone, landline = _phone(values.get("phone", ""), problems)
    telegram_id = _telegram_id(values.get("telegram_id", ""), problems)
    channels = _channels(values.get("channels", ""), phone, landline, telegram_id, problems)
    spoken = values.get("spoken", "").lower()
    if spoken not in YES | NO:
        problems.append(f"spoken must be yes or no, not '{values['spoken']}'")
    timing = "_".join(values.get("reminder_timing", "").lower().replace("-", " ").split())
    timing = timing or "both"
    if timing not in TIMINGS:
        problems.append(f"reminder_timing must be {', '.join(TIMINGS)}")
    language = _language(values.get("language", ""), problems)
    cares_for = tuple(_list(values.get("cares_for", "")))
    if cares_for and "carer" not in roles:
        problems.append("cares_for is filled in, but the role is not carer")
    consent_at = _day(values.get("consent_at", ""), problems)
    if name is None:
        return None
    return PersonRow(
        row=number,
        name=name,
        roles=roles or ("member",),
        phone=phone,
        landline=landline,
        telegram_id=telegram_id,
        channels=channels,
        language=language,
        spoken=spoken in YES,
        activities=tuple(dict.fromkeys(a.lower() for a in _list(values.get("activities", "")))),
        days=tuple(dict.fromkeys(_list(values.get("days", "")))),
        reminder_timing=timing,
        cares_for=cares_for,
        consent_by=clean_name(values.get("consent_by", "")),
        consent_at=consent_at,
    )


def _phone(typed: str, problems: list[str]) -> tuple[str | None, bool]:
    if not typed:
        return None, False
    reading = read_uk_phone(typed)
    if isinstance(reading, PhoneProblem):
        problems.append(f"phone '{typed}' {PHONE_WORDS[reading]}")
        return None, False
    return reading.e164, reading.is_landline


def _telegram_id(typed: str, problems: list[str]) -> int | None:
    if not typed:
        return None
    if not typed.isdigit():
        problems.append(f"telegram_id '{typed}' must be a whole number, such as 123456789")
        return None
    return int(typed)


def _channels(
    typed: str, phone: str | None, landline: bool, telegram_id: int | None, problems: list[str]
) -> tuple[str, ...]:
    """The channels in the person's order; with none given, what their details allow."""
    if not typed:
        guessed = ["telegram"] if telegram_id is not None else []
        guessed += (["voice"] if landline else ["sms", "voice"]) if phone else []
        return tuple(guessed)
    chosen: list[str] = []
    for part in _list(typed):
        channel = CHANNELS.get(part.lower())
        if channel is None:
            problems.append(f"unknown channel '{part}' (use telegram, sms or voice)")
        elif channel == "telegram" and telegram_id is None:
            problems.append("the channel telegram needs a telegram_id")
        elif channel in {"sms", "voice"} and phone is None:
            problems.append(f"the channel {channel} needs a phone number")
        elif channel == "sms" and landline:
            problems.append("the phone is a landline, so it cannot get texts (use voice)")
        elif channel not in chosen:
            chosen.append(channel)
    return tuple(chosen)


def _language(typed: str, problems: list[str]) -> str:
    code = typed.strip().lower().replace("_", "-")
    if not code:
        return "en"
    main, _, region = code.partition("-")
    region_fits = not region or (region.isalnum() and len(region) <= 4)
    if not (main.isascii() and main.isalpha() and 2 <= len(main) <= 3 and region_fits):
        problems.append(f"language '{typed}' should be a code such as en, pt or es")
        return "en"
    return code


def _day(typed: str, problems: list[str]) -> date | None:
    if not typed:
        return None
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(typed, form).date()
        except ValueError:
            continue
    problems.append(f"consent_at '{typed}' must be a date such as 2026-03-01 or 01/03/2026")
    return None
