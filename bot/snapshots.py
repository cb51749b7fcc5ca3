"""Taking the engine's snapshot of a person and the club from storage.

The club's shape (activities and regular days) changes rarely, so it is kept for a few
seconds between inputs; a person's own details are read fresh every time.
"""

from __future__ import annotations

import time
from datetime import UTC

from conversations import PersonView, Position, SeriesView, Snapshot
from storage import UnitOfWork, split_address
from storage.models import Person
from storage.people import PersonDetails

__all__ = ["ClubShape", "load_position", "take_snapshot"]

SHAPE_SECONDS = 5.0


class ClubShape:
    """The club's activities and series, re-read when older than a few seconds."""

    def __init__(self, max_age: float = SHAPE_SECONDS) -> None:
        self._max_age = max_age
        self._read_at = -max_age
        self.activities: tuple[str, ...] = ()
        self.activity_ids: dict[str, int] = {}
        self.series: tuple[SeriesView, ...] = ()

    def forget(self) -> None:
        self._read_at = -self._max_age

    async def refresh(self, uow: UnitOfWork) -> None:
        if time.monotonic() - self._read_at < self._max_age:
            return
        activities = await uow.club.activities()
        self.activities = tuple(activity.key for activity in activities)
        self.activity_ids = {activity.key: activity.id for activity in activities}
        self.series = tuple(
            SeriesView(s.id, s.title, s.weekday, s.week_of_month) for s in await uow.club.series()
        )
        self._read_at = time.monotonic()


def person_view(person: Person, details: PersonDetails) -> PersonView:
    consent_at = person.consent_at
    if consent_at is not None and consent_at.tzinfo is None:
        consent_at = consent_at.replace(tzinfo=UTC)
    return PersonView(
        id=person.id,
        name=person.name,
        roles=frozenset(details.roles),
        channels=tuple(person.channel_order),
        phone=person.phone,
        language=person.language,
        spoken=person.spoken,
        reminder_timing=person.reminder_timing,
        preferences=details.preferences,
        series_ids=frozenset(details.series_ids),
        consent_by=person.consent_given_by_name,
        consent_at=consent_at,
        carers=tuple(details.carers),
    )


async def take_snapshot(
    uow: UnitOfWork, address: str, person: Person | None, club_name: str, shape: ClubShape
) -> Snapshot:
    """Everything the engine may read for one input from `address`."""
    channel, handle = split_address(address)
    await shape.refresh(uow)
    view = None
    members: list[Person] = []
    if person is not None:
        details = await uow.people.details([person.id])
        if "carer" in details[person.id].roles:
            members = await uow.people.members_of(person.id)
            details |= await uow.people.details([m.id for m in members])
        view = person_view(person, details[person.id])
    return Snapshot(
        channel=channel,
        club_name=club_name,
        person=view,
        members=tuple(person_view(m, details[m.id]) for m in members),
        activities=shape.activities,
        series=shape.series,
        phone=handle if channel in {"sms", "voice"} else None,
    )


async def load_position(uow: UnitOfWork, address: str) -> Position | None:
    row = await uow.records.position(address)
    if row is None:
        return None
    return Position(row.flow, row.step, dict(row.data), row.question_id)
