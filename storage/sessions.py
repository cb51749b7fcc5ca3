"""Sessions: the calendar's meetings, who comes, and their answers to reminders."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AttendanceRecord,
    CareLink,
    ClubSession,
    Feedback,
    Person,
    PersonDay,
    PersonRole,
    SessionAnswer,
    SessionSeries,
    utc_now,
)

__all__ = ["AfterSessionRepository", "Meetings", "SessionsRepository"]


Meetings = Callable[[SessionSeries], Iterable[tuple[datetime, datetime]]]
"""When a series meets: (start, end) of each meeting in the days being filled."""


Row = TypeVarTuple("Row")


def _expected(query: Select[*Row], meeting: ClubSession) -> Select[*Row]:
    """`query` limited to the members expected at `meeting` (see `comers`)."""
    if meeting.series_id is not None:
        return query.join(PersonDay, PersonDay.person_id == Person.id).where(
            PersonDay.series_id == meeting.series_id
        )
    return query.join(PersonRole, PersonRole.person_id == Person.id).where(
        PersonRole.role == "member"
    )


class SessionsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, session_id: int) -> ClubSession | None:
        return await self._session.get(ClubSession, session_id)

    async def add(self, meeting: ClubSession) -> ClubSession:
        self._session.add(meeting)
        await self._session.flush()
        return meeting

    async def between(
        self, start: datetime, end: datetime, include_cancelled: bool = False
    ) -> list[ClubSession]:
        """Sessions that start within [start, end), earliest first."""
        query = select(ClubSession).where(
            ClubSession.starts_at >= start, ClubSession.starts_at < end
        )
        if not include_cancelled:
            query = query.where(ClubSession.cancelled_at.is_(None))
        return list(await self._session.scalars(query.order_by(ClubSession.starts_at)))

    async def materialise(self, meetings: Meetings) -> int:
        """Add each series' meetings that are not in the calendar yet; `meetings` says
        when a series meets (its rule is the calendar's business, not storage's)."""
        added = 0
        for series in await self._session.scalars(select(SessionSeries)):
            found = await self._session.execute(
                select(ClubSession.series_slot, ClubSession.starts_at).where(
                    ClubSession.series_id == series.id
                )
            )
            # A meeting's own slot, and where a moved meeting went: neither is added again.
            known_utc = {m.replace(tzinfo=None) for row in found.all() for m in row if m}
            for starts_at, ends_at in meetings(series):
                if starts_at.replace(tzinfo=None) in known_utc:
                    continue
                self._session.add(
                    ClubSession(
                        series_id=series.id,
                        title=series.title,
                        activity_key=series.activity_key,
                        place=series.place,
                        postcode=series.postcode,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        series_slot=starts_at,
                    )
                )
                added += 1
        await self._session.flush()
        return added

    async def cancel(self, meeting: ClubSession) -> None:
        meeting.cancelled_at = utc_now()

    async def comers(self, meeting: ClubSession) -> list[Person]:
        """Members expected that day: those who come to the series (all members for a
        one-off session)."""
        query = _expected(select(Person), meeting)
        return list(await self._session.scalars(query.order_by(Person.id)))

    async def unanswered(self, meeting: ClubSession) -> list[tuple[str, str | None]]:
        """Name and phone of each member expected that day who has not answered, read as
        plain columns (a big club's coordinator's page lists thousands)."""
        answered = select(SessionAnswer.person_id).where(SessionAnswer.session_id == meeting.id)
        query = _expected(select(Person.name, Person.phone), meeting)
        query = query.where(Person.id.not_in(answered)).order_by(Person.name, Person.id)
        return [(name, phone) for name, phone in (await self._session.execute(query)).all()]

    async def reminder_carers(self, member_ids: Sequence[int]) -> dict[int, list[Person]]:
        """Carers who chose to get each member's reminders."""
        query = (
            select(CareLink.member_id, Person)
            .join(Person, Person.id == CareLink.carer_id)
            .where(CareLink.member_id.in_(list(member_ids)), CareLink.gets_reminders.is_(True))
        )
        found: dict[int, list[Person]] = {}
        for member_id, carer in (await self._session.execute(query)).all():
            found.setdefault(member_id, []).append(carer)
        return found

    async def answers(self, session_id: int, of: Collection[int] | None = None) -> dict[int, str]:
        """Answers to the session's reminders, by person (only those `of`, if given)."""
        query = select(SessionAnswer.person_id, SessionAnswer.answer).where(
            SessionAnswer.session_id == session_id
        )
        if of is not None:
            query = query.where(SessionAnswer.person_id.in_(list(of)))
        return {person: answer for person, answer in (await self._session.execute(query)).all()}

    async def declined(self, session_id: int) -> set[int]:
        """Members who said they are not coming, since the session last changed (a new
        time or place may suit them, so an answer given before it does not count)."""
        query = (
            select(SessionAnswer.person_id)
            .join(ClubSession, ClubSession.id == SessionAnswer.session_id)
            .where(
                SessionAnswer.session_id == session_id,
                SessionAnswer.answer == "not_coming",
                or_(
                    ClubSession.changed_at.is_(None),
                    SessionAnswer.answered_at >= ClubSession.changed_at,
                ),
            )
        )
        return set(await self._session.scalars(query))

    async def set_answer(
        self, session_id: int, person_id: int, answer: str, answered_by: int | None
    ) -> None:
        existing = await self._session.get(SessionAnswer, (session_id, person_id))
        if existing is None:
            existing = SessionAnswer(session_id=session_id, person_id=person_id)
            self._session.add(existing)
        existing.answer = answer
        existing.answered_by_id = answered_by
        existing.answered_at = utc_now()

    async def recent_and_coming(
        self, now: datetime, days_back: int, days_ahead: int
    ) -> list[ClubSession]:
        return await self.between(
            now - timedelta(days=days_back), now + timedelta(days=days_ahead), True
        )


class AfterSessionRepository:
    """Who came, and how it was: attendance and feedback."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def mark(self, session_id: int, person_id: int, came: bool) -> None:
        existing = await self._session.get(AttendanceRecord, (session_id, person_id))
        if existing is None:
            self._session.add(
                AttendanceRecord(session_id=session_id, person_id=person_id, attended=came)
            )
            return
        existing.attended = came
        existing.marked_at = utc_now()

    async def attended(self, session_id: int) -> dict[int, bool]:
        query = select(AttendanceRecord.person_id, AttendanceRecord.attended).where(
            AttendanceRecord.session_id == session_id
        )
        return {person: came for person, came in (await self._session.execute(query)).all()}

    async def feedback(self, session_id: int, person_id: int) -> Feedback:
        """The person's feedback row for a session, made on first use."""
        query = select(Feedback).where(
            Feedback.session_id == session_id, Feedback.person_id == person_id
        )
        found = (await self._session.scalars(query)).first()
        if found is None:
            found = Feedback(session_id=session_id, person_id=person_id)
            self._session.add(found)
        return found
