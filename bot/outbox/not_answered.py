"""A member's reminder call not answered (or busy) on its last try: the people who care
for them get the reminder on their own channel, so they can answer for them; with no
carer, the coordinator is told instead."""

from __future__ import annotations

from datetime import datetime

from storage import UnitOfWork
from storage.models import OutboxMessage
from storage.outbox import Delivery

__all__ = ["NOT_ANSWERED", "tell_carers"]

NOT_ANSWERED = frozenset({"no-answer", "busy"})
"""Twilio's call statuses for a ringing nobody picked up, or a line in use."""


async def tell_carers(uow: UnitOfWork, row: OutboxMessage, now: datetime) -> str | None:
    """Queue the reminder for each carer; returns the member's name when nobody cares for
    them (the coordinator must hear of it), else None. A carer's own call not answered
    (about someone else) goes no further."""
    member_id = int(row.payload.get("member", row.person_id))
    if row.kind != "reminder" or member_id != row.person_id:
        return None
    carers = [carer for carer in await uow.people.carers_of(member_id) if carer.channel_order]
    await uow.outbox.enqueue(
        [
            Delivery(
                carer.id,
                carer.channel_order[0],
                row.kind,
                f"{row.idempotency_key}>carer:{carer.id}",
                now,
                dict(row.payload),
                row.session_id,
            )
            for carer in carers
        ]
    )
    if carers:
        return None
    member = await uow.people.get(member_id)
    return member.name if member is not None else None
