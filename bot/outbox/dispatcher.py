"""The outbox dispatcher: claims due rows, sends them within each channel's limits, and
settles each send's outcome as the outbox's one policy says (`bot.outbox.policy`): retried
with backoff, moved to a person's next channel, or kept while the club's account is refused.

A row is claimed with a lease before sending and settled after, so a dispatcher killed at
any moment repeats at most the messages that were in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast, runtime_checkable

from bot.outbox.account_trouble import AccountTrouble
from bot.outbox.composer import Composer, Skipped
from bot.outbox.delivery import Outcome, Outgoing, Sender, SendResult
from bot.outbox.planner import ReminderPlanner
from bot.outbox.policy import Failure, settle_failure
from bot.service.alerts import CoordinatorAlerts
from bot.service.views import aware
from storage import UnitOfWork, UnitOfWorkFactory
from storage.models import utc_now
from storage.outbox import Status, Terminal
from storage.records import PRESS_MEMORY

__all__ = ["Dispatcher", "Holds", "Paced", "SpeaksAfter", "TakesRows"]

log = logging.getLogger(__name__)

BATCH = 200
LEASE = timedelta(minutes=2)
PLAN_EVERY = timedelta(minutes=1)
WELCOME_PLAN_EVERY = timedelta(seconds=5)
GATHER_TURNS = 16
"""Event loop turns the recorder may wait for more sends to finish, when none waits."""
ROWS_AT_ONCE = 32
"""Per channel: rows being sent at once. A row may wait over a second for its moment (a
voice note one second after its words, to the same chat), so this is not how many
requests are in flight; each sender limits those itself."""


@runtime_checkable
class SpeaksAfter(Protocol):
    """A channel that sends the words and then a voice note of them (Telegram). The
    dispatcher records the words as sent before the voice note goes, so a restart in
    between sends only the voice note, never the words twice."""

    def speaks(self, message: Outgoing) -> bool: ...

    async def send_text(self, message: Outgoing) -> SendResult: ...

    async def send_voice(self, message: Outgoing) -> str | None: ...


@runtime_checkable
class Paced(Protocol):
    """A channel that sends at most one message every `interval` seconds."""

    @property
    def interval(self) -> float: ...


@runtime_checkable
class TakesRows(Protocol):
    """A channel that may use fewer rows at once than the dispatcher would give it (None:
    as many as it is given): no more than its requests in flight when sending flat out."""

    @property
    def rows_at_once(self) -> int | None: ...


@runtime_checkable
class Holds(Protocol):
    """A channel that paces its sends and can hold each one, at its moment, until the
    dispatcher has recorded every send that finished before."""

    hold: asyncio.Event | None


class _RecordGate(asyncio.Event):
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
class _Settled:
    message: Outgoing
    result: SendResult
    partial: bool = False
    """Only the words are out, and a voice note is still to go."""
    recorded: asyncio.Future[None] | None = None
    """Set once this has been committed."""
    holds: bool = True
    """Whether new words wait until this is on record (not a voice note whose words are:
    a restart would repeat only the voice note)."""


@dataclass
class _Batch:
    """Rows claimed together, composed and on their way."""

    size: int
    ready: list[Outgoing]
    skipped: list[Skipped]
    spoken_before: dict[int, str]
    """Rows whose words went before a restart: their provider's id."""
    admitted: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once every row has begun sending: the next batch may be claimed and composed
    while these finish, so the pace never drops at the end of a batch (when only voice
    notes are left, each waiting a second for its chat)."""
    started: int = 0

    def admit(self) -> None:
        self.started += 1
        if self.started >= len(self.ready):
            self.admitted.set()


def _rows_at_once(sender: Sender, most: int) -> int:
    own = sender.rows_at_once if isinstance(sender, TakesRows) else None
    return most if own is None else min(most, own)


def _batch_size(sender: Sender) -> int:
    if not isinstance(sender, Paced) or not sender.interval:
        return BATCH
    return max(1, min(BATCH, int(LEASE.total_seconds() / 8 / sender.interval)))


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
        self._concurrency = concurrency
        self._rows_at_once = {
            name: _rows_at_once(sender, concurrency) for name, sender in senders.items()
        }
        self._gates = {name: asyncio.Semaphore(rows) for name, rows in self._rows_at_once.items()}
        self._unrecorded = 0
        self._voice_after_words: set[int] = set()
        self._caught_up = _RecordGate()
        """Set while every finished send is on record: only then may a new send begin, so
        a dispatcher killed at any moment has at most the sends in flight to repeat."""
        self._caught_up.set()
        self._batch = {name: _batch_size(sender) for name, sender in senders.items()}
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
            cast(Holds, self._senders[name]).hold = self._caught_up
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

    async def _claim(self, channels: list[str] | None = None) -> _Batch | None:
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
        return _Batch(len(rows), ready, skipped, spoken_before)

    async def _deliver(self, batch: _Batch) -> None:
        """Send a claimed batch. Each send is recorded as soon as it is done (a few at a
        time, in one transaction), so a dispatcher killed at any moment repeats only the
        sends it had not yet recorded."""
        done: asyncio.Queue[_Settled | None] = asyncio.Queue()
        recording = asyncio.create_task(self._record(done, batch.skipped, batch.spoken_before))
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
        self, message: Outgoing, batch: _Batch, done: asyncio.Queue[_Settled | None]
    ) -> None:
        sender = self._senders[message.channel]
        words_sent = batch.spoken_before.get(message.row_id)
        async with self._gates[message.channel]:
            batch.admit()
            if message.channel not in self._holding:
                await self._caught_up.wait()
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
        self._finished(done, _Settled(message, result, holds=holds))

    async def _note_account(self, channel: str, result: SendResult) -> None:
        """A send that went shows the club's account is accepted; the first refusal of it
        is told to the coordinators."""
        if result.outcome is Outcome.SENT:
            self._trouble.cleared(channel)
        elif result.outcome is Outcome.ACCOUNT:
            told = self._trouble.noticed(channel, result.error or "refused")
            if told is not None:
                await self._alerts.tell(told)

    def _finished(self, done: asyncio.Queue[_Settled | None], settled: _Settled) -> None:
        if settled.holds:
            self._unrecorded += 1
            self._caught_up.clear()
        done.put_nowait(settled)

    def _on_record(self, count: int) -> None:
        self._unrecorded = max(0, self._unrecorded - count)
        if not self._unrecorded:
            self._caught_up.set()

    async def _words_then_voice(
        self,
        sender: SpeaksAfter,
        message: Outgoing,
        words_sent: str | None,
        done: asyncio.Queue[_Settled | None],
    ) -> SendResult:
        provider_id = words_sent
        self._voice_after_words.add(message.row_id)
        if provider_id is None:
            words = await sender.send_text(message)
            if words.outcome is not Outcome.SENT:
                return words
            recorded = asyncio.get_running_loop().create_future()
            self._finished(done, _Settled(message, words, partial=True, recorded=recorded))
            await recorded
            provider_id = words.provider_id
        voice_error = await sender.send_voice(message)
        return SendResult(Outcome.SENT, provider_id=provider_id, error=voice_error)

    async def _record(
        self,
        done: asyncio.Queue[_Settled | None],
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
        self, done: asyncio.Queue[_Settled | None], batch: list[_Settled | None]
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
                or self._caught_up.waiting
                or any(settled is None or settled.recorded is not None for settled in batch)
            ):
                return
            await asyncio.sleep(0)

    async def _settle(
        self, results: list[_Settled], skipped: list[Skipped], spoken_before: dict[int, str]
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
        self, uow: UnitOfWork, settled: _Settled, now: datetime
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

    async def _deliver_logged(self, batch: _Batch) -> None:
        try:
            await self._deliver(batch)
        except Exception:
            log.exception("a batch could not be finished; its rows go again when their lease ends")
