"""Inbound ids are kept as long as a provider may send the same thing again, then dropped.

Telegram keeps an update it could not deliver for at most 24 hours, by webhook or for
getUpdates, and then drops it; Twilio retries a webhook only within the request (its
connection overrides: a few tries, seconds apart) and does not repeat a delivery report.
Three days is three times the longest of those, so a day-long outage, a restore from last
night's backup or a clock set wrong by hours still finds every id a replay could carry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from storage import UnitOfWorkFactory
from storage.models import utc_now

__all__ = ["KEEP_SIGHTINGS", "PRUNE_EVERY", "forget_old_sightings", "keep_sightings_pruned"]

log = logging.getLogger(__name__)

KEEP_SIGHTINGS = timedelta(days=3)
PRUNE_EVERY = timedelta(hours=1)


async def forget_old_sightings(units: UnitOfWorkFactory, now: datetime) -> int:
    """Drop the ids seen more than KEEP_SIGHTINGS before `now`; returns how many."""
    async with units() as uow:
        dropped = await uow.records.forget_sightings(now - KEEP_SIGHTINGS)
        await uow.commit()
    return dropped


async def keep_sightings_pruned(
    units: UnitOfWorkFactory, stop: asyncio.Event, clock: Callable[[], datetime] = utc_now
) -> None:
    """Prune at once and then every PRUNE_EVERY until `stop` is set; a failure waits for the
    next turn (an id kept an hour longer changes nothing)."""
    while not stop.is_set():
        try:
            await forget_old_sightings(units, clock())
        except Exception as error:
            log.warning("old inbound ids not pruned this time: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_EVERY.total_seconds())
