"""People from a spreadsheet: a full import, the export that imports again, every kind of
bad row (reported by row, nothing imported), other encodings, and erasure."""

from __future__ import annotations

import argparse
import asyncio
import codecs
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Club
from bot.cli.main import _parser, run_command
from bot.cli.people import erase_person
from bot.people_sheet.exporting import export_people
from bot.people_sheet.importing import import_people
from storage.models import (
    AuditEntry,
    Base,
    CareLink,
    ClubSession,
    Feedback,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonDay,
    PersonRole,
    Position,
    SessionSeries,
    utc_now,
)
from storage.people import FORGOTTEN_CARER

PROJECT = Path(__file__).resolve().parent.parent
HEADER = (
    "name,role,phone,telegram_id,channels,language,spoken,activities,days,"
    "reminder_timing,cares_for,consent_by,consent_at"
)
GOOD = "\n".join(
    [
        HEADER,
        "Ann Smith,member,07700 900001,,sms;voice,en,yes,music;art,Tuesday Club,morning,,"
        "Ann Smith,2026-03-01",
        "Bob Jones,member,,,,pt,no,gardening,Tuesday Club;Crafternoon,both,,Dan Jones,01/03/2026",
        "Dan Jones,carer,+44 7700 900004,4004,telegram;sms,pt,no,,,day_before,Bob Jones,"
        "Dan Jones,2026-03-01",
        "Eve Brown,volunteer;committee,020 7946 0005,,voice,en,no,,Thursday Club,both,,,",
    ]
)


def data(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


async def people_count(club: Club) -> int:
    async with club.units() as uow:
        return int(await uow.session.scalar(select(func.count(Person.id))) or 0)


async def by_name(club: Club) -> dict[str, Person]:
    async with club.units() as uow:
        found = {p.name: p for p in await uow.session.scalars(select(Person))}
        uow.session.expunge_all()
        return found


async def fetch(club: Club, *columns: Any) -> list[tuple[Any, ...]]:
    async with club.units() as uow:
        return [tuple(row) for row in (await uow.session.execute(select(*columns))).all()]


async def test_a_good_file_brings_everyone_in_with_all_they_chose(club: Club) -> None:
    before = await people_count(club)
    outcome = await import_people(club.units, data(GOOD), club.settings.zone)
    assert outcome.problems == [] and outcome.imported == 4
    assert outcome.encoding == "UTF-8"
    assert outcome.notes == ["1 of them have no consent recorded: please ask and note who gave it."]
    assert await people_count(club) == before + 4
    people = await by_name(club)
    ann, bob, dan, eve = (people[n] for n in ("Ann Smith", "Bob Jones", "Dan Jones", "Eve Brown"))
    assert (ann.phone, ann.channels, ann.spoken, ann.reminder_timing) == (
        "+447700900001",
        "sms,voice",
        True,
        "morning",
    )
    assert (dan.telegram_id, dan.channels, dan.language) == (4004, "telegram,sms", "pt")
    assert (eve.phone_is_landline, eve.channels) == (True, "voice")
    assert bob.channels == "" and bob.language == "pt"
    assert bob.consent_given_by_name == "Dan Jones" and bob.consent_given_by_id == dan.id
    assert ann.consent_given_by_id == ann.id
    assert ann.consent_at is not None and eve.consent_at is None
    roles = await fetch(club, PersonRole.person_id, PersonRole.role)
    assert {r for p, r in roles if p == eve.id} == {"volunteer", "committee"}
    assert await fetch(club, CareLink.carer_id, CareLink.member_id) == [(dan.id, bob.id)]
    async with club.units() as uow:
        assert await uow.people.preferences(ann.id) == {"music": "yes", "art": "yes"}
        assert await uow.people.preferences(bob.id) == {"gardening": "yes"}
    days = [title for person_id, title in await fetch_days(club) if person_id == bob.id]
    assert sorted(days) == ["Crafternoon", "Tuesday Club"]
    audit = await fetch(club, AuditEntry.action, AuditEntry.detail)
    assert ("people imported", {"people": 4}) in audit


async def fetch_days(club: Club) -> list[tuple[int, str]]:
    async with club.units() as uow:
        query = select(PersonDay.person_id, SessionSeries.title).join(
            SessionSeries, SessionSeries.id == PersonDay.series_id
        )
        return [(p, t) for p, t in (await uow.session.execute(query)).all()]


async def test_only_a_name_is_needed_and_headers_may_be_written_loosely(club: Club) -> None:
    sheet = "Name,Telegram ID\nMary O'Neill,777\nJoe,\n"
    outcome = await import_people(club.units, data(sheet), club.settings.zone)
    assert outcome.problems == [] and outcome.imported == 2
    people = await by_name(club)
    assert people["Mary O'Neill"].channels == "telegram"
    assert (people["Joe"].channels, people["Joe"].language) == ("", "en")
    roles = await fetch(club, PersonRole.person_id, PersonRole.role)
    assert (people["Joe"].id, "member") in roles


async def everyone_erased(club: Club) -> None:
    async with club.units() as uow:
        ids = list(await uow.session.scalars(select(Person.id)))
        await uow.people.erase(ids)
        await uow.commit()


async def test_an_export_imports_again_the_same(club: Club) -> None:
    tricky = GOOD + "\n=Zoë Ångström,member,,,,fr,no,,,,,,\n"
    assert (await import_people(club.units, data(tricky), club.settings.zone)).problems == []
    first = await export_people(club.units, club.settings.zone)
    lines = first.splitlines()
    assert lines[0] == HEADER
    assert any(line.startswith("'=Zoë Ångström,") for line in lines)  # no formula in Excel
    assert "07700 900001" in first  # a spreadsheet keeps it as written
    await everyone_erased(club)
    again = await import_people(club.units, first.encode("utf-8-sig"), club.settings.zone)
    assert again.problems == [], again.problems
    assert await export_people(club.units, club.settings.zone) == first
    assert "=Zoë Ångström" in await by_name(club)


BAD_CASES = [
    ("phone,role\n07700 900001,member\n", [(1, "the file has no 'name' column")]),
    ("name,Phone number\nAnn,07700 900001\n", [(1, "unknown column 'phone_number'")]),
    ("name,role\nAnn,member\n,member\n", [(3, "the name is missing")]),
    ("name,phone\nAnn,12345\n", [(2, "phone '12345' is not a phone number")]),
    ("name,phone\nAnn,+1 202 555 0100\n", [(2, "is not a UK number")]),
    ("name,telegram_id\nAnn,1.23457E+11\n", [(2, "telegram_id '1.23457E+11' must be a whole")]),
    (
        "name,phone\nAnn,07700 900001\nBob,+447700900001\n",
        [(3, "the same phone as row 2")],
    ),
    ("name,telegram_id\nAnn,55\nBob,55\n", [(3, "the same telegram_id as row 2")]),
    ("name\nAnn\nann\n", [(3, "the same person as row 2")]),
    ("name,activities\nAnn,music;knitting\n", [(2, "unknown activity 'knitting'")]),
    ("name,days\nAnn,Friday Club\n", [(2, "unknown day 'Friday Club'")]),
    ("name,role,cares_for\nDan,carer,Zed\n", [(2, "cares_for 'Zed': no member of that name")]),
    ("name,role,cares_for\nDan,member,Ann\nAnn,member,\n", [(2, "the role is not carer")]),
    ("name,role\nAnn,boss\n", [(2, "unknown role 'boss'")]),
    ("name,spoken\nAnn,maybe\n", [(2, "spoken must be yes or no")]),
    ("name,reminder_timing\nAnn,evening\n", [(2, "reminder_timing must be")]),
    ("name,consent_at\nAnn,March\n", [(2, "consent_at 'March' must be a date")]),
    ("name,phone,channels\nAnn,020 7946 0005,sms\n", [(2, "landline, so it cannot get texts")]),
    ("name,channels\nAnn,telegram\n", [(2, "the channel telegram needs a telegram_id")]),
    ("name,channels\nAnn,pigeon\n", [(2, "unknown channel 'pigeon'")]),
    ("name,language\nAnn,Portuguese\n", [(2, "language 'Portuguese' should be a code")]),
    ("name,role\nAnn,member,extra\n", [(2, "more cells than there are columns")]),
]


@pytest.mark.parametrize(("sheet", "expected"), BAD_CASES)
async def test_each_bad_row_is_reported_and_nothing_is_imported(
    club: Club, sheet: str, expected: list[tuple[int, str]]
) -> None:
    before = await people_count(club)
    outcome = await import_people(club.units, data(sheet), club.settings.zone)
    assert outcome.imported == 0
    found = [(p.row, p.reason) for p in outcome.problems]
    assert len(found) == len(expected), found
    for (row, reason), (expected_row, start) in zip(found, expected, strict=True):
        assert row == expected_row and start in reason, (row, reason)
    assert await people_count(club) == before


async def test_people_already_in_the_club_are_duplicates(club: Club) -> None:
    assert (await import_people(club.units, data(GOOD), club.settings.zone)).problems == []
    sheet = "name,phone,telegram_id\nAnn Again,07700900001,\nDan Again,,4004\nBob Jones,,\nSam,,\n"
    outcome = await import_people(club.units, data(sheet), club.settings.zone)
    reasons = [(p.row, p.reason) for p in outcome.problems]
    assert reasons[0][0] == 2 and "already in the club" in reasons[0][1]
    assert reasons[1][0] == 3 and "telegram_id belongs to someone already" in reasons[1][1]
    assert reasons[2] == (4, "someone called Bob Jones is already in the club")
    assert reasons[3] == (5, "someone called Sam is already in the club")


async def test_a_carer_may_name_a_member_already_in_the_club(club: Club) -> None:
    assert (await import_people(club.units, data(GOOD), club.settings.zone)).problems == []
    sheet = "name,role,cares_for\nLiz,carer,bob jones\n"
    assert (await import_people(club.units, data(sheet), club.settings.zone)).problems == []
    people = await by_name(club)
    links = await fetch(club, CareLink.carer_id, CareLink.member_id)
    assert (people["Liz"].id, people["Bob Jones"].id) in links


async def test_many_bad_rows_are_all_listed_and_good_rows_wait(club: Club) -> None:
    sheet = "name,phone,activities\nAnn,07700 900001,music\n,07700 900002,\nCat,999,\nDee,,chess\n"
    before = await people_count(club)
    outcome = await import_people(club.units, data(sheet), club.settings.zone)
    assert [p.row for p in outcome.problems] == [3, 4, 5]
    assert await people_count(club) == before


@pytest.mark.parametrize(
    ("encoding", "shown", "prefix"),
    [
        ("utf-8", "UTF-8", b""),
        ("utf-8", "UTF-8", codecs.BOM_UTF8),
        ("cp1252", "Windows (cp1252)", b""),
        ("utf-16", "UTF-16", b""),
    ],
)
async def test_other_encodings_are_read_with_their_letters(
    club: Club, encoding: str, shown: str, prefix: bytes
) -> None:
    sheet = "name,language\nJosé Müller,pt\nZoë Brontë,en\nFrançoise “Fran” Dupont,fr\n"
    outcome = await import_people(club.units, prefix + sheet.encode(encoding), club.settings.zone)
    assert outcome.problems == [] and outcome.encoding == shown
    assert {"José Müller", "Zoë Brontë", "Françoise “Fran” Dupont"} <= set(await by_name(club))


async def test_bytes_cp1252_cannot_read_fall_back_to_latin_1(club: Club) -> None:
    outcome = await import_people(club.units, b"name\nA\x81na\n", club.settings.zone)
    assert outcome.encoding == "Latin-1" and outcome.imported == 1


async def test_a_bad_row_in_another_encoding_is_reported_and_nothing_imported(club: Club) -> None:
    sheet = "name;phone\n".replace(";", ",") + "Renée,07700 900001\nJosé,not a phone\n"
    before = await people_count(club)
    outcome = await import_people(club.units, sheet.encode("cp1252"), club.settings.zone)
    assert [(p.row, p.reason) for p in outcome.problems] == [
        (3, "phone 'not a phone' is not a phone number")
    ]
    assert await people_count(club) == before


async def test_a_tab_separated_file_from_excel_unicode_text(club: Club) -> None:
    sheet = "name\tphone\r\nAnn\t07700 900001\r\n"
    outcome = await import_people(club.units, sheet.encode("utf-16"), club.settings.zone)
    assert outcome.problems == [] and (await by_name(club))["Ann"].phone == "+447700900001"


def people_arguments(*typed: str) -> argparse.Namespace:
    return _parser().parse_args(["people", *typed])


async def test_the_command_imports_exports_and_refuses_plainly(
    club: Club, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone\nAnn,123\n", encoding="utf-8")
    assert await run_command(club, people_arguments("import", str(bad))) == 2
    assert capsys.readouterr().out.splitlines() == [
        "Nothing was imported. Please correct these rows in bad.csv:",
        "  row 2: phone '123' is not a phone number",
    ]
    good = tmp_path / "members.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert await run_command(club, people_arguments("import", str(good))) == 0
    assert "Imported 4 people" in capsys.readouterr().out
    target = tmp_path / "everyone.csv"
    assert await run_command(club, people_arguments("export", "--output", str(target))) == 0
    assert target.read_bytes().startswith(codecs.BOM_UTF8 + HEADER.encode())
    assert await run_command(club, people_arguments("export")) == 0
    assert "Ann Smith,member,07700 900001" in capsys.readouterr().out
    missing = people_arguments("import", str(tmp_path / "nowhere.csv"))
    assert await run_command(club, missing) == 2


PERSON_COLUMNS = {
    "person_id",
    "carer_id",
    "member_id",
    "consent_given_by_id",
    "answered_by_id",
    "actor_id",
}


async def rows_mentioning(club: Club, person_id: int, words: str) -> dict[str, int]:
    """How many rows of each table still point at the person or hold the words."""
    found: dict[str, int] = {}
    async with club.units() as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).mappings():
                points = any(row.get(column) == person_id for column in PERSON_COLUMNS)
                itself = table.name == "people" and row["id"] == person_id
                holds = any(words in repr(value) for value in row.values())
                if points or itself or holds:
                    found[table.name] = found.get(table.name, 0) + 1
    return found


async def test_erase_removes_a_person_from_every_table(
    club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await import_people(club.units, data(GOOD), club.settings.zone)).problems == []
    dan = (await by_name(club))["Dan Jones"]
    async with club.units() as uow:
        uow.session.add(HelpRequest(person_id=None, address="telegram:4004", where="registration"))
        uow.session.add(Position(address="telegram:4004", person_id=None, flow="menu", step="ask"))
        uow.session.add(
            OutboxMessage(
                person_id=dan.id,
                channel="telegram",
                kind="notice",
                payload={"who": "Dan Jones"},
                idempotency_key="dan-1",
                due_at=utc_now(),
            )
        )
        await uow.commit()
    assert await rows_mentioning(club, dan.id, "4004")
    dry = await run_command(club, people_arguments("erase", "--phone", "07700 900004"))
    assert dry == 1 and "Add --yes to erase." in capsys.readouterr().out
    assert (await by_name(club))["Dan Jones"].id == dan.id
    done = await run_command(club, people_arguments("erase", "--phone", "07700 900004", "--yes"))
    said = capsys.readouterr().out
    assert done == 0 and "Erased Dan Jones" in said and "They cared for Bob Jones" in said
    assert await rows_mentioning(club, dan.id, "4004") == {}
    # Bob's consent record no longer names who gave it.
    assert await rows_mentioning(club, dan.id, "Dan Jones") == {}
    assert (await by_name(club))["Bob Jones"].consent_given_by_name == FORGOTTEN_CARER
    audit = await fetch(club, AuditEntry.action, AuditEntry.detail)
    assert ("erased", {"people": 1, "by": "command line"}) in audit
    assert "Bob Jones" in await by_name(club)  # members are kept, the coordinator decides


async def test_erase_refuses_plainly(club: Club, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_command(club, people_arguments("erase", "--id", "999", "--yes")) == 2
    assert capsys.readouterr().out.strip() == "Not done: there is no person 999."
    refused = await erase_person(club.units, None, "hello", True)
    assert refused == "'hello' is not a UK phone number."


async def test_feedback_stays_only_as_an_anonymous_count(club: Club) -> None:
    assert (await import_people(club.units, data(GOOD), club.settings.zone)).problems == []
    ann = (await by_name(club))["Ann Smith"]
    async with club.units() as uow:
        meeting = await uow.sessions.add(
            ClubSession(
                title="Tuesday Club",
                activity_key="music",
                place="Hall",
                postcode="SE27 9JU",
                starts_at=utc_now(),
                ends_at=utc_now() + timedelta(hours=2),
            )
        )
        uow.session.add(
            Feedback(session_id=meeting.id, person_id=ann.id, face="happy", comment="Ann says hi")
        )
        await uow.commit()
    assert (await erase_person(club.units, ann.id, None, True)) != ""
    assert await fetch(club, Feedback.person_id, Feedback.face, Feedback.comment) == [
        (None, "happy", None)
    ]


async def test_python_m_bot_people_runs_end_to_end(club: Club, tmp_path: Path) -> None:
    """The real command line in new processes: import, then export, on the same database."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_", "PUBLIC_"))
    }
    environment |= {
        "DATABASE_URL": club.settings.database_url,
        "TTS_ENGINE": "off",
        "PYTHONPATH": str(PROJECT),
        "PYTHONIOENCODING": "utf-8",
    }
    (tmp_path / "members.csv").write_text(GOOD, encoding="utf-8")

    async def bot(*typed: str) -> tuple[int | None, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "people",
            *typed,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
            env=environment,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        return process.returncode, out.decode("utf-8")

    assert await bot("import", "members.csv") == (
        0,
        "Imported 4 people (the file was read as UTF-8).\n"
        "1 of them have no consent recorded: please ask and note who gave it.\n",
    )
    done, exported = await bot("export")
    assert done == 0 and exported.splitlines()[0] == HEADER
    assert "Dan Jones,carer,07700 900004,4004,telegram;sms,pt,no,,,day_before,Bob Jones" in exported
