"""The outbox: everything the club sends on its own initiative, before and after sending.

Rows are claimed with a lease. On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED so
several dispatchers share the work; a row whose lease ran out (its dispatcher died) is
claimed again, so a restart repeats at most the message that was in flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Table, and_, bindparam, case, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import OutboxMessage, Person

__all__ = ["Delivery", "OutboxRepository", "Status", "Terminal"]


class Status:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Delivery:
    """A row to put in the outbox."""

    person_id: int
    channel: str
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    session_id: int | None = None
    broadcast_id: int | None = None


@dataclass(frozen=True)
class Terminal:
    """Local mode: the rows one terminal chat shows — its own person's, and, for the main
    terminal (`and_nameless`), those of people with no terminal of their own."""

    name: str
    and_nameless: bool = False

    def rows(self) -> ColumnElement[bool]:
        named = Person.console_name == self.name
        if self.and_nameless:
            named = or_(named, Person.console_name.is_(None))
        return OutboxMessage.person_id.in_(select(Person.id).where(named))


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, deliveries: Sequence[Delivery]) -> int:
        """Insert rows whose idempotency key is new; returns how many were new."""
        if not deliveries:
            return 0
        values = [
            {
                "person_id": d.person_id,
                "channel": d.channel,
                "kind": d.kind,
                "idempotency_key": d.key,
                "due_at": d.due_at,
                "payload": d.payload,
                "session_id": d.session_id,
                "broadcast_id": d.broadcast_id,
                "status": Status.PENDING,
                "attempts": 0,
            }
            for d in deliveries
        ]
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(OutboxMessage)
            .values(values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        channels: Sequence[str] | None = None,
        terminal: Terminal | None = None,
    ) -> list[OutboxMessage]:
        """Take up to `limit` due rows (and rows whose lease ran out) for sending."""
        due = or_(
            and_(OutboxMessage.status == Status.PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.status == Status.SENDING, OutboxMessage.claimed_until < now),
        )
        chosen = select(OutboxMessage.id).where(due)
        if channels is not None:
            chosen = chosen.where(OutboxMessage.channel.in_(list(channels)))
        if terminal is not None:
            chosen = chosen.where(terminal.rows())
        chosen = chosen.order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit)
        chosen = chosen.with_for_update(skip_locked=True)
        # One statement for the whole batch (a row-by-row update of 200 costs more than
        # composing them): UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED) RETURNING.
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
            .values(
                status=Status.SENDING,
                claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        rows = list(await self._session.scalars(claim))
        return sorted(rows, key=lambda row: (row.due_at, row.id))

    async def next_due(
        self, channels: Sequence[str], terminal: Terminal | None = None
    ) -> datetime | None:
        """When the next row falls due (or a claim on one runs out), if any will."""
        mine: ColumnElement[bool] = OutboxMessage.channel.in_(list(channels))
        if terminal is not None:
            mine = and_(mine, terminal.rows())
        due = select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == Status.PENDING, mine
        )
        lease = select(func.min(OutboxMessage.claimed_until)).where(
            OutboxMessage.status == Status.SENDING, mine
        )
        found = [await self._session.scalar(query) for query in (due, lease)]
        return min((moment for moment in found if moment is not None), default=None)

    async def waiting(self, person_id: int, kind: str) -> tuple[int, datetime | None]:
        """How many of the person's rows of `kind` are still to go, and the latest due."""
        query = select(func.count(), func.max(OutboxMessage.due_at)).where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.kind == kind,
            OutboxMessage.status.in_([Status.PENDING, Status.SENDING]),
        )
        count, latest = (await self._session.execute(query)).one()
        return int(count), latest

    async def reminded(self, session_id: int) -> set[int]:
        """Members whose reminder for this session went out (to them or their carer)."""
        query = select(OutboxMessage.payload).where(
            OutboxMessage.session_id == session_id,
            OutboxMessage.kind.in_(["reminder", "followup"]),
            OutboxMessage.status.in_([Status.SENT, Status.DELIVERED]),
        )
        return {int(payload["member"]) for payload in await self._session.scalars(query)}

    async def withdraw(self, session_id: int, kinds: Sequence[str], reason: str) -> None:
        """Skip this session's rows of `kinds` not yet sent nor being sent, and free their
        idempotency keys, so they can be planned again (for a session's new time)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.session_id == session_id,
                OutboxMessage.kind.in_(list(kinds)),
                OutboxMessage.status == Status.PENDING,
            )
            .values(
                status=Status.SKIPPED,
                last_error=reason,
                idempotency_key=OutboxMessage.idempotency_key
                + "/withdrawn"
                + cast(OutboxMessage.id, String),
            )
        )

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, row_id)

    async def by_provider_id(self, provider_id: str) -> OutboxMessage | None:
        query = select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
        return (await self._session.scalars(query)).first()

    async def counts(self, **where: Any) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return {status: count for status, count in (await self._session.execute(query)).all()}

    async def settle(
        self,
        row_id: int,
        status: str,
        provider_id: str | None = None,
        error: str | None = None,
        sent_at: datetime | None = None,
        due_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "claimed_until": None}
        if provider_id is not None:
            values["provider_id"] = provider_id
        if error is not None:
            values["last_error"] = error[:200]
        if sent_at is not None:
            values["sent_at"] = sent_at
        if due_at is not None:
            values["due_at"] = due_at
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
        )

    async def keep_for_later(self, row_id: int, due_at: datetime, error: str) -> None:
        """Due again at `due_at`, this try not counted: the provider refused the club's own
        account, which says nothing about the message or the person."""
        attempts = OutboxMessage.attempts
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                status=Status.PENDING,
                claimed_until=None,
                due_at=due_at,
                last_error=error[:200],
                attempts=case((attempts > 0, attempts - 1), else_=0),
            )
        )

    async def keep_in_line(self, row_id: int, person_id: int, kind: str) -> None:
        """The person's rows of `kind` made after `row_id` and waiting fall due no sooner
        than it does: claimed by (due, id), they stay behind it (a reply sent again after a
        flood wait must not be overtaken by the next one)."""
        due = select(OutboxMessage.due_at).where(OutboxMessage.id == row_id).scalar_subquery()
        await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.person_id == person_id,
                OutboxMessage.kind == kind,
                OutboxMessage.status == Status.PENDING,
                OutboxMessage.id > row_id,
                OutboxMessage.due_at < due,
            )
            .values(due_at=due)
            .execution_options(synchronize_session=False)
        )

    async def note_first_part_sent(self, row_id: int, provider_id: str) -> None:
        """The words are out and a second part (a voice note) is still to go: keep the
        claim, and remember the words' id so a restart sends only what is left."""
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(provider_id=provider_id)
        )

    async def release_in_flight(self) -> int:
        """Make every claimed row due again at once. Only for a single dispatcher (SQLite)
        starting up: whatever it finds claimed was left by a dispatcher that died. The
        claim is not counted as an attempt (most of a batch never went), so restarts never
        use up a message's tries."""
        attempts = OutboxMessage.attempts
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == Status.SENDING)
            .values(
                status=Status.PENDING,
                claimed_until=None,
                attempts=case((attempts > 0, attempts - 1), else_=0),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def settle_sent(
        self, sent: Sequence[tuple[int, str | None, str | None]], sent_at: datetime
    ) -> None:
        """Record many rows as sent at once: (row id, provider's id, a note such as a voice
        note that did not go), in one statement per shape of row."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, provider_id, note in sent:
            values: dict[str, Any] = {
                "row_id": row_id,
                "status": Status.SENT,
                "claimed_until": None,
                "sent_at": sent_at,
            }
            if provider_id is not None:
                values["provider_id"] = provider_id
            if note is not None:
                values["last_error"] = note[:200]
            shapes.setdefault(tuple(sorted(values)), []).append(values)
        table = OutboxMessage.__table__
        assert isinstance(table, Table)
        by_id = update(table).where(table.c.id == bindparam("row_id"))
        for rows in shapes.values():  # executemany; a core statement skips the ORM's work a row
            await self._session.execute(by_id, rows)
