"""People in a spreadsheet: the columns, reading a CSV row by row, and writing one.

This module knows only the file. Checking rows against the club (duplicates, activities,
days, whom a carer cares for) and storing them is in `bot.people_sheet.importing`.

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

import phonenumbers
from phonenumbers import PhoneNumberFormat

from bot.people_sheet.row import PersonRow, RowProblem, read_person
from bot.service.spreadsheet_cells import guarded, unguarded

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
            column: unguarded(cells[i].strip() if i < len(cells) else "")
            for i, column in enumerate(header)
        }
        problems: list[str] = []
        row = read_person(number, values, problems)
        reading.problems += [RowProblem(number, reason) for reason in problems]
        if row is not None and not problems:
            reading.rows.append(row)
    return reading


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
    writer.writerows(tuple(guarded(cell) for cell in _cells(row)) for row in rows)
    return out.getvalue()
