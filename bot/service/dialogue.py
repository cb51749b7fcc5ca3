"""The one path every channel takes: load, run the engine, record, commit.

One person's inputs take turns (in this process, and across processes through the
database), and a button is taken once for the question it answers, so a double tap has
one effect and one reply. A database that is busy for a moment is retried; if it stays
busy the person gets a kind line and nothing half-written is kept. A value the database
refuses is not retried (`storage.storage_trouble` tells the two apart): the person is
told it was not understood.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.service.after_commit import AfterCommit
from bot.service.broadcasts import QuietHours, Sending, no_quiet_hours
from bot.service.positions import forget_position, keep_position, load_position, position_of
from bot.service.recorder import Recorded, record
from bot.service.snapshots import ClubShape, take_snapshot
from bot.service.turns import Turns
from conversations import (
    HELP_CHOICE,
    IDLE,
    Engine,
    Input,
    InputKind,
    Outcome,
    Position,
    Reply,
    Text,
    newcomer_language,
)
from storage import Trouble, UnitOfWorkFactory, storage_trouble
from storage.models import utc_now

__all__ = ["BUSY", "Answer", "Dialogue"]

log = logging.getLogger(__name__)

ATTEMPTS = 4
FIRST_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class Answer:
    """Replies for one input, and how to render them for this person.

    `saved` is False when storage stayed unavailable (the replies then only say so: the
    provider may send it again), `refused` when storage refused a value in it (sending it
    again would not help), and `duplicate` is True for a provider's replay of something
    already handled. A press on a question that took its answer already has no replies
    and nothing `taken`.
    """

    replies: list[Reply]
    language: str
    spoken: bool
    taken: str | None = None
    saved: bool = True
    refused: bool = False
    duplicate: bool = False
    unreachable_here: bool = False
    """The person is marked unreachable on this channel: tell the storage when a reply
    gets through (see REPLIES_PROVE_REACH)."""


BUSY = Answer([Reply((Text("common.busy"),))], "en", False, saved=False)
REFUSED = Answer([Reply((Text("common.not_understood"),))], "en", False, saved=False, refused=True)
DUPLICATE = Answer([], "en", False, duplicate=True)
REPLIES_PROVE_REACH = frozenset({"telegram"})
"""Channels on which a reply that gets through to someone marked unreachable shows that
the channel reaches them again (they unblocked the bot). Not texts: after STOP, only
START lets them through again."""


class Dialogue:
    def __init__(
        self,
        engine: Engine,
        units: UnitOfWorkFactory,
        club_name: str,
        zone: ZoneInfo,
        after: AfterCommit,
        channels: Collection[str] = (),
        clock: Callable[[], datetime] = utc_now,
        quiet_hours: QuietHours = no_quiet_hours,
    ) -> None:
        """`channels`: those the club can send on, for notices to be queued for;
        `quiet_hours`: when the club's quiet hours end (notices and polls wait for it)."""
        self._engine = engine
        self._units = units
        self._club_name = club_name
        self.after = after
        self.channels = channels
        self.quiet_hours = quiet_hours
        self._zone = zone
        self.clock = clock
        self.shape = ClubShape()
        self._turns = Turns()

    @asynccontextmanager
    async def turn(self, address: str) -> AsyncIterator[None]:
        """This person's turn in this process: a channel holds it around `handle` and the
        sending of its replies, so one person's replies go in the order of their inputs."""
        async with self._turns.of(address):
            yield

    async def handle(self, address: str, said: Input, once: str | None = None) -> Answer:
        """Handle one input from `address` ("telegram:42", "console:Ann"), in its turn.

        `once` is the provider's id for this input ("telegram:update:7"); it is stored in
        the same transaction as the answer, so a replay has exactly one effect.
        """
        async with self._turns.of(address):
            return await self._handle_retrying(address, said, once)

    async def _handle_retrying(self, address: str, said: Input, once: str | None) -> Answer:
        wait = FIRST_WAIT_SECONDS
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer, recorded = await self._handle_once(address, said, once)
            except Exception as error:
                trouble = storage_trouble(error)
                if trouble is None:
                    raise
                if trouble is Trouble.REFUSED:
                    log.warning("storage refused a value: %s", type(error).__name__)
                    return REFUSED
                if attempt == ATTEMPTS:
                    log.error(
                        "storage unavailable after %d tries: %s", attempt, type(error).__name__
                    )
                    return BUSY
                await asyncio.sleep(wait)
                wait *= 2
                continue
            await self._after_commit(recorded, address)
            return answer
        raise AssertionError("unreachable")

    async def _handle_once(
        self, address: str, said: Input, once: str | None
    ) -> tuple[Answer, Recorded | None]:
        async with self._units() as uow:
            await uow.records.take_turn(address)  # first: the other inputs wait here
            if once is not None:
                source, _, key = once.partition(":")
                if not await uow.records.first_sighting(source, key):
                    return DUPLICATE, None
            row = await load_position(uow, address)
            position = position_of(row)
            speaker = await uow.people.by_address(address)
            pressed = None if self._engine.sessions_named(None, said) else _pressed(said)
            if pressed is not None and await uow.records.press_taken(address, *pressed):
                language = speaker.language if speaker else newcomer_language(position)
                await uow.commit()  # the update id, so a replay of this press is one too
                return Answer([], language, bool(speaker and speaker.spoken)), None
            channel = address.partition(":")[0]
            unreachable_here = (
                speaker is not None
                and channel in REPLIES_PROVE_REACH
                and channel in await uow.people.unreachable_channels(speaker.id)
            )
            sending = Sending.at(self.clock(), self.quiet_hours)
            snapshot = await take_snapshot(
                uow,
                address,
                speaker,
                self._club_name,
                self.shape,
                self._zone,
                sending,
                self.channels,
                self._engine.sessions_named(position, said),
            )
            outcome = self._engine.handle(snapshot, position, said)
            recorded = await record(
                uow,
                address,
                speaker,
                outcome.changes,
                self.shape.activity_ids,
                self.channels,
                sending,
            )
            if pressed is not None and _answered(said, outcome, position, recorded):
                await uow.records.take_press(address, *pressed)
            final = outcome.position
            if recorded.erased:
                await forget_position(uow, address)
            elif final is not None:
                person_id = recorded.person.id if recorded.person else None
                keep_position(uow, address, person_id, final, row)
            person = None if recorded.erased else speaker or recorded.person
            # a newcomer reads registration in the language its first question chose
            language = person.language if person else newcomer_language(final, position)
            spoken = person.spoken if person else False
            await uow.commit()
        answer = Answer(
            outcome.replies, language, spoken, outcome.taken, unreachable_here=unreachable_here
        )
        return answer, recorded

    async def _after_commit(self, recorded: Recorded | None, address: str) -> None:
        """Tell the coordinators and the planner; the answer is already saved, so a
        failure here is logged, never shown to the person."""
        if recorded is None:
            return
        if recorded.session_events:
            self.shape.forget()
        after = self.after
        try:
            for request in recorded.help:
                await after.on_help(request)
            for event, session_id in recorded.session_events:
                await after.on_session(event, session_id)
            for broadcast_id in recorded.broadcasts:
                await after.on_broadcast(broadcast_id, address)
            if recorded.report_wanted:
                await after.on_report(address)
        except Exception:
            log.exception("could not pass on what was just recorded")


def _pressed(said: Input) -> tuple[int, str] | None:
    """The question a press answers, and the choice: the same button pressed again on a
    question that took it (a double tap) is not taken again; another button on it gets
    the kind word that the question has passed. (Not a reminder's answer, which names its
    session: the engine compares it with the answer on record, so a change of mind on
    the same reminder still counts.)"""
    if said.kind is not InputKind.CHOICE or said.question_id is None:
        return None
    return said.question_id, said.value


def _answered(said: Input, outcome: Outcome, before: Position | None, recorded: Recorded) -> bool:
    """Whether this press settled its question: "Talk to a person" that asked for help
    (the question stays open), or an answer taken that closed the question."""
    if said.value == HELP_CHOICE:
        return bool(recorded.help)
    if outcome.taken is None:
        return False
    after = outcome.position or before
    return after is None or after.flow == IDLE or after.question_id != said.question_id
