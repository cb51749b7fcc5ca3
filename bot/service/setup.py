"""Making a club's database ready: migrations, the standard activities, and in local mode
the demo club a newcomer can try."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.service.demo_club import seed_activities, seed_demo_club
from storage import UnitOfWorkFactory, migrate

__all__ = ["prepare_club"]


async def prepare_club(units: UnitOfWorkFactory, zone: ZoneInfo, demo: bool) -> None:
    await migrate(units.engine)
    async with units() as uow:
        await seed_activities(uow)
        if demo:
            await seed_demo_club(uow, datetime.now(zone).date())
        await uow.commit()
