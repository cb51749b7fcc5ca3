"""The outbox dispatcher: claims due rows with a lease, sends them within each channel's
limits, and has each outcome recorded (`bot.outbox.send_records`) before new sends begin,
so a dispatcher killed at any moment repeats at most the messages that were in flight."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import cast

from bot.outbox.account_trouble import AccountTrouble
from bot.outbox.batches import LEASE, ROWS_AT_ONCE, Batch, batch_size, rows_at_once
from bot.outbox.composer import Composer
from bot.outbox.delivery import (
    Holds,
    Outcome,
    Outgoing,
    Sender,
    SendResult,
    SpeaksAfter,
)
from bot.outbox.planner import ReminderPlanner
from bot.outbox.send_records import SendRecords, Settled
from bot.service.alerts import CoordinatorAlerts
from bot.service.views import aware
from storage import UnitOfWorkFactory
from storage.models import utc_now
from storage.outbox import Terminal
from storage.records import PRESS_MEMORY

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

PLAN_EVERY = timedelta(minutes=1)
WELCOME_PLAN_EVERY = timedelta(seconds=5)


class Dispatcher:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        composer: Composer,
        senders: Mapping[str, Sender],
        alerts: CoordinatorAlerts,
        planner: ReminderPlanner | None = None,
        clock: Callable[[], datetime] = utc_now,
        concurrency: int = ROWS_AT_ONCE,
        welcome_after: timedelta | None = None,
        terminal: Terminal | None = None,
        trouble: AccountTrouble | None = None,
    ) -> None:
        """`terminal`: local mode, where each terminal chat sends only its own rows;
        `trouble`: the accounts refused now, shared with the channels that reply."""
        self._units = units
        self._terminal = terminal
        self._composer = composer
        self._senders = dict(senders)
        self._alerts = alerts
        self._planner = planner
        self._clock = clock
        self._rows_at_once = {
            name: rows_at_once(sender, concurrency) for name, sender in senders.items()
        }
        self._gates = {name: asyncio.Semaphore(rows) for name, rows in self._rows_at_once.items()}
        self._voice_after_words: set[int] = set()
        self._records = SendRecords(units, composer, self._senders, clock, concurrency)
        self._batch = {name: batch_size(sender) for name, sender in senders.items()}
        """Rows claimed at once per channel: no more than it sends in an eighth of a lease
        (a channel holds two batches at most, and texts and calls may share one pace), so
        claimed rows never wait in memory until their lease runs out and are claimed again
        (texts go one a second; a batch of 200 would take over three minutes)."""
        self._holding = {name for name, sender in senders.items() if isinstance(sender, Holds)}
        """Channels that hold their own sends (checked once: a protocol check is slow)."""
        self._speaking = {
            name: sender for name, sender in senders.items() if isinstance(sender, SpeaksAfter)
        }
        for name in self._holding:
            cast(Holds, self._senders[name]).hold = self._records.caught_up
        self._planned_at: datetime | None = None
        self._welcome_after = welcome_after
        self._trouble = trouble or AccountTrouble()

    async def run_once(self) -> int:
        """Claim, send and settle one batch; returns how many rows it handled."""
        batch = await self._claim()
        if batch is None:
            return 0
        await self._deliver(batch)
        return batch.size

    async def _claim(self, channels: list[str] | None = None) -> Batch | None:
        """Claim and compose due rows (of `channels`, else of every channel)."""
        now = self._clock()
        channels = channels or list(self._senders)
        limit = min(self._batch[channel] for channel in channels)
        async with self._units() as uow:
            rows = await uow.outbox.claim(now, limit, LEASE, channels, self._terminal)
            if not rows:
                return None
            spoken_before = {row.id: row.provider_id for row in rows if row.provider_id}
            ready, skipped = await self._composer.compose(uow, rows, self._senders, now)
            await uow.commit()
        return Batch(len(rows), ready, skipped, spoken_before)

    async def _deliver(self, batch: Batch) -> None:
        """Send a claimed batch. Each send is recorded as soon as it is done (a few at a
        time, in one transaction), so a dispatcher killed at any moment repeats only the
        sends it had not yet recorded."""
        done: asyncio.Queue[Settled | None] = asyncio.Queue()
        recording = asyncio.create_task(
            self._records.record(done, batch.skipped, batch.spoken_before)
        )
        if not batch.ready:
            batch.admitted.set()
        waiting = iter(batch.ready)

        async def sending() -> None:
            for message in waiting:
                await self._send(message, batch, done)

        try:
            # As many workers as rows may go at once take the rows in turn, rather than a
            # task a row queued on the gate: a worker goes straight on to its next row, where
            # a queued task would be woken on the next turn of the loop, with others woken
            # together, all reaching httpx's pool at once to race for one connection.
            channels = {message.channel for message in batch.ready}
            workers = min(len(batch.ready), sum(self._rows_at_once[name] for name in channels))
            await asyncio.gather(*(sending() for _ in range(workers)))
        finally:
            batch.admitted.set()
            done.put_nowait(None)
            unreachable = await recording
        for name, channel in unreachable:
            await self._alerts.unreachable(name, channel)

    async def _send(
        self, message: Outgoing, batch: Batch, done: asyncio.Queue[Settled | None]
    ) -> None:
        sender = self._senders[message.channel]
        words_sent = batch.spoken_before.get(message.row_id)
        async with self._gates[message.channel]:
            batch.admit()
            if message.channel not in self._holding:
                await self._records.caught_up.wait()
            speaking = self._speaking.get(message.channel)
            try:
                if speaking is not None and speaking.speaks(message):
                    result = await self._words_then_voice(speaking, message, words_sent, done)
                else:
                    result = await sender.send(message)
            except Exception as error:  # a sender bug must not lose the row: retry it later
                log.exception("sending failed unexpectedly on %s", message.channel)
                result = SendResult(Outcome.RETRY, error=type(error).__name__)
            await self._note_account(message.channel, result)
        holds = message.row_id not in self._voice_after_words
        self._voice_after_words.discard(message.row_id)
        self._records.finished(done, Settled(message, result, holds=holds))

    async def _note_account(self, channel: str, result: SendResult) -> None:
        """A send that went shows the club's account is accepted; the first refusal of it
        is told to the coordinators."""
        if result.outcome is Outcome.SENT:
            self._trouble.cleared(channel)
        elif result.outcome is Outcome.ACCOUNT:
            told = self._trouble.noticed(channel, result.error or "refused")
            if told is not None:
                await self._alerts.tell(told)

    async def _words_then_voice(
        self,
        sender: SpeaksAfter,
        message: Outgoing,
        words_sent: str | None,
        done: asyncio.Queue[Settled | None],
    ) -> SendResult:
        provider_id = words_sent
        self._voice_after_words.add(message.row_id)
        if provider_id is None:
            words = await sender.send_text(message)
            if words.outcome is not Outcome.SENT:
                return words
            recorded = asyncio.get_running_loop().create_future()
            self._records.finished(done, Settled(message, words, partial=True, recorded=recorded))
            await recorded
            provider_id = words.provider_id
        voice_error = await sender.send_voice(message)
        return SendResult(Outcome.SENT, provider_id=provider_id, error=voice_error)

    async def plan_if_due(self) -> None:
        now = self._clock()
        if self._planner is None:
            return
        every = PLAN_EVERY if self._welcome_after is None else WELCOME_PLAN_EVERY
        if self._planned_at is not None and now - self._planned_at < every:
            return
        self._planned_at = now
        async with self._units() as uow:  # a press is remembered for its question an hour
            await uow.records.forget_presses(now - PRESS_MEMORY)
            await uow.commit()
        await self._planner.plan()
        if self._welcome_after is not None:
            await self._planner.welcome_newcomers(self._welcome_after)

    async def recover(self) -> int:
        """On SQLite there is one dispatcher, so rows it finds claimed at its start were
        left by one that died: they are due again at once rather than when their lease
        ends. (On PostgreSQL others may be sending them; their leases decide.)"""
        if self._units.engine.dialect.name != "sqlite":
            return 0
        async with self._units() as uow:
            released = await uow.outbox.release_in_flight()
            await uow.commit()
        if released:
            log.warning("%d messages left in flight by a stopped dispatcher go again", released)
        return released

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Plan and send until `stop` is set; a database hiccup pauses, never stops it.
        Each channel claims its own rows, so Telegram keeps its pace while texts go at
        theirs, and claims its next batch as soon as every row of the last has begun."""
        try:
            await self.recover()
        except Exception:
            log.exception("messages left in flight go again when their lease ends")
        await asyncio.gather(
            *(self._run_channel(channel, stop, idle_seconds) for channel in self._senders)
        )

    async def _run_channel(self, channel: str, stop: asyncio.Event, idle_seconds: float) -> None:
        sending: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            try:
                await self.plan_if_due()
                batch = await self._claim([channel])
            except Exception:
                log.exception("the dispatcher will try again shortly")
                batch = None
            if batch is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), await self._rest(channel, idle_seconds))
                continue
            task = asyncio.create_task(self._deliver_logged(batch))
            sending.add(task)
            task.add_done_callback(sending.discard)
            await batch.admitted.wait()
        await asyncio.gather(*sending)

    async def _rest(self, channel: str, longest: float) -> float:
        """Seconds to wait with nothing to send: until the channel's next row falls due, so
        a reminder goes at its moment, but no longer than `longest` (new rows come in)."""
        try:
            async with self._units() as uow:
                due = await uow.outbox.next_due([channel], self._terminal)
        except Exception:
            log.exception("could not read when the next message is due")
            return longest
        if due is None:
            return longest
        return min(longest, max(0.0, (aware(due) - self._clock()).total_seconds()))

    async def _deliver_logged(self, batch: Batch) -> None:
        try:
            await self._deliver(batch)
        except Exception:
            log.exception("a batch could not be finished; its rows go again when their lease ends")
