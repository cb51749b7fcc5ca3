"""Choosing together: polls and the answers to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Poll, PollAnswer, utc_now

__all__ = ["PollsRepository"]


class PollsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(self, activities: Sequence[str], created_by: int | None) -> Poll:
        poll = Poll(created_by_id=created_by, options={"activities": list(activities)})
        self._session.add(poll)
        await self._session.flush()
        return poll

    async def get(self, poll_id: int) -> Poll | None:
        return await self._session.get(Poll, poll_id)

    async def answer(
        self, poll_id: int, person_id: int, activity: str | None, suggestion: str | None
    ) -> None:
        existing = await self._session.get(PollAnswer, (poll_id, person_id))
        if existing is None:
            existing = PollAnswer(poll_id=poll_id, person_id=person_id)
            self._session.add(existing)
        existing.activity_key = activity
        existing.suggestion = suggestion
        existing.answered_at = utc_now()
