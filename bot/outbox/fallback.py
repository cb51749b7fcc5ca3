"""When a channel fails a person for good: note it, and send the same message on the
next channel in their own order. Used by the dispatcher and by Twilio's status reports."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.outbox.composer import Composer
from bot.outbox.replies import REPLY
from storage import UnitOfWork
from storage.outbox import Delivery, Status

__all__ = ["fall_back"]


async def fall_back(
    uow: UnitOfWork,
    composer: Composer,
    channels: Collection[str],
    row_id: int,
    error: str,
    permanent: bool,
    now: datetime,
) -> tuple[str, str] | None:
    """Returns (person's name, failed channel) for the coordinators' alert, if any."""
    row = await uow.outbox.get(row_id)
    if row is None:
        return None
    await uow.outbox.settle(row_id, Status.FAILED, error=error)
    person = await uow.people.get(row.person_id)
    if person is None:
        return None
    if permanent:
        await uow.people.mark_unreachable(person.id, row.channel, error)
    # Never the same way again for this message (a passing failure that kept coming does
    # not mark the channel), nor one this message already failed on earlier in its chain.
    tried = {row.channel, *row.idempotency_key.split(">")[1:]}
    untried = [channel for channel in channels if channel not in tried]
    following = await composer.pick_channel(uow, person, row.channel, untried)
    if row.kind == REPLY:  # a reply belongs to the chat it answers
        following = None
    if following is not None:
        await uow.outbox.enqueue(
            [
                Delivery(
                    person.id,
                    following,
                    row.kind,
                    f"{row.idempotency_key}>{following}",
                    now,
                    dict(row.payload),
                    row.session_id,
                    row.broadcast_id,
                )
            ]
        )
    return person.name, row.channel
