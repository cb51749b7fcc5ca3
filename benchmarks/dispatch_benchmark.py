"""Dispatch figures: `python -m benchmarks.dispatch_benchmark [--part a|b|c|d|e|all]`.

(a) Throughput against the fake Bot API with its limits off, on SQLite and PostgreSQL,
    beside a bare python-telegram-bot loop that only calls send_message, at the same
    concurrency.
(b) 30 a second overall and 1 a second per chat enforced by the fake: a 1,000-person
    reminder run, words and a voice note each (offline speech), against 1.05 x sent / 30.
(c) 20 SIGKILLs at random points of a 500-person run: lost and repeated reminders.
(d) 4 `python -m bot dispatch` processes on PostgreSQL over 10,000 rows: each sent once.
(e) The delay from due to sent, median and 99th percentile, for reminders falling due
    steadily at Telegram's pace (and for the burst of part b).

The fake runs in a process of its own (see benchmarks/fake_telegram_server.py). Figures
are medians where a part repeats; they go in the README, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from benchmarks.common import cpu_seconds, ensure_database, postgres_pids, wipe_postgres
from benchmarks.dispatch_setup import (
    ROOT,
    UNLIMITED,
    FakeProcess,
    drain,
    settings_for,
    settled,
)
from bot.channels.telegram.sender import REQUESTS_IN_FLIGHT
from bot.cli.long_run import settle_for_a_long_run
from bot.outbox.dispatcher import Dispatcher
from storage.models import OutboxMessage, utc_now
from storage.outbox import Status
from tests.club_data import queue_reminders
from tests.clubs import close_club, club_for
from tests.fork_server import ForkServer

CONCURRENCY = REQUESTS_IN_FLIGHT
"""The Telegram sender's requests in flight; the bare loop uses the same."""
WORDS = (
    "Reminder: music at the Singing, Thursday 3 December, at 10:30 in the morning.\n\n"
    "It is at St Luke's Hall, SE27 9JU.\n\nAre you coming?"
)


def buttons(chat: int) -> InlineKeyboardMarkup:
    """A reminder's buttons, each person's own (python-telegram-bot sends one markup object
    again for about 0.2 ms less than a new one, so the bare loop gets its own each)."""
    labels = {"coming": "✅ Yes, coming", "not_coming": "❌ Not this time"}
    labels["need_help"] = "🚗 Help getting there"
    rows = [
        [InlineKeyboardButton(label, callback_data=f"q1:s1m{chat}.{answer}")]
        for answer, label in labels.items()
    ]
    rows.append([InlineKeyboardButton("🙋 Talk to a person", callback_data="q1:person")])
    return InlineKeyboardMarkup(rows)


POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/dispatch_benchmark"

Row = tuple[str, str]


def _sqlite_url(folder: str, name: str) -> str:
    return f"sqlite+aiosqlite:///{Path(folder) / name}"


async def _timed(work: Awaitable[Any]) -> float:
    start = time.perf_counter()
    await work
    return time.perf_counter() - start


async def bare_loop(bot: Bot, chats: list[int]) -> None:
    """python-telegram-bot alone: send_message to every chat, CONCURRENCY at a time, the
    same words and each person's own buttons (made before the loop starts). Written the
    usual way: a task a chat, CONCURRENCY let through a semaphore at once."""
    gate = asyncio.Semaphore(CONCURRENCY)
    markups = {chat: buttons(chat) for chat in chats}

    async def one(chat: int) -> None:
        async with gate:
            await bot.send_message(chat, WORDS, reply_markup=markups[chat])

    await asyncio.gather(*(one(chat) for chat in chats))


async def bare_workers(bot: Bot, chats: list[int]) -> None:
    """The same, written the fastest way found: CONCURRENCY workers taking the chats in
    turn, each going straight on to its next (woken together, the semaphore's waiters
    reach httpx's pool in one turn of the loop and race for a connection)."""
    markups = {chat: buttons(chat) for chat in chats}
    waiting = iter(chats)

    async def worker() -> None:
        for chat in waiting:
            await bot.send_message(chat, WORDS, reply_markup=markups[chat])

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


BARE_LOOPS = {"bare, semaphore": bare_loop, "bare, workers": bare_workers}
OURS = "dispatcher (claim, compose, send, record)"


# ------------------------------------------------------------------------------ (a)


@dataclass
class Phase:
    """One way of sending a run's messages: its rate, and the CPU each message cost in
    our process, in the fake Bot API's, and in the database server's."""

    rate: float
    ours_ms: float
    fake_ms: float
    database_ms: float


class _CpuWatch:
    """CPU used by this process, the fake and PostgreSQL between `start` and `stop`."""

    def __init__(self, fake: FakeProcess) -> None:
        self._groups: dict[str, list[int]] = {
            "ours": [os.getpid()],
            "fake": [fake.process.pid],
            "database": postgres_pids(),
        }
        self._began: dict[str, float] = {}
        self._clock = 0.0

    def start(self) -> None:
        self._began = {name: cpu_seconds(pids) for name, pids in self._groups.items()}
        self._clock = time.perf_counter()

    def stop(self, messages: int) -> Phase:
        took = time.perf_counter() - self._clock
        used = {
            name: (cpu_seconds(pids) - self._began[name]) * 1000 / messages
            for name, pids in self._groups.items()
        }
        return Phase(messages / took, used["ours"], used["fake"], used["database"])


async def part_a(repeats: int, people: int, postgres_url: str) -> list[Row]:
    """On SQLite (one process, aiosqlite's worker thread) and on PostgreSQL (production),
    each run beside both bare loops in the same moment of the machine's load. The process
    is set for a long run as `python -m bot dispatch` is (the bare loops share it)."""
    settle_for_a_long_run()
    fake = await FakeProcess.start()
    phases: dict[str, dict[str, list[Phase]]] = {"SQLite": {}, "PostgreSQL": {}}
    try:
        for run in range(repeats):
            for database, runs in phases.items():
                with tempfile.TemporaryDirectory() as folder:
                    url = _sqlite_url(folder, "a.sqlite3")
                    if database == "PostgreSQL":
                        await ensure_database(postgres_url)
                        await wipe_postgres(postgres_url)
                        url = postgres_url
                    measured = await _one_part_a_run(fake, url, run, people)
                for name, phase in measured.items():
                    runs.setdefault(name, []).append(phase)
                print(
                    f"  (a) run {run + 1}, {database}: "
                    + ", ".join(
                        f"{name} {phase.rate:.0f}/s ({phase.ours_ms:.2f} ms CPU a message)"
                        for name, phase in measured.items()
                    )
                )
        stats = await fake.stats()
    finally:
        await fake.stop()
    rows: list[Row] = []
    for database, runs in phases.items():
        rows += _part_a_rows(database, runs)
    rows.append(("(a) messages per run; 429s", f"{people}; {stats['rejected_by_limit']}"))
    return rows


def _middle(runs: list[Phase], field: str) -> float:
    return statistics.median([float(getattr(run, field)) for run in runs])


def _part_a_rows(database: str, runs: dict[str, list[Phase]]) -> list[Row]:
    ours = runs[OURS]
    rows: list[Row] = [
        (
            f"(a) {database}: {name}, {CONCURRENCY} at a time",
            f"{_middle(phases, 'rate'):.0f} messages/s; CPU a message in our process "
            f"{_middle(phases, 'ours_ms'):.2f} ms, in the fake {_middle(phases, 'fake_ms'):.2f} ms",
        )
        for name, phases in runs.items()
    ]
    for name in BARE_LOOPS:
        ratios = [our.rate / bare.rate for bare, our in zip(runs[name], ours, strict=True)]
        cpu = _middle(runs[name], "ours_ms") / _middle(ours, "ours_ms")
        rows.append(
            (
                f"(a) {database}: dispatcher / {name}, run by run (same moment)",
                f"median {statistics.median(ratios):.2f}, runs "
                f"{', '.join(f'{ratio:.2f}' for ratio in ratios)} (target >= 0.8); "
                f"by CPU a message {cpu:.2f}",
            )
        )
    rows.append(
        (
            f"(a) {database}: dispatcher on a core of its own (1 / its CPU a message); "
            "PostgreSQL server's CPU a message",
            f"{1000 / _middle(ours, 'ours_ms'):.0f} messages/s; "
            f"{_middle(ours, 'database_ms'):.2f} ms",
        )
    )
    return rows


async def _one_part_a_run(fake: FakeProcess, url: str, run: int, people: int) -> dict[str, Phase]:
    """Each bare loop's run, then the dispatcher's, over `people` new chats each."""
    settings = settings_for(url, fake.base_url, "off", UNLIMITED, UNLIMITED)
    club = await club_for(settings)
    measured: dict[str, Phase] = {}
    try:
        assert club.telegram is not None
        bot = club.telegram.application.bot
        base = 1_000_000 + run * 10 * people
        await bare_loop(bot, list(range(base - 50, base)))  # warm the connections
        watch = _CpuWatch(fake)
        for offset, (name, loop) in enumerate(BARE_LOOPS.items()):
            chats = list(range(base + offset * people, base + (offset + 1) * people))
            watch.start()
            await loop(bot, chats)
            measured[name] = watch.stop(people)
        await queue_reminders(club, people, base + 5 * people)
        watch.start()
        await drain(club, fake, people)
        measured[OURS] = watch.stop(people)
        counts = await settled(club)
        assert counts == {Status.SENT: people}, counts
    finally:
        await close_club(club)
    return measured


# ------------------------------------------------------------------------------ (b)


async def part_b(people: int) -> tuple[list[Row], list[float]]:
    fake = await FakeProcess.start()
    try:
        await fake.limits(30, 1)
        with tempfile.TemporaryDirectory() as folder:
            settings = settings_for(_sqlite_url(folder, "b.sqlite3"), fake.base_url, "offline")
            club = await club_for(settings)
            try:
                await queue_reminders(club, people, 2_000_000, spoken=True)
                took = await _timed(drain(club))
                assert await settled(club) == {Status.SENT: people}
                delays = await _delays(club)
            finally:
                await close_club(club)
        stats = await fake.stats()
    finally:
        await fake.stop()
    sent = stats["accepted"]
    bound = 1.05 * sent / 30
    return [
        ("(b) sends (words + voice notes)", f"{sent} ({stats['voices']} voice notes)"),
        (
            "(b) run time, start to last record",
            f"{took:.1f} s (bound 1.05 x {sent}/30 = {bound:.1f} s)",
        ),
        ("(b) first to last send at the fake", f"{stats['last_send'] - stats['first_send']:.1f} s"),
        (
            "(b) 429s; busiest second overall; per chat",
            f"{stats['rejected_by_limit']}; {stats['busiest_second']}; "
            f"{stats['busiest_chat_second']}",
        ),
    ], delays


async def _delays(club: Any) -> list[float]:
    async with club.units() as uow:
        rows = (
            await uow.session.execute(select(OutboxMessage.due_at, OutboxMessage.sent_at))
        ).all()
    return sorted((sent - due).total_seconds() for due, sent in rows if sent is not None)


# ------------------------------------------------------------------------------ (c)


def _dispatch_environment(database_url: str, fake: FakeProcess, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_")) and key != "DATABASE_URL"
    }
    return environment | {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": "123456789:TEST-fake-token-for-offline-tests",
        "TELEGRAM_BASE_URL": fake.base_url,
        "TTS_ENGINE": "off",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


async def _until_count(fake: FakeProcess, count: int) -> None:
    while await fake.count() < count:  # noqa: ASYNC110 - another process's counter
        await asyncio.sleep(0.01)


async def _until_all_sent(club: Any, people: int) -> None:
    """Until every row is settled (sent, or failed for good), however it got there."""
    while True:
        counts = await settled(club)
        if not counts.get(Status.PENDING) and not counts.get(Status.SENDING):
            return
        await asyncio.sleep(0.2)


async def part_c(people: int, kills: int) -> list[Row]:
    fake = await FakeProcess.start()
    await fake.limits(30, 1)
    with tempfile.TemporaryDirectory() as folder:
        url = _sqlite_url(folder, "c.sqlite3")
        club = await club_for(settings_for(url, fake.base_url))
        chats = await queue_reminders(club, people, 3_000_000)
        environment = _dispatch_environment(url, fake)
        log_path = Path(folder) / "dispatch.log"
        forks = await ForkServer.start(environment, log_path)
        log = log_path.open("ab")
        points = sorted(random.Random().sample(range(5, people - 5), kills))
        start = time.perf_counter()
        first = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "dispatch",
            env=environment,
            cwd=folder,
            stdout=log,
            stderr=log,
        )
        await _until_count(fake, points[0])
        first.send_signal(signal.SIGKILL)
        await first.wait()
        for point in points[1:]:
            pid = await forks.dispatcher()
            await _until_count(fake, point)
            os.kill(pid, signal.SIGKILL)
            await forks.wait(pid)
        pid = await forks.dispatcher()
        await _until_all_sent(club, people)
        took = time.perf_counter() - start
        os.kill(pid, signal.SIGTERM)
        exit_code = await forks.wait(pid)
        await forks.close()
        log.close()
        await close_club(club)
    stats = await fake.stats()
    await fake.stop()
    texts = stats["texts_by_chat"]
    lost = sum(1 for chat in chats if texts.get(str(chat), 0) == 0)
    repeated = sum(max(0, texts.get(str(chat), 0) - 1) for chat in chats)
    return [
        (
            "(c) kills (SIGKILL) at random points of the run",
            f"{kills} (after {points[:3]}... sends)",
        ),
        ("(c) reminders lost", f"{lost} of {people}"),
        ("(c) reminders sent twice", f"{repeated} (target <= {kills})"),
        ("(c) run time with the kills; last exit code", f"{took:.1f} s; {exit_code}"),
    ]


# ------------------------------------------------------------------------------ (d)


async def part_d(url: str, rows: int, processes: int) -> list[Row]:
    await ensure_database(url)
    await wipe_postgres(url)
    fake = await FakeProcess.start()
    club = await club_for(settings_for(url, fake.base_url, "off", UNLIMITED, UNLIMITED))
    try:
        chats = await queue_reminders(club, rows, 4_000_000)
        environment = _dispatch_environment(
            url,
            fake,
            TELEGRAM_PER_SECOND=str(UNLIMITED),
            TELEGRAM_PER_CHAT_PER_SECOND=str(UNLIMITED),
        )
        with tempfile.TemporaryDirectory() as folder:
            log = (Path(folder) / "dispatch.log").open("ab")
            workers = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "dispatch",
                    env=environment,
                    cwd=folder,
                    stdout=log,
                    stderr=log,
                )
                for _ in range(processes)
            ]
            start = time.perf_counter()
            await _until_all_sent(club, rows)
            took = time.perf_counter() - start
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [await worker.wait() for worker in workers]
            log.close()
        stats = await fake.stats()
    finally:
        await close_club(club)
        await fake.stop()
    texts = stats["texts_by_chat"]
    once = sum(1 for chat in chats if texts.get(str(chat), 0) == 1)
    twice = sum(1 for chat in chats if texts.get(str(chat), 0) > 1)
    return [
        (f"(d) {processes} dispatch processes, PostgreSQL, rows", f"{rows}"),
        ("(d) sent exactly once; more than once; never", f"{once}; {twice}; {rows - once - twice}"),
        ("(d) time to send them all (processes started)", f"{took:.1f} s; exit codes {codes}"),
    ]


# ------------------------------------------------------------------------------ (e)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def part_e(people: int, over: float) -> tuple[list[Row], list[float]]:
    fake = await FakeProcess.start()
    await fake.limits(30, 1)
    try:
        with tempfile.TemporaryDirectory() as folder:
            club = await club_for(settings_for(_sqlite_url(folder, "e.sqlite3"), fake.base_url))
            try:
                due = utc_now() + timedelta(seconds=2)
                spread = timedelta(seconds=over)
                await queue_reminders(club, people, 5_000_000, due=due, spread=spread)
                stop = asyncio.Event()
                dispatcher: Dispatcher = club.dispatcher()
                running = asyncio.create_task(dispatcher.run(stop))
                await _until_all_sent(club, people)
                stop.set()
                await running
                delays = await _delays(club)
            finally:
                await close_club(club)
    finally:
        await fake.stop()
    return [
        (
            f"(e) {people} reminders falling due over {over:.0f} s",
            f"one every {over / people * 1000:.0f} ms",
        ),
    ], delays


def _delay_rows(label: str, delays: list[float]) -> list[Row]:
    return [
        (
            f"(e) due to sent, {label}: median; 99th percentile",
            f"{statistics.median(delays):.2f} s; {_percentile(delays, 0.99):.2f} s",
        )
    ]


# ----------------------------------------------------------------------------- main


def _print(rows: list[Row]) -> None:
    width = max(len(name) for name, _ in rows)
    print()
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


async def run(arguments: argparse.Namespace) -> None:
    parts = "abcde" if arguments.part == "all" else arguments.part
    rows: list[Row] = []
    load = os.getloadavg()
    rows.append(("machine load (1, 5, 15 min) at the start", " ".join(f"{x:.2f}" for x in load)))
    if "a" in parts:
        rows += await part_a(arguments.repeats, arguments.people_a, arguments.postgres_url)
    burst: list[float] = []
    if "b" in parts:
        found, burst = await part_b(arguments.people_b)
        rows += found
    if "c" in parts:
        rows += await part_c(arguments.people_c, arguments.kills)
    if "d" in parts:
        rows += await part_d(arguments.postgres_url, arguments.rows_d, arguments.processes)
    if "e" in parts:
        found, steady = await part_e(arguments.people_e, arguments.over)
        rows += found + _delay_rows("steady", steady)
        if burst:
            rows += _delay_rows(f"burst of {arguments.people_b} due at once (b)", burst)
    load = os.getloadavg()
    rows.append(("machine load (1, 5, 15 min) at the end", " ".join(f"{x:.2f}" for x in load)))
    _print(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dispatch_benchmark")
    parser.add_argument("--part", default="all", help="a, b, c, d, e, several (ace) or all")
    parser.add_argument("--repeats", type=int, default=3, help="runs of (a); the median counts")
    parser.add_argument("--people-a", type=int, default=2000)
    parser.add_argument("--people-b", type=int, default=1000)
    parser.add_argument("--people-c", type=int, default=500)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--rows-d", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--people-e", type=int, default=300)
    parser.add_argument("--over", type=float, default=20.0, help="seconds (e)'s rows fall due over")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="(a) and (d); wiped first")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
