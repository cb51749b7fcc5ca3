"""Keeping the record of sends as they finish. Every finished send is committed before a
new send begins (`caught_up`), a few at a time in one transaction, so a dispatcher killed
at any moment repeats only the sends that were in flight; each failure is settled as the
outbox's one policy says (`bot.outbox.policy`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.outbox.composer import Composer, Skipped
from bot.outbox.delivery import Outcome, Outgoing, Sender, SendResult
from bot.outbox.policy import Failure, settle_failure
from storage import UnitOfWork, UnitOfWorkFactory
from storage.outbox import Status

__all__ = ["RecordGate", "SendRecords", "Settled"]

log = logging.getLogger(__name__)

GATHER_TURNS = 16
"""Event loop turns the recorder may wait for more sends to finish, when none waits."""


class RecordGate(asyncio.Event):
    """Set while every finished send is on record; counts the sends waiting for it, so
    the recorder knows whether it may let a few more finish before committing."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0

    async def wait(self) -> Literal[True]:
        if self.is_set():
            return True
        self.waiting += 1
        try:
            return await super().wait()
        finally:
            self.waiting -= 1


@dataclass
class Settled:
    message: Outgoing
    result: SendResult
    partial: bool = False
    """Only the words are out, and a voice note is still to go."""
    recorded: asyncio.Future[None] | None = None
    """Set once this has been committed."""
    holds: bool = True
    """Whether new words wait until this is on record (not a voice note whose words are:
    a restart would repeat only the voice note)."""


class SendRecords:
    """The dispatcher's record of its sends, shared by every channel it sends on."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        composer: Composer,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        concurrency: int,
    ) -> None:
        self._units = units
        self._composer = composer
        self._senders = senders
        self._clock = clock
        self._concurrency = concurrency
        self._unrecorded = 0
        self.caught_up = RecordGate()
        """Set while every finished send is on record: only then may a new send begin, so
        a dispatcher killed at any moment has at most the sends in flight to repeat."""
        self.caught_up.set()

    def finished(self, done: asyncio.Queue[Settled | None], settled: Settled) -> None:
        if settled.holds:
            self._unrecorded += 1
            self.caught_up.clear()
        done.put_nowait(settled)

    def _on_record(self, count: int) -> None:
        self._unrecorded = max(0, self._unrecorded - count)
        if not self._unrecorded:
            self.caught_up.set()

    async def record(
        self,
        done: asyncio.Queue[Settled | None],
        skipped: list[Skipped],
        spoken_before: dict[int, str],
    ) -> list[tuple[str, str]]:
        """Commit results as they come: whatever finished while the last commit ran goes
        in the next one."""
        unreachable: list[tuple[str, str]] = []
        finished = False
        while not finished:
            batch = [await done.get()]
            await self._gather_more(done, batch)
            finished = None in batch
            results = [settled for settled in batch if settled is not None]
            if not results and not skipped:
                continue
            try:
                unreachable += await self._settle(results, skipped, spoken_before)
            except Exception as error:
                log.exception("sends could not be recorded; they go again when their lease ends")
                for settled in results:
                    if settled.recorded is not None and not settled.recorded.done():
                        settled.recorded.set_exception(error)
            else:
                for settled in results:
                    if settled.recorded is not None and not settled.recorded.done():
                        settled.recorded.set_result(None)
            self._on_record(sum(1 for settled in results if settled.holds))
            skipped = []
        return unreachable

    async def _gather_more(
        self, done: asyncio.Queue[Settled | None], batch: list[Settled | None]
    ) -> None:
        """Add what else has finished. Sending flat out, a commit for each send or two
        would cost as much as the sends: while nothing waits for this record, let a few
        more sends finish first. A few turns of the event loop are a moment when it is
        busy and next to nothing when it is not (a paced send waits at once, and ends it)."""
        for turn in range(GATHER_TURNS + 1):
            while not done.empty():
                batch.append(done.get_nowait())
            if (
                turn == GATHER_TURNS
                or len(batch) >= self._concurrency
                or self.caught_up.waiting
                or any(settled is None or settled.recorded is not None for settled in batch)
            ):
                return
            await asyncio.sleep(0)

    async def _settle(
        self, results: list[Settled], skipped: list[Skipped], spoken_before: dict[int, str]
    ) -> list[tuple[str, str]]:
        now = self._clock()
        unreachable: list[tuple[str, str]] = []
        async with self._units() as uow:
            for skip in skipped:
                if skip.row_id in spoken_before:  # the words went before a restart
                    await uow.outbox.settle(
                        skip.row_id, Status.SENT, error=f"no voice note: {skip.reason}"
                    )
                    continue
                status = Status.FAILED if skip.failed else Status.SKIPPED
                await uow.outbox.settle(skip.row_id, status, error=skip.reason)
                if skip.failed:
                    unreachable.append((skip.person_name, "any"))
            sent = [
                (settled.message.row_id, settled.result.provider_id, settled.result.error)
                for settled in results
                if settled.result.outcome is Outcome.SENT and not settled.partial
            ]
            if sent:
                await uow.outbox.settle_sent(sent, now)
            for settled in results:
                if settled.partial:
                    assert settled.result.provider_id is not None
                    await uow.outbox.note_first_part_sent(
                        settled.message.row_id, settled.result.provider_id
                    )
                    continue
                if settled.result.outcome is Outcome.SENT:
                    continue
                lost = await self._settle_one(uow, settled, now)
                if lost is not None:
                    unreachable.append(lost)
            await uow.commit()
        return unreachable

    async def _settle_one(
        self, uow: UnitOfWork, settled: Settled, now: datetime
    ) -> tuple[str, str] | None:
        message, result = settled.message, settled.result
        failure = Failure(
            message.row_id,
            message.channel,
            message.attempts,
            result.outcome,
            result.error or "failed",
            result.retry_after,
            person_id=message.person_id,
            kind=message.kind,
        )
        return await settle_failure(uow, self._composer, self._senders, failure, now)
