"""People in a spreadsheet: the columns, reading a CSV row by row, and writing one.

This module knows only the file. Checking rows against the club (duplicates, activities,
days, whom a carer cares for) and storing them is in `bot.people_import`.

Columns (only `name` is needed; leave out any column the club does not keep):

| column | what to write | if empty |
|---|---|---|
| name | the person's name | (needed) |
| role | member, carer, volunteer, coordinator or committee; several with ";" | member |
| phone | a UK number, such as 07700 900123 | none |
| telegram_id | the number of their Telegram account | none |
| channels | how reminders reach them, first choice first: telegram;sms;voice | see below |
| language | a language code such as en, pt, es | en |
| spoken | yes or no: also send reminders as speech | no |
| activities | activities they enjoy, with ";": music;art;gardening | none |
| days | the sessions they come to, by title, with ";": Tuesday Club;Crafternoon | none |
| reminder_timing | day_before, morning or both | both |
| cares_for | for a carer: names of the members they care for, with ";" | none |
| consent_by | who gave consent (the person, or their carer) | not recorded |
| consent_at | the date consent was given, such as 2026-03-01 or 01/03/2026 | not recorded |

With no channels, Telegram comes first when there is a telegram_id, then text and call for
a mobile, or call alone for a landline. A member with no channels is reached through
their carer. Column names may use any case and spaces ("Telegram ID").
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers
from phonenumbers import PhoneNumberFormat

from conversations.names import clean_name
from conversations.phones import PhoneProblem, read_uk_phone

__all__ = [
    "COLUMNS",
    "PersonRow",
    "RowProblem",
    "SheetReading",
    "decode",
    "read_sheet",
    "write_sheet",
]

COLUMNS = (
    "name",
    "role",
    "phone",
    "telegram_id",
    "channels",
    "language",
    "spoken",
    "activities",
    "days",
    "reminder_timing",
    "cares_for",
    "consent_by",
    "consent_at",
)
ROLES = ("member", "carer", "volunteer", "coordinator", "committee")
CHANNELS = {"telegram": "telegram", "sms": "sms", "text": "sms", "voice": "voice", "call": "voice"}
TIMINGS = ("day_before", "morning", "both")
FORMULA_STARTS = ("=", "+", "-", "@")
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


@dataclass
class SheetReading:
    encoding: str
    rows: list[PersonRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in: UTF-8 (with or without the mark Excel
    adds), UTF-16 (Excel's "Unicode text"), else Windows' cp1252, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    for encoding, shown in (("utf-8", "UTF-8"), ("cp1252", "Windows (cp1252)")):
        try:
            return data.decode(encoding), shown
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "Latin-1"


def _column(header: str) -> str:
    """ "Telegram ID" and "telegram-id" both mean telegram_id."""
    return "_".join(header.strip().lower().replace("-", " ").split())


def _guarded(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula ("=HYPERLINK(...)") starts with '."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _unguarded(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def read_sheet(data: bytes) -> SheetReading:
    """Every row read and checked on its own; problems are collected, never raised."""
    content, encoding = decode(data)
    reading = SheetReading(encoding)
    first_line = content.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = [_column(cell) for cell in next(records, [])]
    unknown = [cell for cell in header if cell and cell not in COLUMNS]
    if "name" not in header:
        reading.problems.append(RowProblem(1, "the file has no 'name' column"))
    if unknown:
        known = ", ".join(COLUMNS)
        listed = ", ".join(f"'{cell}'" for cell in unknown)
        reading.problems.append(RowProblem(1, f"unknown column {listed}; the columns are {known}"))
    if len(set(header)) < len(header):
        reading.problems.append(RowProblem(1, "a column appears twice"))
    if reading.problems:
        return reading
    for number, cells in enumerate(records, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            reading.problems.append(RowProblem(number, "more cells than there are columns"))
            continue
        values = {
            column: _unguarded(cells[i].strip() if i < len(cells) else "")
            for i, column in enumerate(header)
        }
        problems: list[str] = []
        row = _person(number, values, problems)
        reading.problems += [RowProblem(number, reason) for reason in problems]
        if row is not None and not problems:
            reading.rows.append(row)
    return reading


def _person(number: int, values: dict[str, str], problems: list[str]) -> PersonRow | None:
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
    timing = _column(values.get("reminder_timing", "")) or "both"
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


def _cells(row: PersonRow) -> Iterator[str]:
    yield row.name
    yield ";".join(row.roles)
    yield _national(row.phone) if row.phone else ""
    yield "" if row.telegram_id is None else str(row.telegram_id)
    yield ";".join(row.channels)
    yield row.language
    yield "yes" if row.spoken else "no"
    yield ";".join(row.activities)
    yield ";".join(row.days)
    yield row.reminder_timing
    yield ";".join(row.cares_for)
    yield row.consent_by or ""
    yield row.consent_at.isoformat() if row.consent_at else ""


def _national(e164: str) -> str:
    """ "07700 900123": a spreadsheet keeps it as written, where "+447700900123" would
    become a number in scientific notation."""
    return str(phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL))


def write_sheet(rows: Sequence[PersonRow]) -> str:
    """The same columns the import reads, so an export imports again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(tuple(_guarded(cell) for cell in _cells(row)) for row in rows)
    return out.getvalue()
