"""What the dispatch benchmark builds on: the fake Bot API in its own process, settings
pointing a club at it, and a dispatcher run to the end. The club itself is built by
`tests/clubs.py`, the reminder rows by `tests/club_data.py`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.bootstrap import Club
from config import Settings
from storage.outbox import Status
from tests.clubs import club_settings

__all__ = [
    "ROOT",
    "FakeProcess",
    "drain",
    "settings_for",
    "settled",
]

ROOT = Path(__file__).resolve().parents[1]
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
    """A club sending to the fake Bot API at `base_url` (in its own process)."""
    return club_settings(
        database_url,
        telegram_bot_token="123456789:TEST-fake-token-for-offline-tests",
        telegram_base_url=base_url,
        tts_engine=tts,
        telegram_per_second=per_second,
        telegram_per_chat_per_second=per_chat,
    )


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
