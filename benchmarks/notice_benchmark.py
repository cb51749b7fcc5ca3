"""A coordinator's notice to 1,000 people, end to end: `python -m benchmarks.notice_benchmark`.

The confirm goes through the real path (the dialogue: engine, recorder, queue_broadcast,
commit), then the outbox dispatcher sends every row through the real senders
(python-telegram-bot and twilio-python) to the fake Bot API and the fake Twilio API. The
fakes run in a process of their own (this module with --serve-fakes), so their work does
not share the club's event loop. 700 people are on Telegram, a third of them with spoken
versions on (the words, then an OGG/Opus voice note made once by the offline engine and
sent to each of them), and 300 get a text message.

Two settings, each run --runs times (default 3) on a fresh database; medians are printed:

- unlimited: the fakes' limits off and the club's own pacing far above them, so the
  figure is what the queue, the dispatcher, the senders and the database manage;
- realistic: the fake Bot API enforces Telegram's 30 sends a second overall and 1 a second
  per chat, and the club paces at its defaults (30/s, 1/s per chat); the fake Twilio API
  takes 10 texts a second from the club's number (a short code or a Messaging Service;
  a UK long code is nearer 1 a second) and the club paces at 10.

"Sent" is the last row settled; the coordinator's summary follows within the progress
watch's 2-second poll. Each run also times one coordinator step (the preview), which
counts every group's reach. Figures go in the README, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import wipe_postgres
from bot.bootstrap import Club, build_club
from bot.service.broadcast_progress import read_progress
from config import Settings
from conversations import Input
from storage.models import Broadcast, OutboxMessage, Person, PersonRole
from storage.outbox import Status
from tests.fakes.telegram_api import CallRecord, FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 1_000
ON_TELEGRAM = 700
SPOKEN_EVERY = 3
"""Every third person on Telegram has spoken versions on."""
CLUB_NUMBER = "+447700900001"
PUBLIC_URL = "https://club.example.org"
COORDINATOR_CHAT = 7_000
WORDS = "The hall is closed on Friday for repairs. The Tuesday Club meets as usual next week."
AS_SENT = f"A message from the Healthy Living Club: {WORDS}"
UNLIMITED = 1_000.0
"""The club's own pace when the fakes have no limits: far above what the pipeline reaches."""
SETTINGS: dict[str, dict[str, float]] = {
    "unlimited": {
        "telegram_per_second": UNLIMITED,
        "telegram_per_chat_per_second": UNLIMITED,
        "twilio_per_second": UNLIMITED,
    },
    "realistic": {
        "telegram_per_second": 30.0,
        "telegram_per_chat_per_second": 1.0,
        "twilio_per_second": 10.0,
    },
}
FAKE_LIMITS: dict[str, tuple[int | None, int | None, int | None]] = {
    "unlimited": (None, None, None),
    "realistic": (30, 1, 10),
}
"""(Telegram per second, Telegram per chat per second, texts per second) the fakes enforce."""
IDLE_SECONDS = 0.05
LONGEST_RUN_SECONDS = 900.0


# ---------------------------------------------------------------- the fakes' process


async def serve_fakes() -> None:
    """Both fakes on 127.0.0.1; reads commands on stdin, answers one JSON line each."""
    loop = asyncio.get_running_loop()
    async with FakeBotApi() as bot, FakeTwilioApi() as twilio:
        print(
            json.dumps(
                {
                    "bot_token": bot.token,
                    "bot_url": f"http://127.0.0.1:{bot.port}",
                    "twilio_url": twilio.base_url,
                    "sid": twilio.account_sid,
                    "token": twilio.auth_token,
                }
            ),
            flush=True,
        )
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).split():
            if line[0] == "limits":
                overall, per_chat, texts = (None if v == "none" else int(v) for v in line[1:])
                bot.limits(overall, per_chat)
                twilio.per_number_rate(texts)
                answer: dict[str, Any] = {"ok": True}
            elif line[0] == "counts":
                notices = [m for m in bot.sent_messages() if m.get("text") == AS_SENT]
                answer = {
                    "telegram_notices": len(notices),
                    "telegram_chats": len({m["chat"]["id"] for m in notices}),
                    "voice_notes": len(bot.sent_voices()),
                    "telegram_refused": bot.rejected_by_limit,
                    "telegram_busiest_second": bot.max_sends_in_any_second(),
                    "texts": sum(1 for m in twilio.messages if m.body == AS_SENT),
                    "text_parts": sum(m.segments for m in twilio.messages if m.body == AS_SENT),
                    "texts_refused": twilio.rejected_by_rate,
                    "texts_busiest_second": twilio.max_sends_in_any_second(),
                    "telegram_span": span([c.time for c in bot.calls if sent_ok(c)]),
                    "texts_span": span([t for t, _ in twilio.accepted_times]),
                    "coordinator": [
                        str(m.get("text", "")) for m in bot.sent_messages(COORDINATOR_CHAT)
                    ],
                }
            else:
                break
            print(json.dumps(answer), flush=True)


def sent_ok(call: CallRecord) -> bool:
    return call.method in {"sendMessage", "sendVoice"} and call.status == 200


def span(moments: list[float]) -> float:
    """Seconds from the first to the last send a fake accepted."""
    return max(moments) - min(moments) if len(moments) > 1 else 0.0


@dataclass
class Fakes:
    process: asyncio.subprocess.Process
    details: dict[str, str]

    @classmethod
    async def start(cls) -> Fakes:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.notice_benchmark",
            "--serve-fakes",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        fakes = cls(process, {})
        fakes.details = await fakes._read()
        return fakes

    async def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        found: dict[str, Any] = json.loads(line)
        return found

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        return await self._read()

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"quit\n")
        await self.process.stdin.drain()
        await asyncio.wait_for(self.process.wait(), 30)


# ------------------------------------------------------------------------ one run


@dataclass
class Run:
    setting: str
    preview_seconds: float
    queue_seconds: float
    send_seconds: float
    summary_seconds: float
    messages: int
    counts: dict[str, Any]
    by_channel: dict[str, int]

    @property
    def total_seconds(self) -> float:
        return self.queue_seconds + self.send_seconds

    @property
    def per_second(self) -> float:
        return self.messages / self.total_seconds


@asynccontextmanager
async def club_on(fakes: Fakes, setting: str, database_url: str | None) -> AsyncIterator[Club]:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'notice.sqlite3'}"
        if url.startswith("postgresql"):
            await wipe_postgres(url)
        details = fakes.details
        settings = Settings(  # type: ignore[call-arg]
            database_url=url,
            telegram_bot_token=details["bot_token"],
            telegram_base_url=details["bot_url"],
            twilio_account_sid=details["sid"],
            twilio_auth_token=details["token"],
            twilio_from_number=CLUB_NUMBER,
            twilio_base_url=details["twilio_url"],
            public_url=PUBLIC_URL,
            tts_engine="offline",
            quiet_hours="00:00-00:00",  # the notice goes at once whatever the hour
            _env_file=None,
            telegram_per_second=SETTINGS[setting]["telegram_per_second"],
            telegram_per_chat_per_second=SETTINGS[setting]["telegram_per_chat_per_second"],
            twilio_per_second=SETTINGS[setting]["twilio_per_second"],
        )
        club = build_club(settings)
        assert club.telegram is not None
        await club.prepare(demo=False)
        await club.telegram.application.initialize()
        try:
            yield club
        finally:
            await club.telegram.application.shutdown()
            await club.close()


async def add_people(club: Club) -> None:
    """The coordinator, 700 members on Telegram and 300 by text message."""
    async with club.units() as uow:
        coordinator = Person(
            name="Cora",
            telegram_id=COORDINATOR_CHAT,
            channels="telegram",
            consent_given_by_name="Cora",
        )
        uow.session.add(coordinator)
        people = [
            Person(
                name=f"Member {n}",
                telegram_id=100_000 + n if n < ON_TELEGRAM else None,
                phone=None if n < ON_TELEGRAM else f"+4477009{n:05d}",
                channels="telegram" if n < ON_TELEGRAM else "sms",
                spoken=n < ON_TELEGRAM and n % SPOKEN_EVERY == 0,
                consent_given_by_name=f"Member {n}",
            )
            for n in range(PEOPLE)
        ]
        uow.session.add_all(people)
        await uow.session.flush()
        uow.session.add(PersonRole(person_id=coordinator.id, role="coordinator"))
        uow.session.add_all(PersonRole(person_id=p.id, role="member") for p in people)
        await uow.commit()


async def to_the_preview(club: Club) -> tuple[int, float]:
    """/notice, the words, no voice message, members and carers: returns the confirm
    question's id and how long the last step (the preview) took."""
    address = f"telegram:{COORDINATOR_CHAT}"
    dialogue = club.dialogue
    answer = await dialogue.handle(address, Input.command("notice"))
    answer = await dialogue.handle(address, Input.typed(WORDS))
    asked = answer.replies[-1].question_id
    answer = await dialogue.handle(address, Input.choice("words_only", asked))
    asked = answer.replies[-1].question_id
    started = time.perf_counter()
    answer = await dialogue.handle(address, Input.choice("to_members_carers", asked))
    took = time.perf_counter() - started
    confirm = answer.replies[-1]
    assert any(c.key == "send_notice" for c in confirm.choices), "no preview"
    assert confirm.question_id is not None
    return confirm.question_id, took


async def unsettled(club: Club) -> int:
    async with club.units() as uow:
        found = await uow.session.scalar(
            select(func.count()).where(
                OutboxMessage.broadcast_id.is_not(None),
                OutboxMessage.status.in_([Status.PENDING, Status.SENDING]),
            )
        )
        return int(found or 0)


async def one_run(setting: str, database_url: str | None) -> Run:
    """One notice on fresh fakes (their own process) and a fresh database."""
    fakes = await Fakes.start()
    try:
        overall, per_chat, texts = FAKE_LIMITS[setting]
        await fakes.ask(f"limits {overall or 'none'} {per_chat or 'none'} {texts or 'none'}")
        async with club_on(fakes, setting, database_url) as club:
            await add_people(club)
            question, preview = await to_the_preview(club)
            address = f"telegram:{COORDINATOR_CHAT}"
            started = time.perf_counter()
            answer = await club.dialogue.handle(address, Input.choice("send_notice", question))
            assert answer.taken == "send_notice"
            queued = time.perf_counter()
            await send_everything(club, setting, queued + LONGEST_RUN_SECONDS)
            sent = time.perf_counter()
            assert club.progress is not None
            await club.progress.wait()
            summarised = time.perf_counter()
            async with club.units() as uow:
                broadcast_id = int(await uow.session.scalar(select(func.max(Broadcast.id))) or 0)
            progress = await read_progress(club.units, broadcast_id)
        counts = await fakes.ask("counts")
    finally:
        await fakes.stop()
    check(counts, progress.sent_by_channel, progress.total)
    messages = counts["telegram_notices"] + counts["voice_notes"] + counts["texts"]
    return Run(
        setting,
        preview,
        queued - started,
        sent - queued,
        summarised - sent,
        messages,
        counts,
        dict(progress.sent_by_channel),
    )


async def send_everything(club: Club, setting: str, deadline: float) -> None:
    """The dispatcher's own loop, as `python -m bot dispatch` runs it, until every row of
    the notice is settled."""
    stop = asyncio.Event()
    running = asyncio.create_task(club.dispatcher().run(stop))
    try:
        while await unsettled(club):
            if running.done() or time.perf_counter() > deadline:
                raise TimeoutError(f"{setting}: the notice was not sent in time")
            await asyncio.sleep(IDLE_SECONDS)
    finally:
        stop.set()
        await running


def check(counts: dict[str, Any], by_channel: dict[str, int], total: int) -> None:
    """Every person got the notice once, and the counts agree with the fakes."""
    spoken = len(range(0, ON_TELEGRAM, SPOKEN_EVERY))
    assert total == PEOPLE, total
    assert counts["telegram_notices"] == counts["telegram_chats"] == ON_TELEGRAM, counts
    assert counts["texts"] == PEOPLE - ON_TELEGRAM, counts
    assert by_channel == {"telegram": ON_TELEGRAM, "sms": PEOPLE - ON_TELEGRAM}, by_channel
    assert counts["voice_notes"] >= spoken, counts  # (+ the coordinator's, if spoken)
    summary = counts["coordinator"][-1]
    assert summary.startswith(f"The notice is finished. It reached {PEOPLE} people."), summary


# --------------------------------------------------------------------- reporting


def show(run: Run) -> None:
    c = run.counts
    print(
        f"  {run.setting:9}  preview {run.preview_seconds:5.2f} s  queue {run.queue_seconds:5.2f} s"
        f"  sent in {run.send_seconds:6.2f} s  ({run.messages} messages, "
        f"{run.per_second:6.1f} a second)  summary +{run.summary_seconds:4.2f} s"
        f"\n             Telegram: {c['telegram_span']:5.1f} s from first to last send, busiest"
        f" second {c['telegram_busiest_second']}, refused {c['telegram_refused']};"
        f" texts: {c['texts_span']:5.1f} s, busiest second {c['texts_busiest_second']},"
        f" refused {c['texts_refused']}"
    )


def medians(runs: list[Run]) -> None:
    def mid(values: list[float]) -> float:
        return statistics.median(values)

    first = runs[0]
    print(
        f"{first.setting}: median of {len(runs)} runs: "
        f"queue {mid([r.queue_seconds for r in runs]):.2f} s, "
        f"sent {mid([r.send_seconds for r in runs]):.2f} s, "
        f"end to end {mid([r.total_seconds for r in runs]):.2f} s, "
        f"{mid([r.per_second for r in runs]):.1f} messages a second "
        f"({first.messages} messages: {first.counts['telegram_notices']} Telegram texts, "
        f"{first.counts['voice_notes']} voice notes, {first.counts['texts']} text messages); "
        f"a coordinator step (the preview) {mid([r.preview_seconds for r in runs]):.2f} s"
    )


async def main(runs: int, settings: list[str], database_url: str | None) -> None:
    for setting in settings:
        done = []
        for _ in range(runs):
            run = await one_run(setting, database_url)
            show(run)
            done.append(run)
        medians(done)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.notice_benchmark",
        description="A notice to 1,000 people through the outbox to the Telegram and text fakes.",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each setting (median)")
    parser.add_argument(
        "--setting",
        choices=[*SETTINGS, "both"],
        default="both",
        help="the fakes' limits off, realistic, or both (default)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL URL to use (it is wiped)")
    parser.add_argument("--serve-fakes", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    given = arguments()
    if given.serve_fakes:
        asyncio.run(serve_fakes())
    else:
        chosen = list(SETTINGS) if given.setting == "both" else [given.setting]
        asyncio.run(main(given.runs, chosen, given.database_url))
