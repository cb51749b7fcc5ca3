"""Taking the engine's snapshot of a person and the club from storage.

The club's shape (activities and regular days) changes rarely, so it is kept for a few
seconds between inputs; a person's own details are read fresh every time.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.service.broadcasts import Sending, count_reached
from bot.service.calendar import CALENDAR_WEEKS
from bot.service.views import person_view, rule_of, session_view
from conversations import (
    PersonView,
    SeriesView,
    SessionView,
    Snapshot,
)
from storage import UnitOfWork, split_address
from storage.audiences import AUDIENCES
from storage.models import Person

__all__ = ["ClubShape", "take_snapshot"]

SHAPE_SECONDS = 5.0
SESSIONS_BACK = 7
SESSIONS_AHEAD = 7 * CALENDAR_WEEKS
"""Days of sessions the engine can see: last week's (for late answers) and every coming one
the calendar holds, so a coordinator can pick, move or cancel any of them."""


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
        self.series = tuple(SeriesView(s.id, s.title, rule_of(s)) for s in await uow.club.series())
        self.sessions = tuple(
            session_view(s)
            for s in await uow.sessions.recent_and_coming(now, SESSIONS_BACK, SESSIONS_AHEAD)
        )
        self._read_at = time.monotonic()


async def take_snapshot(
    uow: UnitOfWork,
    address: str,
    person: Person | None,
    club_name: str,
    shape: ClubShape,
    zone: ZoneInfo,
    sending: Sending,
    channels: Collection[str] = (),
    named: Collection[int] = (),
) -> Snapshot:
    """Everything the engine may read for one input from `address`; `named` sessions are
    there even when the calendar kept for a few seconds does not hold them (one added a
    moment ago, or one more than a week past). `sending` says the time, and whether the
    club's quiet hours hold back what it sends now."""
    now = sending.now
    channel, handle = split_address(address)
    await shape.refresh(uow, now)
    sessions = shape.sessions
    known = {session.id for session in sessions}
    for session_id in sorted(set(named) - known):
        found = await uow.sessions.get(session_id)
        if found is not None:
            sessions += (session_view(found),)
    view = None
    members: list[Person] = []
    audience_counts: dict[str, int] = {}
    activity_counts: dict[str, int] = {}
    directory: tuple[PersonView, ...] = ()
    session_answers: dict[int, dict[int, str]] = {}
    if person is not None:
        details = await uow.people.details([person.id])
        if "carer" in details[person.id].roles:
            members = await uow.people.members_of(person.id)
            details |= await uow.people.details([m.id for m in members])
        view = person_view(person, details[person.id])
        if "coordinator" in view.roles:
            audience_counts, activity_counts = await _reach(uow, shape, channels, now)
            directory = tuple(
                PersonView(pid, name, frozenset(roles))
                for pid, name, roles in await uow.people.directory()
            )
            session_answers = {
                s.id: await uow.sessions.answers(s.id)
                for s in shape.sessions
                if s.starts_at <= now and not s.cancelled
            }
        session_answers = {**await _answered(uow, [person, *members], named), **session_answers}
    return Snapshot(
        channel=channel,
        club_name=club_name,
        person=view,
        members=tuple(person_view(m, details[m.id]) for m in members),
        activities=shape.activities,
        series=shape.series,
        phone=handle if channel in {"sms", "voice"} else None,
        sessions=sessions,
        now=now,
        zone=zone,
        audience_counts=audience_counts,
        activity_counts=activity_counts,
        directory=directory,
        session_answers=session_answers,
        quiet_until=sending.held_until if sending.quiet else None,
    )


async def _answered(
    uow: UnitOfWork, people: list[Person], sessions: Collection[int]
) -> dict[int, dict[int, str]]:
    """These people's answers on record to the sessions an input is about (a reminder's
    answer pressed again, on a double tap, changes nothing)."""
    ids = [someone.id for someone in people]
    return {session_id: await uow.sessions.answers(session_id, ids) for session_id in sessions}


async def _reach(
    uow: UnitOfWork, shape: ClubShape, channels: Collection[str], now: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """For a coordinator's notice preview: how many each audience would reach."""
    groups = {
        group: await count_reached(uow, group, None, channels, now)
        for group in AUDIENCES
        if group != "activity"
    }
    liked = {
        key: await count_reached(uow, "activity", key, channels, now) for key in shape.activities
    }
    return groups, liked
