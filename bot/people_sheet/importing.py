"""People from a spreadsheet into the club, and back out: all or nothing.

Every row is checked against the file and the club before anything is written; one bad
row means nothing is imported, and the answer lists each bad row and why. The writing is
one unit of work, so even a failure half-way leaves the club as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.people_sheet.sheet import PersonRow, RowProblem, read_sheet
from conversations import (
    at_local,
)
from storage import UnitOfWork, UnitOfWorkFactory
from storage.models import (
    Person,
    PersonRole,
    SessionSeries,
)

__all__ = ["ImportOutcome", "import_people"]

K = TypeVar("K", str, int)


@dataclass
class ImportOutcome:
    encoding: str
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return name.casefold()


@dataclass
class _Club:
    """What the rows are checked against: the club as it is, and the file so far."""

    activities: dict[str, int]
    series: dict[str, int]
    phones: dict[str, int]
    telegram_ids: dict[int, int]
    names: dict[str, list[int]]
    members: set[int]

    @classmethod
    async def read(cls, uow: UnitOfWork) -> _Club:
        session = uow.session
        activities = {a.key: a.id for a in await uow.club.activities()}
        series = {_key(s.title): s.id for s in await session.scalars(select(SessionSeries))}
        phones: dict[str, int] = {}
        telegram_ids: dict[int, int] = {}
        names: dict[str, list[int]] = defaultdict(list)
        query = select(Person.id, Person.name, Person.phone, Person.telegram_id)
        for person_id, name, phone, telegram_id in (await session.execute(query)).all():
            names[_key(name)].append(person_id)
            if phone:
                phones[phone] = person_id
            if telegram_id is not None:
                telegram_ids[telegram_id] = person_id
        members = set(
            await session.scalars(select(PersonRole.person_id).where(PersonRole.role == "member"))
        )
        return cls(activities, series, phones, telegram_ids, names, members)


def _check(rows: Sequence[PersonRow], club: _Club) -> list[RowProblem]:
    checking = _Checking(club, rows)
    for row in rows:
        checking.contacts(row)
        checking.references(row)
    return checking.problems


class _Checking:
    """What the rows before this one used (phones, Telegram ids, names of people with
    neither), so a person listed twice is caught as surely as one already in the club."""

    def __init__(self, club: _Club, rows: Sequence[PersonRow]) -> None:
        self.club = club
        self.problems: list[RowProblem] = []
        self.phones: dict[str, int] = {}
        self.telegram_ids: dict[int, int] = {}
        self.uncontactable: dict[str, int] = {}
        self.in_file: dict[str, list[PersonRow]] = defaultdict(list)
        for row in rows:
            self.in_file[_key(row.name)].append(row)

    def bad(self, row: PersonRow, reason: str) -> None:
        self.problems.append(RowProblem(row.row, reason))

    def contacts(self, row: PersonRow) -> None:
        if row.phone is not None:
            self._unique(row, "phone", row.phone, self.phones, self.club.phones)
        if row.telegram_id is not None:
            self._unique(
                row, "telegram_id", row.telegram_id, self.telegram_ids, self.club.telegram_ids
            )
        if row.phone is None and row.telegram_id is None:
            name = _key(row.name)
            if name in self.uncontactable:
                self.bad(row, f"the same person as row {self.uncontactable[name]}")
            elif self.club.names.get(name):
                self.bad(row, f"someone called {row.name} is already in the club")
            self.uncontactable.setdefault(name, row.row)

    def _unique(
        self, row: PersonRow, field: str, value: K, in_file: dict[K, int], in_club: Mapping[K, int]
    ) -> None:
        if value in in_file:
            self.bad(row, f"the same {field} as row {in_file[value]}")
        elif value in in_club:
            owner = in_club[value]
            self.bad(row, f"the {field} belongs to someone already in the club (person {owner})")
        in_file.setdefault(value, row.row)

    def references(self, row: PersonRow) -> None:
        """Activities, days and the people cared for must be the club's own."""
        for activity in row.activities:
            if activity not in self.club.activities:
                listed = ", ".join(self.club.activities)
                self.bad(row, f"unknown activity '{activity}' (the club's activities are {listed})")
        for title in row.days:
            if _key(title) not in self.club.series:
                self.bad(row, f"unknown day '{title}': no session series has that title")
        for name in row.cares_for:
            reason = _whom(name, self.in_file, self.club)[1]
            if reason:
                self.bad(row, reason)


def _whom(
    name: str, in_file: dict[str, list[PersonRow]], club: _Club
) -> tuple[PersonRow | int | None, str]:
    """The member a carer names: in the file first, else already in the club."""
    found = in_file.get(_key(name), [])
    if len(found) > 1:
        return None, f"cares_for '{name}': more than one row has that name"
    if found:
        if "member" not in found[0].roles:
            return None, f"cares_for '{name}': row {found[0].row} is not a member"
        return found[0], ""
    known = [pid for pid in club.names.get(_key(name), []) if pid in club.members]
    if len(known) > 1:
        return None, f"cares_for '{name}': more than one member of the club has that name"
    if not known:
        return None, f"cares_for '{name}': no member of that name in the file or the club"
    return known[0], ""


async def import_people(units: UnitOfWorkFactory, data: bytes, zone: ZoneInfo) -> ImportOutcome:
    """Check every row; store them all in one unit of work only when none is bad."""
    reading = read_sheet(data)
    outcome = ImportOutcome(reading.encoding, problems=list(reading.problems))
    async with units() as uow:
        club = await _Club.read(uow)
        outcome.problems += _check(reading.rows, club)
        outcome.problems.sort(key=lambda problem: problem.row)
        if outcome.problems:
            return outcome
        if not reading.rows:
            outcome.notes.append("The file has no people in it.")
            return outcome
        await _store(uow, reading.rows, club, zone)
        await uow.records.audit(None, "people imported", people=len(reading.rows))
        await uow.commit()
    outcome.imported = len(reading.rows)
    no_consent = sum(1 for row in reading.rows if row.consent_by is None)
    if no_consent:
        outcome.notes.append(
            f"{no_consent} of them have no consent recorded: please ask and note who gave it."
        )
    return outcome


async def _store(uow: UnitOfWork, rows: Sequence[PersonRow], club: _Club, zone: ZoneInfo) -> None:
    added: dict[int, Person] = {}
    for row in rows:
        person = Person(
            name=row.name,
            phone=row.phone,
            phone_is_landline=row.landline,
            telegram_id=row.telegram_id,
            channels=",".join(row.channels),
            language=row.language,
            spoken=row.spoken,
            reminder_timing=row.reminder_timing,
            consent_given_by_name=row.consent_by,
            consent_at=at_local(row.consent_at, time(0, 0), zone) if row.consent_at else None,
        )
        added[row.row] = await uow.people.add(person, row.roles)
        for activity in row.activities:
            await uow.people.set_preference(person.id, club.activities[activity], "yes", None)
        for title in row.days:
            await uow.people.set_day(person.id, club.series[_key(title)], True)
    in_file: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        in_file[_key(row.name)].append(row)
    for row in rows:
        carer = added[row.row]
        for name in row.cares_for:
            member = _whom(name, in_file, club)[0]
            member_id = added[member.row].id if isinstance(member, PersonRow) else member
            assert member_id is not None
            await uow.people.link_carer(carer.id, member_id)
        if row.consent_by is not None:
            carer.consent_given_by_id = _consenting(row, added, in_file, club)
    await uow.session.flush()


def _consenting(
    row: PersonRow, added: dict[int, Person], in_file: dict[str, list[PersonRow]], club: _Club
) -> int | None:
    """Who gave consent, when the name points at exactly one person."""
    assert row.consent_by is not None
    if _key(row.consent_by) == _key(row.name):
        return added[row.row].id
    found = in_file.get(_key(row.consent_by), [])
    if len(found) == 1:
        return added[found[0].row].id
    known = club.names.get(_key(row.consent_by), [])
    return known[0] if len(known) == 1 and not found else None
