"""What the dispatch benchmark builds on: the fake Bot API in its own process, a club
pointed at it, and reminder rows put straight into the outbox."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from bot.bootstrap import Club, build_club
from config import Settings
from storage.models import ClubSession, Person, PersonRole, Position, utc_now
from storage.outbox import Delivery, Status

__all__ = [
    "ROOT",
    "FakeProcess",
    "club_for",
    "drain",
    "queue_reminders",
    "settled",
]

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 500
STATS_LINE_LIMIT = 64 * 2**20
"""The fake's counters come back as one JSON line, with a count for every chat."""
ANSWER_SECONDS = 60
"""How long the fake may take to answer a command (its stats count every send)."""
UNLIMITED = 1_000_000.0
"""A rate so high the club's own limiter never waits (Settings wants a positive number)."""


@dataclass
class FakeProcess:
    """`benchmarks.fake_telegram_server` in a child process."""

    process: asyncio.subprocess.Process
    port: int

    @classmethod
    async def start(cls) -> FakeProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.fake_telegram_server",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            limit=STATS_LINE_LIMIT,
        )
        fake = cls(process, 0)
        async with asyncio.timeout(ANSWER_SECONDS):
            fake.port = int(await fake._read())
        return fake

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _write(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()

    async def _read(self) -> str:
        assert self.process.stdout is not None
        return (await self.process.stdout.readline()).decode().strip()

    async def _ask(self, line: str) -> str:
        await self._write(line)
        async with asyncio.timeout(ANSWER_SECONDS):
            return await self._read()

    async def limits(self, per_second: int | None, per_chat: int | None) -> None:
        await self._ask(f"limits {per_second or 'none'} {per_chat or 'none'}")

    async def count(self) -> int:
        return int(await self._ask("count"))

    async def until(self, count: int) -> None:
        """Once the fake has taken `count` sends (it looks; this process only waits)."""
        await self._write(f"until {count}")
        await self._read()

    async def stats(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(await self._ask("stats"))
        return found

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"quit\n")
        await self.process.stdin.drain()
        await asyncio.wait_for(self.process.wait(), 30)


def settings_for(
    database_url: str,
    base_url: str,
    tts: Literal["gtts", "offline", "off"] = "off",
    per_second: float = 30.0,
    per_chat: float = 1.0,
) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        telegram_bot_token="123456789:TEST-fake-token-for-offline-tests",
        telegram_base_url=base_url,
        tts_engine=tts,
        telegram_per_second=per_second,
        telegram_per_chat_per_second=per_chat,
        _env_file=None,
    )


async def club_for(settings: Settings) -> Club:
    """A club on `settings`, migrated, its Telegram bot ready to send."""
    club = build_club(settings)
    await club.prepare(demo=False)
    assert club.telegram is not None
    await club.telegram.application.initialize()
    return club


async def close_club(club: Club) -> None:
    if club.telegram is not None:
        await club.telegram.application.shutdown()
    await club.close()


async def queue_reminders(
    club: Club,
    people: int,
    first_chat: int,
    *,
    spoken: bool = False,
    due: datetime | None = None,
    spread: timedelta = timedelta(0),
) -> list[int]:
    """A session three days ahead, `people` members on Telegram, and a reminder row for
    each, due at `due` (now) or spread evenly over `spread` from it. Returns the chats."""
    start = due or utc_now()
    starts = utc_now().replace(microsecond=0) + timedelta(days=3)
    chats = list(range(first_chat, first_chat + people))
    async with club.units() as uow:
        meeting = await uow.sessions.add(
            ClubSession(
                title="Singing",
                activity_key="music",
                place="St Luke's Hall",
                postcode="SE27 9JU",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        for offset in range(0, people, CHUNK):
            batch = [
                Person(
                    name=f"Member {chat}",
                    telegram_id=chat,
                    channels="telegram",
                    spoken=spoken,
                    consent_given_by_name="them",
                )
                for chat in chats[offset : offset + CHUNK]
            ]
            uow.session.add_all(batch)
            await uow.session.flush()
            uow.session.add_all(PersonRole(person_id=p.id, role="member") for p in batch)
            # As after signing up in the chat: a conversation with nothing open.
            uow.session.add_all(
                Position(
                    address=f"telegram:{p.telegram_id}",
                    person_id=p.id,
                    flow="idle",
                    step="idle",
                    data={},
                    question_id=5,
                )
                for p in batch
            )
            step = spread / people if people else timedelta(0)
            await uow.outbox.enqueue(
                [
                    Delivery(
                        p.id,
                        "telegram",
                        "reminder",
                        f"reminder:{meeting.id}:{p.id}:{p.id}:day_before",
                        start + step * (offset + index),
                        {"session": meeting.id, "member": p.id, "kind": "day_before"},
                        meeting.id,
                    )
                    for index, p in enumerate(batch)
                ]
            )
        await uow.commit()
    return chats


async def settled(club: Club) -> dict[str, int]:
    async with club.units() as uow:
        return await uow.outbox.counts()


async def drain(club: Club, fake: FakeProcess | None = None, sends: int = 0) -> None:
    """Run the club's dispatcher, as `python -m bot dispatch` does, until nothing is left
    to send. Given the fake and the sends to expect, it first waits for the fake to have
    them (the fake looks, so the dispatcher's process spends nothing on it), then for
    their records."""
    stop = asyncio.Event()
    running = asyncio.create_task(club.dispatcher().run(stop))
    try:
        if fake is not None:
            taken = asyncio.create_task(fake.until(await fake.count() + sends))
            await asyncio.wait([taken, running], return_when=asyncio.FIRST_COMPLETED)
            if not taken.done():  # the dispatcher stopped short: its error is raised below
                taken.cancel()
        while not running.done():
            counts = await settled(club)  # each look costs the dispatcher's process a query
            if not counts.get(Status.PENDING) and not counts.get(Status.SENDING):
                break
            await asyncio.sleep(0.01 if fake is not None else 0.05)
    finally:
        stop.set()
        await running
