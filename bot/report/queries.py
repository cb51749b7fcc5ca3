"""The report's SQL: every figure is counted by the database (GROUP BY), never by loading
each row, so a club of 20,000 people is reported in the same few round trips as one of 150.

A read model beside the repositories: it only reads, and it reads across tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    AttendanceRecord,
    ChannelState,
    ClubSession,
    Feedback,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonRole,
    Preference,
    SessionAnswer,
)
from storage.outbox import Status

__all__ = ["CommentRow", "FailedRow", "ReportQueries", "SessionRow", "as_utc"]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the club stores every moment in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    title: str
    activity_key: str
    place: str
    starts_at: datetime


@dataclass(frozen=True)
class CommentRow:
    words: str
    named: bool
    name: str | None
    session: str
    starts_at: datetime
    face: str | None
    carer_helped: bool


@dataclass(frozen=True)
class FailedRow:
    person_id: int
    name: str
    channel: str
    reason: str
    count: int
    for_good: bool
    since: datetime | None


class ReportQueries:
    """Counts for one period [start, end): sessions that started in it and were held.

    A session was held once it has ended (by `now`): a period reaching past today must
    not count next week's sessions as held, nor say nobody's attendance was taken.
    """

    def __init__(
        self, session: AsyncSession, start: datetime, end: datetime, now: datetime
    ) -> None:
        self._session = session
        self.start = start
        self.end = end
        self._held = select(ClubSession.id).where(
            ClubSession.starts_at >= start,
            ClubSession.starts_at < end,
            ClubSession.ends_at <= now,
            ClubSession.cancelled_at.is_(None),
        )

    async def _rows(self, query: Executable) -> list[Any]:
        return list((await self._session.execute(query)).all())

    async def sessions(self) -> list[SessionRow]:
        query = (
            select(
                ClubSession.id,
                ClubSession.title,
                ClubSession.activity_key,
                ClubSession.place,
                ClubSession.starts_at,
            )
            .where(ClubSession.id.in_(self._held))
            .order_by(ClubSession.starts_at, ClubSession.id)
        )
        return [SessionRow(i, t, a, p, as_utc(s)) for i, t, a, p, s in await self._rows(query)]

    async def cancelled(self) -> int:
        query = select(func.count(ClubSession.id)).where(
            ClubSession.starts_at >= self.start,
            ClubSession.starts_at < self.end,
            ClubSession.cancelled_at.is_not(None),
        )
        return int(await self._session.scalar(query) or 0)

    async def answers(self) -> dict[int, tuple[int, int]]:
        """Per session: (said coming, said not coming). A lift request still means coming."""
        coming = case((SessionAnswer.answer == "not_coming", 0), else_=1)
        query = (
            select(SessionAnswer.session_id, func.sum(coming), func.count())
            .where(SessionAnswer.session_id.in_(self._held))
            .group_by(SessionAnswer.session_id)
        )
        return {s: (int(c), int(n) - int(c)) for s, c, n in await self._rows(query)}

    async def attendance(self) -> dict[int, tuple[int, int]]:
        """Per session where attendance was taken: (came, came after saying "coming")."""
        came = case((AttendanceRecord.attended.is_(True), 1), else_=0)
        kept = case(
            (and_(AttendanceRecord.attended.is_(True), SessionAnswer.answer != "not_coming"), 1),
            else_=0,
        )
        query = (
            select(AttendanceRecord.session_id, func.sum(came), func.sum(kept))
            .outerjoin(
                SessionAnswer,
                and_(
                    SessionAnswer.session_id == AttendanceRecord.session_id,
                    SessionAnswer.person_id == AttendanceRecord.person_id,
                ),
            )
            .where(AttendanceRecord.session_id.in_(self._held))
            .group_by(AttendanceRecord.session_id)
        )
        return {s: (int(c or 0), int(k or 0)) for s, c, k in await self._rows(query)}

    async def faces(self) -> list[tuple[int, str | None, bool, int]]:
        """(session, face or None for "skip", carer helped, how many)."""
        query = (
            select(Feedback.session_id, Feedback.face, Feedback.carer_helped, func.count())
            .where(Feedback.session_id.in_(self._held))
            .group_by(Feedback.session_id, Feedback.face, Feedback.carer_helped)
        )
        return [(s, f, bool(h), int(n)) for s, f, h, n in await self._rows(query)]

    async def enjoyed(self) -> list[tuple[str, int]]:
        query = (
            select(Feedback.enjoyed_activity, func.count())
            .where(Feedback.session_id.in_(self._held), Feedback.enjoyed_activity.is_not(None))
            .group_by(Feedback.enjoyed_activity)
        )
        return [(key, int(n)) for key, n in await self._rows(query)]

    async def preferences(self, before: datetime) -> dict[tuple[str, str], int]:
        """(activity, answer) -> how many, as the latest answers stood at `before`."""
        query = (
            select(Activity.key, Preference.answer, func.count())
            .join(Preference, Preference.activity_id == Activity.id)
            .where(Preference.updated_at < before)
            .group_by(Activity.key, Preference.answer)
        )
        return {(key, answer): int(n) for key, answer, n in await self._rows(query)}

    async def activity_keys(self) -> list[str]:
        return list(await self._session.scalars(select(Activity.key).order_by(Activity.sort_order)))

    async def requests(self) -> list[tuple[str, bool, int]]:
        """(kind, handled, how many) for requests made in the period."""
        handled = HelpRequest.handled_at.is_not(None)
        query = (
            select(HelpRequest.kind, handled, func.count())
            .where(HelpRequest.created_at >= self.start, HelpRequest.created_at < self.end)
            .group_by(HelpRequest.kind, handled)
        )
        return [(kind, bool(done), int(n)) for kind, done, n in await self._rows(query)]

    async def comments(self) -> list[CommentRow]:
        query = (
            select(
                Feedback.comment,
                Feedback.named_with_consent,
                Person.name,
                ClubSession.title,
                ClubSession.starts_at,
                Feedback.face,
                Feedback.carer_helped,
            )
            .join(ClubSession, ClubSession.id == Feedback.session_id)
            .outerjoin(Person, Person.id == Feedback.person_id)
            .where(Feedback.session_id.in_(self._held), Feedback.comment.is_not(None))
            .order_by(ClubSession.starts_at, Feedback.id)
        )
        return [
            CommentRow(words, bool(named), name, title, as_utc(at), face, bool(helped))
            for words, named, name, title, at, face, helped in await self._rows(query)
            if words and words.strip()
        ]

    async def unreachable(self) -> list[FailedRow]:
        """Channels closed for good by the period's end, and messages that failed in it."""
        closed = (
            select(
                ChannelState.person_id,
                Person.name,
                ChannelState.channel,
                ChannelState.reason,
                ChannelState.changed_at,
            )
            .join(Person, Person.id == ChannelState.person_id)
            .where(ChannelState.changed_at < self.end)
        )
        failed = (
            select(
                OutboxMessage.person_id,
                Person.name,
                OutboxMessage.channel,
                func.coalesce(OutboxMessage.last_error, ""),
                func.count(),
            )
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(
                OutboxMessage.status == Status.FAILED,
                OutboxMessage.due_at >= self.start,
                OutboxMessage.due_at < self.end,
            )
            .group_by(
                OutboxMessage.person_id,
                Person.name,
                OutboxMessage.channel,
                OutboxMessage.last_error,
            )
        )
        found: dict[tuple[int, str], FailedRow] = {}
        for person, name, channel, reason, since in await self._rows(closed):
            found[(person, channel)] = FailedRow(
                person, name, channel, reason, 0, True, as_utc(since)
            )
        for person, name, channel, reason, count in await self._rows(failed):
            earlier = found.get((person, channel))
            if earlier is None:
                found[(person, channel)] = FailedRow(
                    person, name, channel, reason, int(count), False, None
                )
                continue
            found[(person, channel)] = FailedRow(
                person,
                name,
                channel,
                earlier.reason or reason,
                earlier.count + int(count),
                earlier.for_good,
                earlier.since,
            )
        return sorted(found.values(), key=lambda row: (row.name.lower(), row.channel))

    async def languages(self) -> list[tuple[str, int]]:
        query = (
            select(Person.language, func.count())
            .where(Person.created_at < self.end)
            .group_by(Person.language)
        )
        return [(code, int(n)) for code, n in await self._rows(query)]

    async def roles(self) -> list[tuple[str, int]]:
        query = (
            select(PersonRole.role, func.count())
            .join(Person, Person.id == PersonRole.person_id)
            .where(Person.created_at < self.end)
            .group_by(PersonRole.role)
        )
        return [(role, int(n)) for role, n in await self._rows(query)]
