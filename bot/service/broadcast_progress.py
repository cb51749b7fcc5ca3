"""Following a notice as it goes out: "Sent to 45 of 60", then a summary by channel with
the people who could not be reached, for the coordinator who sent it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from conversations import (
    Catalogue,
    Text,
    text,
)
from storage import UnitOfWorkFactory
from storage.models import OutboxMessage, Person
from storage.outbox import Status

__all__ = ["Edit", "Progress", "ProgressShown", "ProgressWatch", "Say", "read_progress"]

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
LONGEST_WATCH_SECONDS = 3600.0
SENT = {Status.SENT, Status.DELIVERED}
WAITING = {Status.PENDING, Status.SENDING}


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    unreached: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.done >= self.total


async def read_progress(units: UnitOfWorkFactory, broadcast_id: int) -> Progress:
    """Counts of a notice's rows, per person: a row moved to another channel counts once,
    where it ended. Read in one statement, so a row the dispatcher settles meanwhile is
    counted in every figure or in none (separate reads could call a notice finished while
    its count by channel still missed the last rows)."""
    progress = Progress()
    async with units() as uow:
        query = select(OutboxMessage.person_id, OutboxMessage.channel, OutboxMessage.status).where(
            OutboxMessage.broadcast_id == broadcast_id
        )
        rows: dict[int, list[tuple[str, str]]] = {}
        for person_id, channel, status in (await uow.session.execute(query)).all():
            rows.setdefault(person_id, []).append((channel, status))
        waiting = 0
        failed_ids: list[int] = []
        for person_id, tried in rows.items():
            sent = next((c for c, status in tried if status in SENT), None)
            if sent is not None:
                progress.sent_by_channel[sent] = progress.sent_by_channel.get(sent, 0) + 1
            elif any(status in WAITING for _, status in tried):
                waiting += 1
            elif any(status == Status.FAILED for _, status in tried):
                failed_ids.append(person_id)
        names = await uow.session.scalars(select(Person.name).where(Person.id.in_(failed_ids)))
        progress.unreached = sorted(names)
        progress.total = sum(progress.sent_by_channel.values()) + len(failed_ids) + waiting
        progress.done = progress.total - waiting
    return progress


Say = Callable[[str], Awaitable[object]]
"""Show words to the coordinator; returns the message shown, for `Edit`."""
Edit = Callable[[object, str], Awaitable[None]]
ProgressShown = Callable[[str], tuple[Say, Edit | None]]
"""A channel's way to show progress to the coordinator at one handle (a chat id)."""


class ProgressWatch:
    """Sends one progress message and keeps it up to date, then the summary."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        catalogue: Catalogue,
        shown_on: Mapping[str, ProgressShown],
    ) -> None:
        """`shown_on`: how each channel the coordinator may write from shows progress."""
        self._units = units
        self._catalogue = catalogue
        self._shown_on = shown_on
        self._tasks: set[asyncio.Task[None]] = set()

    async def follow_notice(self, broadcast_id: int, address: str) -> None:
        """Follow a notice for the coordinator who sent it, where they sent it from."""
        channel, _, handle = address.partition(":")
        shown = self._shown_on.get(channel)
        if shown is not None:
            self.follow(broadcast_id, *shown(handle))

    def follow(self, broadcast_id: int, say: Say, edit: Edit | None) -> None:
        task = asyncio.create_task(self._follow(broadcast_id, say, edit))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, broadcast_id: int, say: Say, edit: Edit | None) -> None:
        try:
            progress = await read_progress(self._units, broadcast_id)
            shown = self._words(text("notice.progress", done=progress.done, total=progress.total))
            message = await say(shown)
            waited = 0.0
            while not progress.finished and waited < LONGEST_WATCH_SECONDS:
                await asyncio.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
                progress = await read_progress(self._units, broadcast_id)
                now = self._words(text("notice.progress", done=progress.done, total=progress.total))
                if edit is not None and now != shown:
                    await edit(message, now)
                    shown = now
            await say(self.summary(progress))
        except Exception:
            log.exception("could not follow notice %s", broadcast_id)

    def summary(self, progress: Progress) -> str:
        lines = [self._words(text("notice.finished", sent=sum(progress.sent_by_channel.values())))]
        for channel, count in sorted(progress.sent_by_channel.items()):
            lines.append(
                self._words(
                    text("notice.by_channel", channel=text(f"channel.{channel}"), count=count)
                )
            )
        if progress.unreached:
            lines.append(self._words(text("notice.unreached", names=", ".join(progress.unreached))))
        return "\n".join(lines)

    def _words(self, message: Text) -> str:
        return self._catalogue.render("en", message)

    async def wait(self) -> None:
        """For tests and shutdown: let running watches finish."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
