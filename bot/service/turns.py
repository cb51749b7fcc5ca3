"""One person's inputs take turns in this process: a lock per address, held by one task at
a time. Across processes, the database's lock on the conversation does the same
(`RecordsRepository.take_turn`); this one also covers what follows the commit (the
replies going out), so one person's replies leave in the order their inputs were read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["Turns"]


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holder: asyncio.Task[object] | None = None
    users: int = 0
    """Tasks holding or waiting for this turn; at none, the turn is forgotten."""


class Turns:
    """Locks by address, kept only while someone holds or waits for one. A task that holds
    an address's turn may enter it again (a channel holds it around the dialogue, which
    takes it too)."""

    def __init__(self) -> None:
        self._turns: dict[str, _Turn] = {}

    @asynccontextmanager
    async def of(self, address: str) -> AsyncIterator[None]:
        task = asyncio.current_task()
        turn = self._turns.get(address)
        if turn is not None and task is not None and turn.holder is task:
            yield
            return
        turn = self._turns.setdefault(address, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                turn.holder = task
                try:
                    yield
                finally:
                    turn.holder = None
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[address]

    def __len__(self) -> int:
        """Addresses whose turn is held or awaited now."""
        return len(self._turns)
