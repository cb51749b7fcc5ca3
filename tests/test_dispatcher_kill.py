"""`python -m bot dispatch` killed (SIGKILL) at random moments during a run of reminders
and started again: every reminder arrives, and no more are repeated than it was killed.

The first run is `python -m bot dispatch` itself. The restarts run the same entry point,
`bot.cli.main.main(["dispatch"])`, in processes forked from one that has already imported the
program: a Python start costs seconds on a busy machine, and the test has four of them."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from storage import UnitOfWorkFactory, open_database
from storage.outbox import Status
from tests.club_data import queue_reminders
from tests.clubs import club_settings, prepared_club
from tests.fakes.telegram_api import FakeBotApi
from tests.fork_server import ForkServer

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 60
KILLS = 3
FIRST_CHAT = 50_000
WAIT_SECONDS = 30.0
"""How long a run may take before the test fails (a failure, never a pass condition)."""


async def outbox_counts(database_url: str) -> dict[str, int]:
    engine = open_database(database_url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            return await uow.outbox.counts()
    finally:
        await engine.dispose()


def dispatch_environment(database_url: str, fake: FakeBotApi) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_")) and key != "DATABASE_URL"
    }
    return environment | {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{fake.port}",
        "TTS_ENGINE": "off",
        "PYTHONPATH": str(ROOT),
    }


async def start_dispatcher(
    environment: dict[str, str], log: Path, command: Sequence[str] = ("dispatch",)
) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *command,
            env=environment,
            cwd=log.parent,
            stdout=sink,
            stderr=sink,
        )


async def until(condition: object, what: str, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            shown = log.read_text()[-3000:]  # noqa: ASYNC240 - only on the way to failing
            raise AssertionError(f"timed out waiting for {what}:\n{shown}")
        await asyncio.sleep(0.005)


async def all_sent(database_url: str, log: Path) -> None:
    """Until every row is recorded as sent: a row that met a flood wait goes again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while (counts := await outbox_counts(database_url)) != {Status.SENT: PEOPLE}:
        if loop.time() > deadline:
            shown = log.read_text()[-3000:]  # noqa: ASYNC240 - only on the way to failing
            raise AssertionError(f"the outbox stayed at {counts}:\n{shown}")
        await asyncio.sleep(0.05)


def duplicates(fake: FakeBotApi, chats: Sequence[int]) -> int:
    return sum(max(0, fake.accepted_by_chat[chat] - 1) for chat in chats)


async def test_killed_at_random_moments_every_reminder_arrives_with_few_repeats(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'club.sqlite3'}"
    async with prepared_club(club_settings(database_url, tts_engine="off"), demo=False) as club:
        chats = await queue_reminders(club, PEOPLE, FIRST_CHAT)
    kill_after = sorted(random.Random().sample(range(2, PEOPLE - 2), KILLS))
    log = tmp_path / "dispatch.log"
    async with FakeBotApi() as fake:
        fake.limits(per_second=30, per_chat_per_second=1)  # Telegram's pace: kills land mid-run
        environment = dispatch_environment(database_url, fake)
        first, server = await asyncio.gather(
            start_dispatcher(environment, log), ForkServer.start(environment, log)
        )
        try:
            await until(lambda: fake.accepted_sends >= kill_after[0], "the first sends", log)
            first.send_signal(signal.SIGKILL)
            assert await first.wait() == -signal.SIGKILL
            for count in kill_after[1:]:
                pid = await server.dispatcher()
                await until(lambda n=count: fake.accepted_sends >= n, f"{count} sends", log)
                os.kill(pid, signal.SIGKILL)
                assert await server.wait(pid) == -signal.SIGKILL
            pid = await server.dispatcher()
            reached = lambda: all(fake.accepted_by_chat[chat] for chat in chats)  # noqa: E731
            await until(reached, "every chat to get its reminder", log)
            await all_sent(database_url, log)
            os.kill(pid, signal.SIGTERM)
            assert await server.wait(pid) == 0, log.read_text()
        finally:
            await server.close()
    repeated = duplicates(fake, chats)
    twice = sorted((chat, n) for chat, n in fake.accepted_by_chat.items() if n > 1)
    assert repeated <= KILLS, f"{repeated} repeats after kills at {kill_after}: {twice}"
    # (A restarted dispatcher does not know when the dead one last wrote to a chat, so
    # Telegram may ask it to wait a second there: a 429 after a kill is expected.)
