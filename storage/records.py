"""Conversation positions, help requests, refusals, the audit log and inbound de-duplication."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.models import AuditEntry, ConsentRefusal, HelpRequest, InboundKey, Position

__all__ = ["PRESS_MEMORY", "RecordsRepository"]

PRESSES = "press"
"""The source under which a question's taken press is kept, beside the providers' ids."""
PRESS_MEMORY = timedelta(hours=1)
"""How long a press is remembered for its question: a double tap comes within seconds;
after an hour a button still there (on a channel that keeps old buttons) counts again."""


class RecordsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def position(self, address: str) -> Position | None:
        return await self._session.get(Position, address)

    async def take_turn(self, address: str) -> None:
        """Hold the conversation of `address` until this unit of work ends, so two inputs
        from one person (a double press handed over by the webhook, or by two processes)
        take turns, the second reading what the first wrote. On PostgreSQL an advisory
        transaction lock keyed by the address: unlike FOR UPDATE it holds before the
        person has a position row. SQLite has one writer, and one process whose inputs
        take turns in memory (`bot.service.turns`)."""
        if self._session.get_bind().dialect.name == "postgresql":
            key = func.hashtextextended(address, 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(key)))

    async def position_to_change(self, address: str) -> Position | None:
        """The position, read afresh and locked until this unit of work ends (FOR UPDATE
        on PostgreSQL), so that a reminder being opened for the person waits for it."""
        query = (
            select(Position)
            .where(Position.address == address)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self._session.scalars(query)).first()

    def place(
        self,
        row: Position | None,
        address: str,
        person_id: int | None,
        flow: str,
        step: str,
        data: dict[str, Any],
        question_id: int,
    ) -> Position:
        """Set the position of `address` over `row`, its row as the caller read it in this
        unit of work (None when there is none yet)."""
        if row is None:
            row = Position(address=address)
            self._session.add(row)
        row.person_id = person_id
        row.flow = flow
        row.step = step
        row.data = data
        flag_modified(row, "data")  # a list changed in place would compare equal to itself
        row.question_id = question_id
        return row

    async def forget_position(self, address: str) -> None:
        """The conversation and the presses kept for its questions."""
        await self._session.execute(
            delete(Position)
            .where(Position.address == address)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(
            delete(InboundKey)
            .where(InboundKey.source == PRESSES, InboundKey.key.startswith(_of(address)))
            .execution_options(synchronize_session=False)
        )

    async def press_taken(self, address: str, question_id: int, choice: str) -> bool:
        """Whether question `question_id` of `address` took a press of `choice` within the
        last `PRESS_MEMORY`."""
        kept = await self._session.get(InboundKey, (PRESSES, _press(address, question_id, choice)))
        if kept is None:
            return False
        seen = kept.seen_at if kept.seen_at.tzinfo else kept.seen_at.replace(tzinfo=UTC)
        return seen > datetime.now(UTC) - PRESS_MEMORY

    async def take_press(self, address: str, question_id: int, choice: str) -> None:
        """Keep that this question took a press of `choice` (now)."""
        key = _press(address, question_id, choice)
        kept = await self._session.get(InboundKey, (PRESSES, key))
        if kept is None:
            self._session.add(InboundKey(source=PRESSES, key=key))
        else:
            kept.seen_at = datetime.now(UTC)

    async def forget_presses(self, before: datetime) -> None:
        """Presses kept since before `before`: past their memory, nothing to keep."""
        await self._session.execute(
            delete(InboundKey)
            .where(InboundKey.source == PRESSES, InboundKey.seen_at < before)
            .execution_options(synchronize_session=False)
        )

    async def request_help(
        self,
        person_id: int | None,
        address: str | None,
        where: str,
        kind: str = "talk",
        attachment: str | None = None,
        session_id: int | None = None,
    ) -> HelpRequest:
        request = HelpRequest(
            person_id=person_id,
            address=address,
            where=where,
            kind=kind,
            attachment=attachment,
            session_id=session_id,
        )
        self._session.add(request)
        await self._session.flush()
        return request

    async def help_requests(self) -> list[HelpRequest]:
        return list(await self._session.scalars(select(HelpRequest).order_by(HelpRequest.id)))

    async def refuse_consent(self) -> None:
        self._session.add(ConsentRefusal())

    async def refusals(self) -> int:
        return int(await self._session.scalar(select(func.count(ConsentRefusal.id))) or 0)

    async def audit(self, actor_id: int | None, action: str, **detail: Any) -> None:
        self._session.add(AuditEntry(actor_id=actor_id, action=action, detail=detail))

    async def forget_sightings(self, seen_before: datetime) -> int:
        """Drop inbound ids seen before `seen_before`; returns how many."""
        result = await self._session.execute(
            delete(InboundKey)
            .where(InboundKey.seen_at < seen_before)
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], result).rowcount

    async def seen(self, source: str, key: str) -> bool:
        """Whether a provider's id (or a question's answer) is on record already."""
        return await self._session.get(InboundKey, (source, key)) is not None

    async def first_sighting(self, source: str, key: str) -> bool:
        """Record a provider's id; False when it was already handled (a replay)."""
        if await self.seen(source, key):
            return False
        self._session.add(InboundKey(source=source, key=key))
        return True


def _of(address: str) -> str:
    """An address as press keys begin: hashed, so no key names the person (and erasure
    finds them all by it)."""
    return hashlib.sha256(address.encode()).hexdigest()[:24]


def _press(address: str, question_id: int, choice: str) -> str:
    pressed = hashlib.sha256(f"{question_id}:{choice}".encode()).hexdigest()[:39]
    return f"{_of(address)}:{pressed}"
