"""Turning claimed outbox rows into messages: the channel to use, the words, and, for a
reminder, the question it opens in the person's conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.delivery import Outgoing
from bot.views import aware, session_view
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
        unreachable, held = await self._prefetch(uow, rows)
        for row in rows:
            await asyncio.sleep(0)  # let sends due meanwhile go on time (a batch takes ~50 ms)
            made = await self._one(uow, row, channels, now, unreachable)
            if isinstance(made, Outgoing):
                ready.append(made)
            else:
                skipped.append(made)
        del held  # read by identity above; released with the batch
        return ready, skipped

    async def _prefetch(
        self, uow: UnitOfWork, rows: list[OutboxMessage]
    ) -> tuple[dict[int, dict[str, str]], list[object]]:
        """Read what the batch needs in a few queries rather than several a row: its people
        (and the members they hear about), sessions and open questions land in the unit of
        work's identity map, where the lookups below find them. Returns each person's
        channels that no longer reach them, and the rows read (to be held onto)."""
        people = {row.person_id for row in rows}
        members = {int(m) for row in rows if str(m := row.payload.get("member", "")).isdigit()}
        sessions = {row.session_id for row in rows if row.session_id is not None}
        queries = [
            select(Person).where(Person.id.in_(people | members)),
            select(PositionRow).where(PositionRow.person_id.in_(people)),
        ]
        if sessions:
            queries.append(select(ClubSession).where(ClubSession.id.in_(sessions)))
        held: list[object] = []  # the identity map holds rows weakly: keep them for the batch
        for query in queries:
            held += (await uow.session.scalars(query)).all()
        states = await uow.session.execute(
            select(ChannelState.person_id, ChannelState.channel, ChannelState.reason).where(
                ChannelState.person_id.in_(people)
            )
        )
        unreachable: dict[int, dict[str, str]] = {person: {} for person in people}
        for person_id, channel, reason in states.all():
            unreachable[person_id][channel] = reason
        return unreachable, held

    async def _one(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        channels: Collection[str],
        now: datetime,
        unreachable: Mapping[int, Mapping[str, str]],
    ) -> Outgoing | Skipped:
        person = await uow.people.get(row.person_id)
        if person is None:
            return Skipped(row.id, "person gone")
        channel = await self.pick_channel(
            uow, person, row.channel, channels, unreachable.get(person.id)
        )
        if channel is None:
            return Skipped(row.id, "no channel reaches them", failed=True, person_name=person.name)
        meeting = await uow.sessions.get(row.session_id) if row.session_id else None
        reply: Reply | None
        expires = None
        voice_ref = None
        if row.kind in {"reminder", "followup"}:
            reason = await self._reminder_pointless(uow, row, meeting, now)
            if reason or meeting is None:
                return Skipped(row.id, reason or "session gone")
            expires = aware(meeting.starts_at)
            reply = await self._reminder(uow, row, person, channel, meeting)
        elif row.kind in {"feedback", "poll"}:
            reply = await self._after_session(uow, row, person, channel, meeting)
        elif row.kind == "broadcast":
            broadcast = await uow.session.get(Broadcast, row.payload.get("broadcast"))
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
        self, uow: UnitOfWork, row: OutboxMessage, meeting: ClubSession | None, now: datetime
    ) -> str | None:
        if meeting is None:
            return "session gone"
        if meeting.cancelled_at is not None:
            return "session cancelled"
        if aware(meeting.starts_at) <= now:
            return "session started"
        if row.kind == "followup":
            answers = await uow.sessions.answers(meeting.id)
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
    ) -> Reply | None:
        member = await uow.people.get(int(row.payload["member"]))
        if member is None:
            return None
        handle = handle_on(person, channel)
        address = f"{channel}:{handle}"
        current = await uow.records.position(address)
        kind = str(row.payload.get("kind", "next"))
        if row.provider_id is not None:  # the words went before a restart: only speech is left
            question_id = current.question_id if current else 0
        else:
            question_id = (current.question_id if current else 0) + 1
            resume = None
            if current is not None and current.flow not in {IDLE, "reminder"}:
                resume = {"flow": current.flow, "step": current.step, "data": dict(current.data)}
            data = {"session": meeting.id, "member": member.id, "kind": kind, "resume": resume}
            await uow.records.save_position(
                address, person.id, "reminder", "answer", data, question_id
            )
        member_view = PersonView(member.id, member.name, frozenset())
        question = reminder_question(
            session_view(meeting), member_view, person.id, kind, self._snapshot(channel)
        )
        return asking(question, question_id)

    async def _after_session(
        self,
        uow: UnitOfWork,
        row: OutboxMessage,
        person: Person,
        channel: str,
        meeting: ClubSession | None,
    ) -> Reply | None:
        """Feedback after a session, or a poll: opens the flow's first question."""
        if row.kind == "feedback":
            if meeting is None:
                return None
            member = await uow.people.get(int(row.payload["member"]))
            if member is None:
                return None
            flow, step = "feedback", "face"
            data: dict[str, object] = {
                "session": meeting.id,
                "member": member.id,
                "name": member.name,
                "carer_helped": member.id != person.id,
            }
            sessions: tuple[SessionView, ...] = (session_view(meeting),)
        else:
            flow, step = "poll", "pick"
            data = {"poll": row.payload["poll"], "options": row.payload.get("options", [])}
            sessions = ()
        question_id = await self._open(uow, person, channel, flow, step, data)
        snapshot = replace(self._snapshot(channel), sessions=sessions)
        question = self._flows[flow].question(Context(snapshot, data), step)
        return asking(question, question_id)

    async def _open(
        self,
        uow: UnitOfWork,
        person: Person,
        channel: str,
        flow: str,
        step: str,
        data: dict[str, object],
    ) -> int:
        """Make `flow.step` the person's open question on this channel, keeping the one they
        were in the middle of to come back to; returns its question id."""
        address = f"{channel}:{handle_on(person, channel)}"
        current = await uow.records.position(address)
        question_id = (current.question_id if current else 0) + 1
        if current is not None and current.flow not in {IDLE, "reminder", flow}:
            data = {
                **data,
                "resume": {"flow": current.flow, "step": current.step, "data": dict(current.data)},
            }
        await uow.records.save_position(address, person.id, flow, step, data, question_id)
        return question_id
