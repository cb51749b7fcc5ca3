"""Conversation positions, help requests, refusals, the audit log and inbound de-duplication."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.models import AuditEntry, ConsentRefusal, HelpRequest, InboundKey, Position

__all__ = ["RecordsRepository"]


class RecordsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def position(self, address: str) -> Position | None:
        return await self._session.get(Position, address)

    async def position_to_change(self, address: str) -> Position | None:
        """The position, locked until this unit of work ends (FOR UPDATE on PostgreSQL;
        SQLite has one writer anyway): two inputs from one person at once, such as a
        double press handed over by the webhook, take their turns instead of both
        answering the same open question."""
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
        await self._session.execute(
            delete(Position)
            .where(Position.address == address)
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

    async def first_sighting(self, source: str, key: str) -> bool:
        """Record a provider's id; False when it was already handled (a replay)."""
        if await self._session.get(InboundKey, (source, key)) is not None:
            return False
        self._session.add(InboundKey(source=source, key=key))
        return True
