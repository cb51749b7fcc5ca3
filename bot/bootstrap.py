"""The composition root: settings, storage, the engine and channels are wired here only.

Tests build the club through the same function, pointing it at fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo_club import seed_activities, seed_demo_club
from bot.dialogue import Dialogue, HelpListener
from config import Catalogue, Settings
from conversations import Engine, all_flows
from storage import UnitOfWorkFactory, migrate, open_database

__all__ = ["Club", "build_club"]


@dataclass
class Club:
    settings: Settings
    catalogue: Catalogue
    database: AsyncEngine
    units: UnitOfWorkFactory
    dialogue: Dialogue

    async def prepare(self, demo: bool) -> None:
        """Migrate, add the standard activities, and in local mode the demo club."""
        await migrate(self.database)
        async with self.units() as uow:
            await seed_activities(uow)
            if demo:
                await seed_demo_club(uow, datetime.now(self.settings.zone).date())
            await uow.commit()

    async def close(self) -> None:
        await self.database.dispose()


def build_club(settings: Settings, on_help: HelpListener | None = None) -> Club:
    catalogue = Catalogue.load()
    database = open_database(settings.database_url)
    units = UnitOfWorkFactory(database)
    engine = Engine(all_flows(), catalogue.vocabulary, catalogue.label)
    dialogue = Dialogue(engine, units, settings.club_name, on_help)
    return Club(settings, catalogue, database, units, dialogue)
