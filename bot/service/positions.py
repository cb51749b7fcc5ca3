"""Where each person's conversation stands, written here and nowhere else, and only as
the engine decided it (its `Outcome.position`). A test holds every other module to that."""

from __future__ import annotations

from conversations import Position
from storage import UnitOfWork
from storage.models import Position as PositionRow

__all__ = ["forget_position", "keep_position", "load_position", "position_of"]


def position_of(row: PositionRow | None) -> Position | None:
    """The engine's view of a stored position (a copy: the engine's notes are its own)."""
    if row is None:
        return None
    return Position(row.flow, row.step, dict(row.data), row.question_id)


async def load_position(uow: UnitOfWork, address: str) -> PositionRow | None:
    """The person's open question, theirs alone until the unit of work ends."""
    return await uow.records.position_to_change(address)


def keep_position(
    uow: UnitOfWork,
    address: str,
    person_id: int | None,
    position: Position,
    row: PositionRow | None,
) -> PositionRow:
    """Store the engine's new position over `row`, the address's row as read in this
    unit of work (None when it has none yet)."""
    return uow.records.place(
        row, address, person_id, position.flow, position.step, position.data, position.question_id
    )


async def forget_position(uow: UnitOfWork, address: str) -> None:
    """After "forget me": nothing of the conversation is kept."""
    await uow.records.forget_position(address)
