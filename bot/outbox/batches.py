"""Rows claimed together, and how many a channel takes at once: a batch is as large as
the channel can send in a fraction of a lease, so no claimed row waits out its lease."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from bot.outbox.composer import Skipped
from bot.outbox.delivery import Outgoing, Paced, Sender, TakesRows

__all__ = ["BATCH", "LEASE", "ROWS_AT_ONCE", "Batch", "batch_size", "rows_at_once"]

BATCH = 200
LEASE = timedelta(minutes=2)
ROWS_AT_ONCE = 32
"""Per channel: rows being sent at once. A row may wait over a second for its moment (a
voice note one second after its words, to the same chat), so this is not how many
requests are in flight; each sender limits those itself."""


@dataclass
class Batch:
    """Rows claimed together, composed and on their way."""

    size: int
    ready: list[Outgoing]
    skipped: list[Skipped]
    spoken_before: dict[int, str]
    """Rows whose words went before a restart: their provider's id."""
    admitted: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once every row has begun sending: the next batch may be claimed and composed
    while these finish, so the pace never drops at the end of a batch (when only voice
    notes are left, each waiting a second for its chat)."""
    started: int = 0

    def admit(self) -> None:
        self.started += 1
        if self.started >= len(self.ready):
            self.admitted.set()


def rows_at_once(sender: Sender, most: int) -> int:
    own = sender.rows_at_once if isinstance(sender, TakesRows) else None
    return most if own is None else min(most, own)


def batch_size(sender: Sender) -> int:
    if not isinstance(sender, Paced) or not sender.interval:
        return BATCH
    return max(1, min(BATCH, int(LEASE.total_seconds() / 8 / sender.interval)))
