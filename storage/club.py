"""The club's shape: its activities and its regular session series."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, SessionSeries

__all__ = ["ClubRepository"]


class ClubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def activities(self) -> list[Activity]:
        return list(await self._session.scalars(select(Activity).order_by(Activity.sort_order)))

    async def add_activity(self, key: str) -> Activity:
        count = len(await self.activities())
        activity = Activity(key=key, sort_order=count)
        self._session.add(activity)
        await self._session.flush()
        return activity

    async def series(self) -> list[SessionSeries]:
        query = select(SessionSeries).order_by(SessionSeries.weekday, SessionSeries.start_time)
        return list(await self._session.scalars(query))

    async def add_series(self, series: SessionSeries) -> SessionSeries:
        self._session.add(series)
        await self._session.flush()
        return series
