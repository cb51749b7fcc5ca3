"""Turning claimed outbox rows into messages: the channel to use, the words, and, for a
reminder, the question it opens in the person's conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from bot.outbox.delivery import Outgoing
from bot.outbox.replies import REPLY, waiting_reply
from bot.service.positions import keep_position, position_of
from bot.service.views import aware, session_view
from conversations import (
    Broadcast,
    Engine,
    FeedbackAsked,
    PersonView,
    PollAsked,
    ReminderSent,
    SessionNotice,
    SessionView,
    Snapshot,
    Trigger,
)
from storage import UnitOfWork
from storage.models import Broadcast as BroadcastRow
from storage.models import ChannelState, ClubSession, OutboxMessage, Person
from storage.models import Position as PositionRow
from storage.people import handle_on

__all__ = ["Composer", "Skipped"]

T = TypeVar("T")


@dataclass(frozen=True)
class Skipped:
    row_id: int
    reason: str
    failed: bool = False
    person_name: str = ""


class Composer:
    """Words each row through the engine (`Engine.start`), which also says where the
    person's conversation goes next."""

    def __init__(
        self, engine: Engine, club_name: str, zone: ZoneInfo, terminal: bool = False
    ) -> None:
        """`terminal`: local mode, where every message reaches the person's terminal chat,
        so the question it opens waits there, whichever channel it imitates."""
        self._engine = engine
        self._terminal = terminal
        self._club_name = club_name
        self._zone = zone

    async def compose(
        self,
        uow: UnitOfWork,
        rows: list[OutboxMessage],
        channels: Collection[str],
        now: datetime,
    ) -> tuple[list[Outgoing], list[Skipped]]:
        ready: list[Outgoing] = []
        skipped: list[Skipped] = []
        read = await _Read.of(uow, rows)
        for row in rows:
            await asyncio.sleep(0)  # let sends due meanwhile go on time (a batch takes ~30 ms)
            made = await self._one(uow, row, channels, now, read)
            if isinstance(made, Outgoing):
                ready.append(made)
            else:
                skipped.append(made)
        return ready, skipped

    async def _one(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        channels: Collection[str],
        now: datetime,
        read: _Read,
    ) -> Outgoing | Skipped:
        person = read.people.get(row.person_id)
        if person is None:
            return Skipped(row.id, "person gone")
        channel = await self.pick_channel(
            uow, person, row.channel, channels, read.unreachable[person.id]
        )
        if channel is None:
            return Skipped(row.id, "no channel reaches them", failed=True, person_name=person.name)
        if row.kind == REPLY:  # worded by the engine already, when the person wrote
            reply = waiting_reply(row, person, channel)
            return reply or Skipped(row.id, "the chat it answers no longer reaches them")
        meeting = read.sessions.get(row.session_id) if row.session_id else None
        expires = None
        if row.kind in {"reminder", "followup"}:
            reason = await self._reminder_pointless(uow, row, meeting, now, read)
            if reason or meeting is None:
                return Skipped(row.id, reason or "session gone")
            expires = aware(meeting.starts_at)
        trigger = self._trigger(row, meeting, read)
        if trigger is None:
            return Skipped(row.id, f"nothing to say for {row.kind}")
        voice_ref = None
        if isinstance(trigger, Broadcast) and channel == "telegram":
            voice_ref = read.broadcasts[int(row.payload["broadcast"])].voice_attachment
        handle = handle_on(person, channel)
        assert handle is not None
        address = self._address(person, channel, handle)
        current = read.positions.get(address)
        snapshot = self._snapshot(channel, person, trigger, meeting, read)
        outcome = self._engine.start(
            snapshot, position_of(current), trigger, again=row.provider_id is not None
        )
        if outcome.position is not None:
            read.positions[address] = keep_position(
                uow, address, person.id, outcome.position, current
            )
        return Outgoing(
            row.id,
            person.id,
            channel,
            handle,
            outcome.replies[0],
            person.language,
            person.spoken,
            person.slow_speech,
            row.kind,
            row.attempts,
            voice_ref,
            expires,
            person.name,
        )

    def _address(self, person: Person, channel: str, handle: str) -> str:
        """Where the person answers what this row asks."""
        if self._terminal and person.console_name:
            return f"console:{person.console_name}"
        return f"{channel}:{handle}"

    @staticmethod
    def _trigger(row: OutboxMessage, meeting: ClubSession | None, read: _Read) -> Trigger | None:
        """What the row asks the engine to start; None when what it is about is gone."""
        member = read.people.get(int(row.payload.get("member", 0)))
        if row.kind == "broadcast":
            broadcast = read.broadcasts.get(int(row.payload.get("broadcast", 0)))
            return Broadcast(broadcast.words) if broadcast is not None else None
        if row.kind == "poll":
            return PollAsked(int(row.payload["poll"]), tuple(row.payload.get("options", [])))
        if meeting is None:
            return None
        if row.kind == "notice":
            return SessionNotice(str(row.payload["notice"]), meeting.id)
        if member is None:
            return None
        if row.kind == "feedback":
            return FeedbackAsked(meeting.id, member.id)
        return ReminderSent(meeting.id, member.id, str(row.payload.get("kind", "next")))

    def _snapshot(
        self,
        channel: str,
        person: Person,
        trigger: Trigger,
        meeting: ClubSession | None,
        read: _Read,
    ) -> Snapshot:
        """What the engine needs to word the row: the person it goes to, the member it is
        about, and its session."""
        members: tuple[PersonView, ...] = ()
        if isinstance(trigger, ReminderSent | FeedbackAsked) and trigger.member_id != person.id:
            member = read.people[trigger.member_id]
            members = (PersonView(member.id, member.name, frozenset()),)
        return Snapshot(
            channel=channel,
            club_name=self._club_name,
            person=PersonView(person.id, person.name, frozenset()),
            members=members,
            sessions=(read.view(meeting),) if meeting is not None else (),
            zone=self._zone,
        )

    async def pick_channel(
        self,
        uow: UnitOfWork,
        person: Person,
        first: str,
        channels: Collection[str],
        unreachable: Mapping[str, str] | None = None,
    ) -> str | None:
        """`first` if it still reaches the person, else the next in their own order."""
        if unreachable is None:
            unreachable = await uow.people.unreachable_channels(person.id)
        order = [first, *person.channel_order]
        for channel in order:
            if channel in channels and channel not in unreachable and handle_on(person, channel):
                return channel
        return None

    async def _reminder_pointless(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        meeting: ClubSession | None,
        now: datetime,
        read: _Read,
    ) -> str | None:
        if meeting is None:
            return "session gone"
        if meeting.cancelled_at is not None:
            return "session cancelled"
        if aware(meeting.starts_at) <= now:
            return "session started"
        if row.kind == "followup":
            answers = await read.answers(uow, meeting.id)
            if row.payload.get("member") in answers:
                return "already answered"
        elif row.payload.get("member") in await read.declined(uow, meeting.id):
            return "said not coming"  # planned before they said so
        return None


@dataclass
class _Read:
    """Everything a batch of rows needs, read in a few queries and then looked up in plain
    dictionaries: a lookup through the async session costs about as much as composing a
    message, and a batch makes hundreds."""

    people: dict[int, Person]
    """The rows' people and the members they hear about."""
    positions: dict[str, PositionRow]
    """The rows' people's conversations, by address."""
    sessions: dict[int, ClubSession]
    broadcasts: dict[int, BroadcastRow]
    unreachable: dict[int, dict[str, str]]
    """Each person's channels that no longer reach them."""
    _views: dict[int, SessionView] = field(default_factory=dict)
    _answers: dict[int, dict[int, str]] = field(default_factory=dict)
    _declined: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    async def of(cls, uow: UnitOfWork, rows: list[OutboxMessage]) -> _Read:
        people = {row.person_id for row in rows}
        members = {int(m) for row in rows if str(m := row.payload.get("member", "")).isdigit()}
        sessions = {row.session_id for row in rows if row.session_id is not None}
        broadcasts = {
            int(b) for row in rows if str(b := row.payload.get("broadcast", "")).isdigit()
        }

        found_people = await _where_in(uow, Person, Person.id, people | members)
        positions = await _positions_to_change(uow, people)
        found_sessions = await _where_in(uow, ClubSession, ClubSession.id, sessions)
        found_broadcasts = await _where_in(uow, BroadcastRow, BroadcastRow.id, broadcasts)
        states = await uow.session.execute(
            select(ChannelState.person_id, ChannelState.channel, ChannelState.reason).where(
                ChannelState.person_id.in_(people)
            )
        )
        unreachable: dict[int, dict[str, str]] = {person: {} for person in people}
        for person_id, channel, reason in states.all():
            unreachable[person_id][channel] = reason
        return cls(
            {person.id: person for person in found_people},
            {position.address: position for position in positions},
            {meeting.id: meeting for meeting in found_sessions},
            {broadcast.id: broadcast for broadcast in found_broadcasts},
            unreachable,
        )

    def view(self, meeting: ClubSession) -> SessionView:
        if meeting.id not in self._views:
            self._views[meeting.id] = session_view(meeting)
        return self._views[meeting.id]

    async def answers(self, uow: UnitOfWork, session_id: int) -> dict[int, str]:
        """Members' answers to a session's reminders, read once a batch."""
        if session_id not in self._answers:
            self._answers[session_id] = await uow.sessions.answers(session_id)
        return self._answers[session_id]

    async def declined(self, uow: UnitOfWork, session_id: int) -> set[int]:
        """Members who said they are not coming (since the session last changed)."""
        if session_id not in self._declined:
            self._declined[session_id] = await uow.sessions.declined(session_id)
        return self._declined[session_id]


async def _positions_to_change(uow: UnitOfWork, people: set[int]) -> Sequence[PositionRow]:
    """The people's conversations, locked until the batch commits (FOR UPDATE, in one
    order, on PostgreSQL), so an answer being taken meanwhile is read before a reminder
    is opened over it, never overwritten by one opened from what stood before."""
    if not people:
        return ()
    query = (
        select(PositionRow)
        .where(PositionRow.person_id.in_(people))
        .order_by(PositionRow.address)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await uow.session.scalars(query)).all()


async def _where_in(
    uow: UnitOfWork, model: type[T], column: InstrumentedAttribute[Any], wanted: set[int]
) -> Sequence[T]:
    if not wanted:
        return ()
    return (await uow.session.scalars(select(model).where(column.in_(wanted)))).all()
