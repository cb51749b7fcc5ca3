"""People, their roles, care links, choices and erasure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, cast, delete, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.erasure import FORGOTTEN_CARER, erase, newcomer_addresses
from storage.models import (
    Activity,
    CareLink,
    ChannelState,
    Person,
    PersonDay,
    PersonRole,
    Preference,
    utc_now,
)

__all__ = ["FORGOTTEN_CARER", "PeopleRepository", "PersonDetails", "handle_on", "split_address"]

PHONE_CHANNELS = {"sms", "voice"}


def split_address(address: str) -> tuple[str, str]:
    """ "telegram:42" -> ("telegram", "42")."""
    channel, _, handle = address.partition(":")
    return channel, handle


@dataclass
class PersonDetails:
    """What hangs off a person row: roles, Talking Mats answers, days and carers."""

    roles: set[str] = field(default_factory=set)
    preferences: dict[str, str] = field(default_factory=dict)
    series_ids: set[int] = field(default_factory=set)
    carers: list[str] = field(default_factory=list)


def handle_on(person: Person, channel: str) -> str | None:
    """The person's address on a channel, if they have one there."""
    if channel == "telegram":
        return str(person.telegram_id) if person.telegram_id is not None else None
    if channel == "voice":
        return person.phone
    if channel == "sms":
        return None if person.phone_is_landline else person.phone
    if channel == "console":
        return person.console_name
    return None


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, person_id: int) -> Person | None:
        return await self._session.get(Person, person_id)

    async def by_address(self, address: str) -> Person | None:
        channel, handle = split_address(address)
        query = select(Person)
        if channel == "telegram" and handle.lstrip("-").isdigit():
            query = query.where(Person.telegram_id == int(handle))
        elif channel in PHONE_CHANNELS:
            query = query.where(Person.phone == handle)
        elif channel == "console":
            query = query.where(Person.console_name == handle)
        else:
            return None
        return (await self._session.scalars(query)).first()

    async def by_phone(self, phone: str) -> Person | None:
        return (await self._session.scalars(select(Person).where(Person.phone == phone))).first()

    async def add(self, person: Person, roles: Sequence[str]) -> Person:
        self._session.add(person)
        await self._session.flush()
        self._session.add_all(PersonRole(person_id=person.id, role=role) for role in roles)
        return person

    async def roles(self, person_id: int) -> set[str]:
        query = select(PersonRole.role).where(PersonRole.person_id == person_id)
        return set(await self._session.scalars(query))

    async def grant(self, person_id: int, role: str) -> None:
        if role not in await self.roles(person_id):
            self._session.add(PersonRole(person_id=person_id, role=role))

    async def revoke(self, person_id: int, role: str) -> None:
        await self._session.execute(
            delete(PersonRole).where(PersonRole.person_id == person_id, PersonRole.role == role)
        )

    async def directory(self) -> list[tuple[int, str, set[str]]]:
        """Everyone's id, name and roles, for the coordinator's lookups."""
        query = select(Person.id, Person.name, PersonRole.role).outerjoin(
            PersonRole, PersonRole.person_id == Person.id
        )
        found: dict[int, tuple[int, str, set[str]]] = {}
        for person_id, name, role in (await self._session.execute(query)).all():
            entry = found.setdefault(person_id, (person_id, name, set()))
            if role:
                entry[2].add(role)
        return sorted(found.values(), key=lambda entry: entry[1].casefold())

    async def registered_since(self, moment: datetime) -> list[Person]:
        query = select(Person).where(Person.created_at >= moment).order_by(Person.id)
        return list(await self._session.scalars(query))

    async def with_role(self, role: str) -> list[Person]:
        query = select(Person).join(PersonRole).where(PersonRole.role == role).order_by(Person.id)
        return list(await self._session.scalars(query))

    async def link_carer(self, carer_id: int, member_id: int) -> None:
        self._session.add(CareLink(carer_id=carer_id, member_id=member_id))

    async def members_of(self, carer_id: int) -> list[Person]:
        query = (
            select(Person)
            .join(CareLink, CareLink.member_id == Person.id)
            .where(CareLink.carer_id == carer_id)
            .order_by(Person.id)
        )
        return list(await self._session.scalars(query))

    async def carers_of(self, member_id: int) -> list[Person]:
        query = (
            select(Person)
            .join(CareLink, CareLink.carer_id == Person.id)
            .where(CareLink.member_id == member_id)
            .order_by(Person.id)
        )
        return list(await self._session.scalars(query))

    async def carer_names(self, member_id: int) -> list[str]:
        query = (
            select(Person.name)
            .join(CareLink, CareLink.carer_id == Person.id)
            .where(CareLink.member_id == member_id)
        )
        return list(await self._session.scalars(query))

    async def details(self, person_ids: Sequence[int]) -> dict[int, PersonDetails]:
        """Roles, preferences, days and carers of several people in one round trip."""
        ids = list(person_ids)
        roles = select(
            PersonRole.person_id, literal("role"), PersonRole.role, literal(""), literal(0)
        ).where(PersonRole.person_id.in_(ids))
        preferences = (
            select(
                Preference.person_id,
                literal("pref"),
                Activity.key,
                Preference.answer,
                Activity.sort_order,
            )
            .join(Activity, Activity.id == Preference.activity_id)
            .where(Preference.person_id.in_(ids))
        )
        days = select(
            PersonDay.person_id,
            literal("day"),
            cast(PersonDay.series_id, String),
            literal(""),
            literal(0),
        ).where(PersonDay.person_id.in_(ids))
        carers = (
            select(CareLink.member_id, literal("carer"), Person.name, literal(""), literal(0))
            .join(Person, Person.id == CareLink.carer_id)
            .where(CareLink.member_id.in_(ids))
        )
        found = {person_id: PersonDetails() for person_id in ids}
        rows = await self._session.execute(union_all(roles, preferences, days, carers))
        for person_id, kind, value, extra, _order in sorted(rows.all(), key=lambda r: r[4]):
            details = found[person_id]
            if kind == "role":
                details.roles.add(value)
            elif kind == "pref":
                details.preferences[value] = extra
            elif kind == "day":
                details.series_ids.add(int(value))
            else:
                details.carers.append(value)
        return found

    async def preferences(self, person_id: int) -> dict[str, str]:
        query = (
            select(Activity.key, Preference.answer)
            .join(Preference, Preference.activity_id == Activity.id)
            .where(Preference.person_id == person_id)
            .order_by(Activity.sort_order)
        )
        return {key: answer for key, answer in (await self._session.execute(query)).all()}

    async def set_preference(
        self, person_id: int, activity_id: int, answer: str, answered_by: int | None
    ) -> None:
        existing = await self._session.get(Preference, (person_id, activity_id))
        if existing is None:
            self._session.add(
                Preference(
                    person_id=person_id,
                    activity_id=activity_id,
                    answer=answer,
                    answered_by_id=answered_by,
                )
            )
            return
        existing.answer = answer
        existing.answered_by_id = answered_by
        existing.updated_at = utc_now()

    async def series_ids(self, person_id: int) -> set[int]:
        query = select(PersonDay.series_id).where(PersonDay.person_id == person_id)
        return set(await self._session.scalars(query))

    async def set_day(self, person_id: int, series_id: int, comes: bool) -> None:
        existing = await self._session.get(PersonDay, (person_id, series_id))
        if comes and existing is None:
            self._session.add(PersonDay(person_id=person_id, series_id=series_id))
        elif not comes and existing is not None:
            await self._session.delete(existing)

    async def mark_unreachable(self, person_id: int, channel: str, reason: str) -> bool:
        """Note that `channel` failed for good; False if it was already known."""
        existing = await self._session.get(ChannelState, (person_id, channel))
        if existing is not None:
            return False
        self._session.add(ChannelState(person_id=person_id, channel=channel, reason=reason))
        return True

    async def mark_reachable(self, person_id: int, channel: str) -> None:
        existing = await self._session.get(ChannelState, (person_id, channel))
        if existing is not None:
            await self._session.delete(existing)

    async def unreachable_channels(self, person_id: int) -> dict[str, str]:
        query = select(ChannelState.channel, ChannelState.reason).where(
            ChannelState.person_id == person_id
        )
        return {channel: reason for channel, reason in (await self._session.execute(query)).all()}

    async def erase(self, person_ids: Sequence[int], addresses: Iterable[str] = ()) -> None:
        """Remove people, and what was said from `addresses`, from every table (see
        storage.erasure)."""
        await erase(self._session, person_ids, addresses)

    async def newcomer_addresses(self, phone: str) -> list[str]:
        return await newcomer_addresses(self._session, phone)
