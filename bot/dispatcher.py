"""The outbox dispatcher: claims due rows, sends them within each channel's limits,
retries passing failures with backoff, and falls back to a person's next channel.

A row is claimed with a lease before sending and settled after, so a dispatcher killed at
any moment repeats at most the messages that were in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts import CoordinatorAlerts
from bot.composer import Composer, Skipped
from bot.delivery import Outcome, Outgoing, Sender, SendResult
from bot.fallback import fall_back
from bot.reminders import ReminderPlanner
from storage import UnitOfWork, UnitOfWorkFactory
from storage.models import utc_now
from storage.outbox import Status

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

BATCH = 200
LEASE = timedelta(minutes=2)
MOST_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=5)
PLAN_EVERY = timedelta(minutes=1)
WELCOME_PLAN_EVERY = timedelta(seconds=5)


@dataclass(frozen=True)
class _Settled:
    message: Outgoing
    result: SendResult


class Dispatcher:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        composer: Composer,
        senders: Mapping[str, Sender],
        alerts: CoordinatorAlerts,
        planner: ReminderPlanner | None = None,
        clock: Callable[[], datetime] = utc_now,
        concurrency: int = 32,
        welcome_after: timedelta | None = None,
    ) -> None:
        self._units = units
        self._composer = composer
        self._senders = dict(senders)
        self._alerts = alerts
        self._planner = planner
        self._clock = clock
        self._gate = asyncio.Semaphore(concurrency)
        self._planned_at: datetime | None = None
        self._welcome_after = welcome_after

    async def run_once(self) -> int:
        """Claim, send and settle one batch; returns how many rows it handled."""
        now = self._clock()
        async with self._units() as uow:
            rows = await uow.outbox.claim(now, BATCH, LEASE, list(self._senders))
            ready, skipped = await self._composer.compose(uow, rows, self._senders, now)
            await uow.commit()
        results = await asyncio.gather(*(self._send(message) for message in ready))
        unreachable = await self._settle(results, skipped)
        for name, channel in unreachable:
            await self._alerts.unreachable(name, channel)
        return len(rows)

    async def _send(self, message: Outgoing) -> _Settled:
        async with self._gate:
            try:
                result = await self._senders[message.channel].send(message)
            except Exception as error:  # a sender bug must not lose the row: retry it later
                log.exception("sending failed unexpectedly on %s", message.channel)
                result = SendResult(Outcome.RETRY, error=type(error).__name__)
        return _Settled(message, result)

    async def _settle(
        self, results: list[_Settled], skipped: list[Skipped]
    ) -> list[tuple[str, str]]:
        now = self._clock()
        unreachable: list[tuple[str, str]] = []
        async with self._units() as uow:
            for skip in skipped:
                status = Status.FAILED if skip.failed else Status.SKIPPED
                await uow.outbox.settle(skip.row_id, status, error=skip.reason)
                if skip.failed:
                    unreachable.append((skip.person_name, "any"))
            for settled in results:
                lost = await self._settle_one(uow, settled, now)
                if lost is not None:
                    unreachable.append(lost)
            await uow.commit()
        return unreachable

    async def _settle_one(
        self, uow: UnitOfWork, settled: _Settled, now: datetime
    ) -> tuple[str, str] | None:
        message, result = settled.message, settled.result
        if result.outcome is Outcome.SENT:
            await uow.outbox.settle(
                message.row_id, Status.SENT, provider_id=result.provider_id, sent_at=now
            )
            return None
        if result.outcome is Outcome.RETRY and message.attempts < MOST_ATTEMPTS:
            wait = (
                timedelta(seconds=result.retry_after)
                if result.retry_after is not None
                else FIRST_BACKOFF * 2 ** (message.attempts - 1)
            )
            await uow.outbox.settle(
                message.row_id, Status.PENDING, error=result.error, due_at=now + wait
            )
            return None
        return await fall_back(
            uow,
            self._composer,
            self._senders,
            message.row_id,
            result.error or "failed",
            result.outcome is Outcome.PERMANENT,
            now,
        )

    async def plan_if_due(self) -> None:
        now = self._clock()
        if self._planner is None:
            return
        every = PLAN_EVERY if self._welcome_after is None else WELCOME_PLAN_EVERY
        if self._planned_at is not None and now - self._planned_at < every:
            return
        self._planned_at = now
        await self._planner.plan()
        if self._welcome_after is not None:
            await self._planner.welcome_newcomers(self._welcome_after)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Plan and send until `stop` is set; a database hiccup pauses, never stops it."""
        while not stop.is_set():
            try:
                await self.plan_if_due()
                handled = await self.run_once()
            except Exception:
                log.exception("the dispatcher will try again shortly")
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
