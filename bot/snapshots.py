"""Taking the engine's snapshot of a person and the club from storage.

The club's shape (activities and regular days) changes rarely, so it is kept for a few
seconds between inputs; a person's own details are read fresh every time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from conversations import PersonView, Position, SeriesView, Snapshot
from conversations.snapshot import SessionView
from storage import UnitOfWork, split_address
from storage.models import ClubSession, Person
from storage.people import PersonDetails

__all__ = ["ClubShape", "load_position", "take_snapshot"]

SHAPE_SECONDS = 5.0
SESSIONS_BACK = 7
SESSIONS_AHEAD = 35
"""Days of sessions the engine can see: last week's (for late answers) and the coming ones."""


class ClubShape:
    """The club's activities and series, re-read when older than a few seconds."""

    def __init__(self, max_age: float = SHAPE_SECONDS) -> None:
        self._max_age = max_age
        self._read_at = -max_age
        self.activities: tuple[str, ...] = ()
        self.activity_ids: dict[str, int] = {}
        self.sessions: tuple[SessionView, ...] = ()
        self.series: tuple[SeriesView, ...] = ()

    def forget(self) -> None:
        self._read_at = -self._max_age

    async def refresh(self, uow: UnitOfWork, now: datetime) -> None:
        if time.monotonic() - self._read_at < self._max_age:
            return
        activities = await uow.club.activities()
        self.activities = tuple(activity.key for activity in activities)
        self.activity_ids = {activity.key: activity.id for activity in activities}
        self.series = tuple(
            SeriesView(s.id, s.title, s.weekday, s.week_of_month) for s in await uow.club.series()
        )
        self.sessions = tuple(
            session_view(s)
            for s in await uow.sessions.recent_and_coming(now, SESSIONS_BACK, SESSIONS_AHEAD)
        )
        self._read_at = time.monotonic()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored moment is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def session_view(session: ClubSession) -> SessionView:
    return SessionView(
        id=session.id,
        series_id=session.series_id,
        title=session.title,
        activity=session.activity_key,
        place=session.place,
        postcode=session.postcode,
        starts_at=_aware(session.starts_at),
        ends_at=_aware(session.ends_at),
        cancelled=session.cancelled_at is not None,
    )


def person_view(person: Person, details: PersonDetails) -> PersonView:
    consent_at = _aware(person.consent_at) if person.consent_at else None
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
    uow: UnitOfWork,
    address: str,
    person: Person | None,
    club_name: str,
    shape: ClubShape,
    zone: ZoneInfo,
    now: datetime,
) -> Snapshot:
    """Everything the engine may read for one input from `address`."""
    channel, handle = split_address(address)
    await shape.refresh(uow, now)
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
        sessions=shape.sessions,
        now=now,
        zone=zone,
    )


async def load_position(uow: UnitOfWork, address: str) -> Position | None:
    row = await uow.records.position(address)
    if row is None:
        return None
    return Position(row.flow, row.step, dict(row.data), row.question_id)
