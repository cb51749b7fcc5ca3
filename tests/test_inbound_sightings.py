"""Seen inbound ids are kept three days, as long as a provider may send the same thing
again, and then dropped (issue 12, item 9)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.bootstrap import Club
from bot.service.sightings import KEEP_SIGHTINGS, forget_old_sightings, keep_sightings_pruned
from storage.models import InboundKey, utc_now
from tests.club_rows import rows

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=utc_now().tzinfo)


async def seen(club: Club, **ages: timedelta) -> None:
    async with club.units() as uow:
        uow.session.add_all(
            InboundKey(source="telegram", key=key, seen_at=NOW - age) for key, age in ages.items()
        )
        await uow.commit()


async def kept(club: Club) -> set[str]:
    return {row.key for row in await rows(club, InboundKey)}


async def test_ids_older_than_three_days_are_dropped_and_younger_ones_kept(club: Club) -> None:
    await seen(
        club,
        old=KEEP_SIGHTINGS + timedelta(minutes=1),
        older=timedelta(days=30),
        edge=KEEP_SIGHTINGS - timedelta(minutes=1),
        day=timedelta(days=1),
        now=timedelta(0),
    )
    assert await forget_old_sightings(club.units, NOW) == 2
    assert await kept(club) == {"edge", "day", "now"}
    assert await forget_old_sightings(club.units, NOW) == 0


async def test_a_replay_within_three_days_still_has_no_effect(club: Club) -> None:
    async with club.units() as uow:
        assert await uow.records.first_sighting("sms", "SM1")
        await uow.commit()
    await forget_old_sightings(club.units, utc_now() + KEEP_SIGHTINGS - timedelta(minutes=1))
    async with club.units() as uow:
        assert not await uow.records.first_sighting("sms", "SM1")


async def test_the_service_prunes_as_it_starts_and_stops_when_told(club: Club) -> None:
    await seen(club, old=timedelta(days=4), new=timedelta(hours=1))
    stop = asyncio.Event()

    def clock() -> datetime:
        stop.set()  # the first turn is the last
        return NOW

    await keep_sightings_pruned(club.units, stop, clock)
    assert await kept(club) == {"new"}
