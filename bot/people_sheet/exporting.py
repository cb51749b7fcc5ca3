"""Everyone in the club as a spreadsheet, in the columns the import reads, so an export
imports again (into a new club, or after a clean start)."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.people_sheet.sheet import PersonRow, write_sheet
from bot.service.views import aware
from storage import UnitOfWorkFactory
from storage.models import (
    Activity,
    CareLink,
    Person,
    PersonDay,
    PersonRole,
    Preference,
    SessionSeries,
)

__all__ = ["export_people"]

ROLE_ORDER = ("member", "carer", "volunteer", "coordinator", "committee")


async def export_people(units: UnitOfWorkFactory, zone: ZoneInfo) -> str:
    """Everyone, in the import's columns; channels only this computer uses are left out."""
    async with units() as uow:
        session = uow.session
        roles: dict[int, list[str]] = defaultdict(list)
        for person_id, role in (
            await session.execute(select(PersonRole.person_id, PersonRole.role))
        ).all():
            roles[person_id].append(role)
        liked: dict[int, list[str]] = defaultdict(list)
        query = (
            select(Preference.person_id, Activity.key)
            .join(Activity, Activity.id == Preference.activity_id)
            .where(Preference.answer == "yes")
            .order_by(Activity.sort_order)
        )
        for person_id, key in (await session.execute(query)).all():
            liked[person_id].append(key)
        days: dict[int, list[str]] = defaultdict(list)
        query_days = (
            select(PersonDay.person_id, SessionSeries.title)
            .join(SessionSeries, SessionSeries.id == PersonDay.series_id)
            .order_by(SessionSeries.weekday, SessionSeries.start_time)
        )
        for person_id, title in (await session.execute(query_days)).all():
            days[person_id].append(title)
        cares: dict[int, list[str]] = defaultdict(list)
        query_cares = (
            select(CareLink.carer_id, Person.name)
            .join(Person, Person.id == CareLink.member_id)
            .order_by(Person.id)
        )
        for carer_id, name in (await session.execute(query_cares)).all():
            cares[carer_id].append(name)
        people = list(await session.scalars(select(Person).order_by(Person.id)))
        uow.session.expunge_all()  # read below, after the unit of work has closed
    rows = [
        PersonRow(
            row=index,
            name=p.name,
            roles=tuple(sorted(roles[p.id], key=_role_order)),
            phone=p.phone,
            landline=p.phone_is_landline,
            telegram_id=p.telegram_id,
            channels=tuple(c for c in p.channel_order if c in {"telegram", "sms", "voice"}),
            language=p.language,
            spoken=p.spoken,
            activities=tuple(liked[p.id]),
            days=tuple(days[p.id]),
            reminder_timing=p.reminder_timing,
            cares_for=tuple(cares[p.id]),
            consent_by=p.consent_given_by_name,
            consent_at=aware(p.consent_at).astimezone(zone).date() if p.consent_at else None,
        )
        for index, p in enumerate(people, start=2)
    ]
    return write_sheet(rows)


def _role_order(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
