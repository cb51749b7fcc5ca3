"""Taking the engine's snapshot of a person and the club from storage."""

from __future__ import annotations

from datetime import UTC

from conversations import PersonView, Position, SeriesView, Snapshot
from storage import UnitOfWork, split_address
from storage.models import Person

__all__ = ["load_position", "take_snapshot"]


async def person_view(uow: UnitOfWork, person: Person) -> PersonView:
    consent_at = person.consent_at
    if consent_at is not None and consent_at.tzinfo is None:
        consent_at = consent_at.replace(tzinfo=UTC)
    return PersonView(
        id=person.id,
        name=person.name,
        roles=frozenset(await uow.people.roles(person.id)),
        channels=tuple(person.channel_order),
        phone=person.phone,
        language=person.language,
        spoken=person.spoken,
        reminder_timing=person.reminder_timing,
        preferences=await uow.people.preferences(person.id),
        series_ids=frozenset(await uow.people.series_ids(person.id)),
        consent_by=person.consent_given_by_name,
        consent_at=consent_at,
        carers=tuple(await uow.people.carer_names(person.id)),
    )


async def take_snapshot(uow: UnitOfWork, address: str, club_name: str) -> Snapshot:
    channel, handle = split_address(address)
    person = await uow.people.by_address(address)
    view = await person_view(uow, person) if person else None
    members = await uow.people.members_of(person.id) if person else []
    activities = await uow.club.activities()
    series = await uow.club.series()
    return Snapshot(
        channel=channel,
        club_name=club_name,
        person=view,
        members=tuple([await person_view(uow, member) for member in members]),
        activities=tuple(activity.key for activity in activities),
        series=tuple(SeriesView(s.id, s.title, s.weekday, s.week_of_month) for s in series),
        phone=handle if channel in {"sms", "voice"} else None,
    )


async def load_position(uow: UnitOfWork, address: str) -> Position | None:
    row = await uow.records.position(address)
    if row is None:
        return None
    return Position(row.flow, row.step, dict(row.data), row.question_id)
