"""Turning claimed outbox rows into messages: the channel to use, the words, and, for a
reminder, the question it opens in the person's conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from bot.outbox.delivery import Outgoing
from bot.service.views import aware, session_view
from conversations import IDLE, PersonView, Reply, SessionView, Snapshot, all_flows
from conversations.engine import asking
from conversations.flow import Context
from conversations.flows.reminder import reminder_question, session_params
from conversations.model import text
from storage import UnitOfWork
from storage.models import Broadcast, ChannelState, ClubSession, OutboxMessage, Person
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
    def __init__(self, club_name: str, zone: ZoneInfo) -> None:
        self._club_name = club_name
        self._zone = zone
        self._flows = all_flows()

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
        meeting = read.sessions.get(row.session_id) if row.session_id else None
        reply: Reply | None
        expires = None
        voice_ref = None
        if row.kind in {"reminder", "followup"}:
            reason = await self._reminder_pointless(uow, row, meeting, now, read)
            if reason or meeting is None:
                return Skipped(row.id, reason or "session gone")
            expires = aware(meeting.starts_at)
            reply = await self._reminder(uow, row, person, channel, meeting, read)
        elif row.kind in {"feedback", "poll"}:
            reply = await self._after_session(uow, row, person, channel, meeting, read)
        elif row.kind == "broadcast":
            broadcast = read.broadcasts.get(int(row.payload.get("broadcast", 0)))
            if broadcast is None:
                return Skipped(row.id, "notice gone")
            words = text("notice.broadcast", club=self._club_name, words=broadcast.words)
            reply = Reply((words,), speak=True)
            voice_ref = broadcast.voice_attachment if channel == "telegram" else None
        elif row.kind == "notice" and meeting is not None:
            params = session_params(session_view(meeting), self._snapshot(channel))
            reply = Reply((text(f"notice.{row.payload['notice']}", **params),), speak=True)
        else:
            reply = None
        if reply is None:
            return Skipped(row.id, f"nothing to say for {row.kind}")
        handle = handle_on(person, channel)
        assert handle is not None
        return Outgoing(
            row.id,
            person.id,
            channel,
            handle,
            reply,
            person.language,
            person.spoken,
            person.slow_speech,
            row.kind,
            row.attempts,
            voice_ref,
            expires,
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
        return None

    def _snapshot(self, channel: str) -> Snapshot:
        return Snapshot(channel=channel, club_name=self._club_name, person=None, zone=self._zone)

    async def _reminder(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        person: Person,
        channel: str,
        meeting: ClubSession,
        read: _Read,
    ) -> Reply | None:
        member = read.people.get(int(row.payload["member"]))
        if member is None:
            return None
        address = f"{channel}:{handle_on(person, channel)}"
        current = read.positions.get(address)
        kind = str(row.payload.get("kind", "next"))
        if row.provider_id is not None:  # the words went before a restart: only speech is left
            question_id = current.question_id if current else 0
        else:
            question_id = (current.question_id if current else 0) + 1
            resume = None
            if current is not None and current.flow not in {IDLE, "reminder"}:
                resume = {"flow": current.flow, "step": current.step, "data": dict(current.data)}
            data = {"session": meeting.id, "member": member.id, "kind": kind, "resume": resume}
            read.positions[address] = uow.records.place(
                current, address, person.id, "reminder", "answer", data, question_id
            )
        member_view = PersonView(member.id, member.name, frozenset())
        question = reminder_question(
            read.view(meeting), member_view, person.id, kind, self._snapshot(channel)
        )
        return asking(question, question_id)

    async def _after_session(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        person: Person,
        channel: str,
        meeting: ClubSession | None,
        read: _Read,
    ) -> Reply | None:
        """Feedback after a session, or a poll: opens the flow's first question."""
        if row.kind == "feedback":
            if meeting is None:
                return None
            member = read.people.get(int(row.payload["member"]))
            if member is None:
                return None
            flow, step = "feedback", "face"
            data: dict[str, object] = {
                "session": meeting.id,
                "member": member.id,
                "name": member.name,
                "carer_helped": member.id != person.id,
            }
            sessions: tuple[SessionView, ...] = (read.view(meeting),)
        else:
            flow, step = "poll", "pick"
            data = {"poll": row.payload["poll"], "options": row.payload.get("options", [])}
            sessions = ()
        question_id = self._open(uow, person, channel, flow, step, data, read)
        snapshot = replace(self._snapshot(channel), sessions=sessions)
        question = self._flows[flow].question(Context(snapshot, data), step)
        return asking(question, question_id)

    def _open(
        self,
        uow: UnitOfWork,
        person: Person,
        channel: str,
        flow: str,
        step: str,
        data: dict[str, object],
        read: _Read,
    ) -> int:
        """Make `flow.step` the person's open question on this channel, keeping the one they
        were in the middle of to come back to; returns its question id."""
        address = f"{channel}:{handle_on(person, channel)}"
        current = read.positions.get(address)
        question_id = (current.question_id if current else 0) + 1
        if current is not None and current.flow not in {IDLE, "reminder", flow}:
            data = {
                **data,
                "resume": {"flow": current.flow, "step": current.step, "data": dict(current.data)},
            }
        read.positions[address] = uow.records.place(
            current, address, person.id, flow, step, data, question_id
        )
        return question_id


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
    broadcasts: dict[int, Broadcast]
    unreachable: dict[int, dict[str, str]]
    """Each person's channels that no longer reach them."""
    _views: dict[int, SessionView] = field(default_factory=dict)
    _answers: dict[int, dict[int, str]] = field(default_factory=dict)

    @classmethod
    async def of(cls, uow: UnitOfWork, rows: list[OutboxMessage]) -> _Read:
        people = {row.person_id for row in rows}
        members = {int(m) for row in rows if str(m := row.payload.get("member", "")).isdigit()}
        sessions = {row.session_id for row in rows if row.session_id is not None}
        broadcasts = {
            int(b) for row in rows if str(b := row.payload.get("broadcast", "")).isdigit()
        }

        found_people = await _where_in(uow, Person, Person.id, people | members)
        positions = await _where_in(uow, PositionRow, PositionRow.person_id, people)
        found_sessions = await _where_in(uow, ClubSession, ClubSession.id, sessions)
        found_broadcasts = await _where_in(uow, Broadcast, Broadcast.id, broadcasts)
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


async def _where_in(
    uow: UnitOfWork, model: type[T], column: InstrumentedAttribute[Any], wanted: set[int]
) -> Sequence[T]:
    if not wanted:
        return ()
    return (await uow.session.scalars(select(model).where(column.in_(wanted)))).all()
