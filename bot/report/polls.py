"""Choosing together, for the committee's report: what people chose and their own ideas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.report import ChoosingTogether, Count
from conversations import (
    Catalogue,
    text,
)
from storage.models import Poll, PollAnswer

__all__ = ["PollResults"]


class PollResults:
    """A ChoosingSource for gather_report: polls started in [start, end)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    async def __call__(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> Sequence[ChoosingTogether]:
        polls = await session.scalars(
            select(Poll).where(Poll.created_at >= start, Poll.created_at < end).order_by(Poll.id)
        )
        results = []
        question = self._catalogue.render("en", text("poll.ask"))
        for poll in polls:
            chosen = await session.execute(
                select(PollAnswer.activity_key, func.count())
                .where(PollAnswer.poll_id == poll.id, PollAnswer.activity_key.is_not(None))
                .group_by(PollAnswer.activity_key)
                .order_by(func.count().desc())
            )
            counts = tuple(
                Count(key, self._catalogue.render("en", text(f"activity.{key}")), count)
                for key, count in chosen.all()
                if key is not None
            )
            ideas = await session.scalars(
                select(PollAnswer.suggestion).where(
                    PollAnswer.poll_id == poll.id, PollAnswer.suggestion.is_not(None)
                )
            )
            results.append(ChoosingTogether(question, counts, tuple(i for i in ideas if i)))
        return results
