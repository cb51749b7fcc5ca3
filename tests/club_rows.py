"""Reading what the club stored (every row of a table, the outbox, a person's roles,
place and choices), and short scripts that bring someone to a known place."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select

from bot.bootstrap import Club
from bot.service.demo_club import DEMO_COORDINATOR
from conversations.catalogue import Catalogue
from storage.models import (
    Base,
    CareLink,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonDay,
    PersonRole,
    Preference,
    SessionAnswer,
)
from storage.models import Position as PositionRow
from tests.dialog import Log, Step, mentions, press, run_dialog, says

__all__ = [
    "BY_PHONE",
    "CHOOSES_LANGUAGE",
    "FIRST_PROMPT",
    "IN_A_CHAT",
    "ROLES",
    "ROLE_PROMPT",
    "all_rows",
    "answer_of",
    "answered_by",
    "carer_script",
    "channel_states",
    "count",
    "help_requests",
    "member_script",
    "members_of",
    "non_demo_people",
    "opening",
    "outbox",
    "person",
    "position",
    "preferences_of",
    "register_carer",
    "register_member",
    "roles_of",
    "rows",
    "series_ids_of",
    "tables_mentioning",
    "upto",
    "volunteer_script",
]

Row = TypeVar("Row", bound=Base)


async def rows(club: Club, model: type[Row]) -> list[Row]:
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(model)))
        uow.session.expunge_all()  # readable after the unit of work rolls back
        return found


async def outbox(club: Club, **where: object) -> list[OutboxMessage]:
    """Outbox rows, oldest first, where each column given has the value given."""
    async with club.units() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        found = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return found


async def count(club: Club, model: type[Base]) -> int:
    async with club.units() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def person(club: Club, name: str) -> Person:
    found = [p for p in await rows(club, Person) if p.name == name]
    assert len(found) == 1, f"expected one person called {name!r}, found {len(found)}"
    return found[0]


async def position(club: Club, address: str) -> PositionRow | None:
    async with club.units() as uow:
        found = await uow.records.position(address)
        uow.session.expunge_all()
        return found


async def roles_of(club: Club, person_id: int) -> set[str]:
    return {r.role for r in await rows(club, PersonRole) if r.person_id == person_id}


async def preferences_of(club: Club, person_id: int) -> dict[str, str]:
    async with club.units() as uow:
        return await uow.people.preferences(person_id)


async def answered_by(club: Club, person_id: int) -> set[int | None]:
    return {p.answered_by_id for p in await rows(club, Preference) if p.person_id == person_id}


async def series_ids_of(club: Club, person_id: int) -> set[int]:
    return {d.series_id for d in await rows(club, PersonDay) if d.person_id == person_id}


async def members_of(club: Club, carer_id: int) -> list[Person]:
    links = {link.member_id for link in await rows(club, CareLink) if link.carer_id == carer_id}
    return [p for p in await rows(club, Person) if p.id in links]


async def all_rows(club: Club) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as plain dictionaries."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with club.units() as uow:
        for table in Base.metadata.sorted_tables:
            result = await uow.session.execute(select(table))
            found[table.name] = [dict(row._mapping) for row in result]
    return found


async def tables_mentioning(club: Club, needle: str) -> dict[str, list[dict[str, Any]]]:
    """The rows, table by table, in which any value contains `needle` (as text)."""
    hits: dict[str, list[dict[str, Any]]] = {}
    for table, table_rows in (await all_rows(club)).items():
        matching = [row for row in table_rows if any(needle in repr(v) for v in row.values())]
        if matching:
            hits[table] = matching
    return hits


async def answer_of(club: Club, session_id: int, member_id: int) -> str | None:
    async with club.units() as uow:
        found = await uow.session.get(SessionAnswer, (session_id, member_id))
        return None if found is None else found.answer


async def channel_states(club: Club, person_id: int) -> dict[str, str]:
    async with club.units() as uow:
        return await uow.people.unreachable_channels(person_id)


async def help_requests(club: Club) -> list[HelpRequest]:
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(HelpRequest).order_by(HelpRequest.id)))
        uow.session.expunge_all()
        return found


async def non_demo_people(club: Club) -> list[Person]:
    return [p for p in await rows(club, Person) if p.console_name != DEMO_COORDINATOR]


IN_A_CHAT = ("here", "sms", "voice")
BY_PHONE = ("sms", "voice")
ROLES = ("member", "carer", "volunteer")
CHOOSES_LANGUAGE = len(Catalogue.load().languages) > 1
"""With more than one language, registration asks for one before anything else."""
FIRST_PROMPT = (
    ("registration.welcome", "registration.language")
    if CHOOSES_LANGUAGE
    else ("registration.welcome", "registration.role")
)
"""What a newcomer is asked first."""
ROLE_PROMPT = ("registration.role",) if CHOOSES_LANGUAGE else FIRST_PROMPT
"""How the role question reads (in English, the welcome is not said twice)."""


def opening() -> list[Step]:
    """A newcomer starts, choosing English first when the club offers a choice."""
    if CHOOSES_LANGUAGE:
        return [
            ("/start", says(*FIRST_PROMPT)),
            (press("lang_en"), says(*ROLE_PROMPT, choices=ROLES)),
        ]
    return [("/start", says(*FIRST_PROMPT, choices=ROLES))]


def upto(steps: list[Step], key: str) -> list[Step]:
    """The steps up to the first whose replies are expected to include `key`."""
    for index, (_said, expected) in enumerate(steps):
        if expected is not None and key in (*(expected.texts or ()), *expected.includes):
            return steps[: index + 1]
    raise LookupError(key)


def member_script(
    name: str,
    channel: str = "here",
    phone: str | None = None,
    spoken: bool = False,
    offered: tuple[str, ...] = IN_A_CHAT,
) -> list[Step]:
    """A member registers with buttons and says yes to consent.

    `channel` is how reminders should come ("here", "here_telegram", "sms", "voice"); give
    `phone` when the number must be typed. `offered` are the ways the channel question
    offers: by text or call only, for someone texting in.
    """
    steps = [
        *opening(),
        (press("member"), says("registration.name", choices=())),
        (name, says("registration.channel", choices=offered)),
    ]
    if phone is None:
        steps.append((press(channel), says("registration.spoken", choices=("yes", "no"))))
    else:
        steps.append((press(channel), says("registration.phone", choices=())))
        steps.append((phone, mentions("registration.spoken", choices=("yes", "no"))))
    return [
        *steps,
        (
            press("yes" if spoken else "no"),
            says("registration.consent", "registration.consent.ask"),
        ),
        (
            press("consent_yes"),
            says("registration.done", "preferences.offer", choices=("start_now", "later")),
        ),
    ]


def carer_script(name: str, members: list[str]) -> list[Step]:
    """A carer registers with the members they care for, reminders in this chat."""
    steps: list[Step] = [
        *opening(),
        (press("carer"), says("registration.name")),
        (name, says("registration.member")),
    ]
    for index, member in enumerate(members):
        steps.append((member, says("registration.more_members", choices=("yes", "no"))))
        if index < len(members) - 1:
            steps.append((press("yes"), says("registration.another_member")))
    steps += [
        (press("no"), says("registration.channel")),
        (press("here"), says("registration.spoken")),
        (press("no"), says("registration.consent_carer", "registration.consent.ask")),
        (press("consent_yes"), says("registration.done", "preferences.offer")),
    ]
    return steps


def volunteer_script(name: str) -> list[Step]:
    return [
        *opening(),
        (press("volunteer"), says("registration.name")),
        (name, says("registration.channel")),
        (press("here"), says("registration.spoken")),
        (press("no"), says("registration.consent", "registration.consent.ask")),
        (
            press("consent_yes"),
            says("registration.done", "registration.done_volunteer", choices=()),
        ),
    ]


async def register_member(club: Club, address: str, name: str) -> Log:
    return await run_dialog(club.dialogue, address, member_script(name))


async def register_carer(club: Club, address: str, name: str, members: list[str]) -> Log:
    return await run_dialog(club.dialogue, address, carer_script(name, members))
