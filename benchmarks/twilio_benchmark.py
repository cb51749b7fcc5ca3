"""Twilio figures: `python -m benchmarks.twilio_benchmark [--part inbound|sending|all]`.

(inbound) Text webhooks handled per second by the real web app (`club.web`, reached
    in process through httpx's ASGI transport, so the figure is the app and its storage,
    not an HTTP server): each of `--people` members answers the reminder the dispatcher
    just texted them, in a signed POST /twilio/sms (signatures made beforehand, outside
    the timing). One at a time, and 8 at a time as Twilio sends them when many reply at
    once. On SQLite and on PostgreSQL (`--postgres-url`, a database of its own, wiped
    first). Medians of `--rounds` rounds; every answer is checked to be recorded.
(sending) Reminders texted through twilio-python to the fake Twilio REST API with its
    per-number rate enforced (429/20429 beyond it), the club's TWILIO_PER_SECOND set to
    the same rate: the achieved rate must be within 5% of the configured one, none
    rejected. Medians of `--repeats` runs of about `--seconds` seconds each.

The fake runs in this process on 127.0.0.1. Figures go in the README, never in tests.
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
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks.common import ensure_database, wipe_postgres
from bot.bootstrap import Club, build_club
from config import Settings
from storage.models import ClubSession, Person, PersonRole, SessionAnswer, utc_now
from storage.outbox import Delivery
from tests.fakes.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/twilio_benchmark"
PUBLIC_URL = "https://club.example.org"
SMS_URL = f"{PUBLIC_URL}/twilio/sms"
CLUB_NUMBER = "+447700900001"
UNLIMITED = 10_000.0
TOLERANCE = 0.05
Row = tuple[str, str]


def phone(index: int) -> str:
    """Member numbers, well away from the club's own."""
    return f"+447700{200_000 + index:06d}"


@dataclass(frozen=True)
class FakeAccount:
    base_url: str
    account_sid: str
    auth_token: str


@asynccontextmanager
async def club_on(
    database_url: str, account: FakeAccount, per_second: float
) -> AsyncIterator[Club]:
    """The club through its composition root, pointed at a fake Twilio API."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=database_url,
        twilio_account_sid=account.account_sid,
        twilio_auth_token=account.auth_token,
        twilio_from_number=CLUB_NUMBER,
        twilio_base_url=account.base_url,
        public_url=PUBLIC_URL,
        twilio_per_second=per_second,
        tts_engine="off",
        _env_file=None,
    )
    club = build_club(settings)
    try:
        await club.prepare(demo=True)
        yield club
    finally:
        await club.close()


@asynccontextmanager
async def twilio_club(
    database_url: str, per_second: float
) -> AsyncIterator[tuple[Club, FakeTwilioApi]]:
    """The club and a fake Twilio API in this process (for the inbound part)."""
    async with FakeTwilioApi() as fake:
        account = FakeAccount(fake.base_url, fake.account_sid, fake.auth_token)
        async with club_on(database_url, account, per_second) as club:
            yield club, fake


class FakeProcess:
    """The fake Twilio API in a child process (`--serve-fake`), so its work and its clock
    readings do not share this process's event loop, steered by lines on stdin."""

    def __init__(self, process: asyncio.subprocess.Process, account: FakeAccount) -> None:
        self.process = process
        self.account = account

    @classmethod
    async def start(cls, rate: float) -> FakeProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.twilio_benchmark",
            "--serve-fake",
            str(round(rate)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        return cls(process, FakeAccount(**json.loads(line)))

    async def ask(self, command: str) -> dict[str, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        found: dict[str, float] = json.loads(await self.process.stdout.readline())
        return found

    async def stop(self) -> None:
        await self.ask("quit")
        await asyncio.wait_for(self.process.wait(), 30)


async def serve_fake(rate: int) -> None:
    """The child: a fake with its per-number rate; "reset" empties its counters and
    window, "stats" answers {achieved, accepted, rejected} as JSON, "quit" ends it."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with FakeTwilioApi() as fake:
        fake.per_number_rate(rate)
        account = {"base_url": fake.base_url, "account_sid": fake.account_sid}
        print(json.dumps({**account, "auth_token": fake.auth_token}), flush=True)
        while line := (await reader.readline()).decode().strip():
            if line == "reset":
                fake.per_number_rate(rate)
                fake.accepted_times.clear()
                fake.accepted_sends = fake.rejected_by_rate = 0
            answer = {
                "achieved": fake.achieved_rate(CLUB_NUMBER),
                "accepted": fake.accepted_sends,
                "rejected": fake.rejected_by_rate,
                "busiest_second": fake.max_sends_in_any_second(CLUB_NUMBER),
            }
            print(json.dumps(answer), flush=True)
            if line == "quit":
                break


async def add_members(club: Club, people: int) -> tuple[list[int], int]:
    """`people` text members and a one-off session tomorrow: (their ids, the session)."""
    async with club.units() as uow:
        members = [
            Person(
                name=f"Member {n}", phone=phone(n), channels="sms,voice", consent_given_by_name="x"
            )
            for n in range(people)
        ]
        uow.session.add_all(members)
        await uow.session.flush()
        uow.session.add_all(PersonRole(person_id=m.id, role="member") for m in members)
        starts = (utc_now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        meeting = await uow.sessions.add(
            ClubSession(
                series_id=None,
                title="Thursday Club",
                activity_key="art",
                place="Norwood Community Hall",
                postcode="SE27 9JU",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        await uow.commit()
        ids, session_id = [m.id for m in members], meeting.id
    club.dialogue.shape.forget()
    return ids, session_id


async def remind(club: Club, ids: list[int], session_id: int, round_no: int) -> None:
    """Queue a reminder for everyone and send it, which opens the question to answer."""
    now = utc_now()
    async with club.units() as uow:
        await uow.outbox.enqueue(
            [
                Delivery(
                    pid,
                    "sms",
                    "reminder",
                    f"bench:{round_no}:{pid}",
                    now,
                    {"session": session_id, "member": pid, "kind": "morning"},
                    session_id,
                )
                for pid in ids
            ]
        )
        await uow.commit()
    dispatcher = club.dispatcher()
    while await dispatcher.run_once():
        pass


async def answers(club: Club, session_id: int, answer: str) -> int:
    async with club.units() as uow:
        query = select(func.count()).where(
            SessionAnswer.session_id == session_id, SessionAnswer.answer == answer
        )
        return int(await uow.session.scalar(query) or 0)


async def inbound_rounds(
    database_url: str, people: int, rounds: int, concurrency: int
) -> list[float]:
    """Webhooks handled per second in each round."""
    rates: list[float] = []
    async with twilio_club(database_url, UNLIMITED) as (club, fake):
        ids, session_id = await add_members(club, people)
        app = club.web
        for round_no in range(rounds):
            await remind(club, ids, session_id, round_no)
            body, answer = ("1", "coming") if round_no % 2 == 0 else ("2", "not_coming")
            signed = [
                fake.signed_sms(SMS_URL, phone(n), CLUB_NUMBER, body, "SM" + uuid.uuid4().hex)
                for n in range(people)
            ]
            gate = asyncio.Semaphore(concurrency)
            statuses: list[int] = []
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:

                async def post(
                    headers: dict[str, str],
                    form: dict[str, str],
                    gate: asyncio.Semaphore = gate,
                    statuses: list[int] = statuses,
                ) -> None:
                    async with gate:
                        response = await client.post(SMS_URL, data=form, headers=headers)
                        statuses.append(response.status_code)

                started = time.perf_counter()
                await asyncio.gather(*(post(headers, form) for headers, form in signed))
                took = time.perf_counter() - started
            recorded = await answers(club, session_id, answer)
            if set(statuses) != {200} or recorded != people:
                raise RuntimeError(f"round {round_no}: {recorded} of {people} answers recorded")
            rates.append(people / took)
    return rates


async def send_all(club: Club, ids: list[int], session_id: int, round_no: int) -> None:
    """Queue and send, until every text is out (a refused one goes again a second later)."""
    await remind(club, ids, session_id, round_no)
    dispatcher = club.dispatcher()
    while True:
        async with club.units() as uow:
            counts = await uow.outbox.counts()
        if not counts.get("pending") and not counts.get("sending"):
            return
        await asyncio.sleep(0.2)
        await dispatcher.run_once()


async def sending_run(rate: float, seconds: float, warm: bool) -> dict[str, float]:
    """{achieved, accepted, rejected, busiest_second, queued}. `warm`: one text goes first,
    outside the figures, as in a dispatcher that has been running a while (the first
    request of a process pays for its connection and twilio-python's first use)."""
    messages = max(2, round(rate * seconds) + 1)
    fake = await FakeProcess.start(rate)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'sending.sqlite3'}"
            async with club_on(url, fake.account, rate) as club:
                ids, session_id = await add_members(club, messages + 1)
                if warm:
                    await send_all(club, ids[:1], session_id, -1)
                    await asyncio.sleep(1.0)
                await fake.ask("reset")
                await send_all(club, ids[1:], session_id, 0)
                return {**await fake.ask("stats"), "queued": messages}
    finally:
        await fake.stop()


def spread(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


async def part_inbound(arguments: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    stores: list[tuple[str, str | None]] = [("SQLite", None)]
    if arguments.postgres_url:
        await ensure_database(arguments.postgres_url)
        stores.append(("PostgreSQL", arguments.postgres_url))
    for store, url in stores:
        for concurrency in (1, 8):
            with tempfile.TemporaryDirectory() as folder:
                if url is None:
                    database = f"sqlite+aiosqlite:///{Path(folder) / 'inbound.sqlite3'}"
                else:
                    await wipe_postgres(url)
                    database = url
                rates = await inbound_rounds(
                    database, arguments.people, arguments.rounds, concurrency
                )
            rows.append(
                (
                    f"inbound texts/s, {store}, {concurrency} at a time, {arguments.people} people",
                    f"median {statistics.median(rates):.0f} (rounds {spread(rates)})",
                )
            )
    return rows


async def part_sending(arguments: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    for rate in arguments.rates:
        runs = [
            await sending_run(rate, arguments.seconds, warm=True) for _ in range(arguments.repeats)
        ]
        achieved = statistics.median(run["achieved"] for run in runs)
        accepted = sum(int(run["accepted"]) for run in runs)
        rejected = sum(int(run["rejected"]) for run in runs)
        queued = sum(int(run["queued"]) for run in runs)
        busiest = max(int(run["busiest_second"]) for run in runs)
        off = abs(achieved - rate) / rate
        verdict = "within 5%" if off <= TOLERANCE and rejected == 0 else "OUTSIDE 5% or rejected"
        each = ", ".join(f"{run['achieved']:.2f}" for run in runs)
        rows.append(
            (
                f"texts sent/s, per-number rate {rate:g}/s ({int(runs[0]['queued'])} a run)",
                f"median {achieved:.2f}/s ({each}); {achieved / rate:.1%} of the rate; "
                f"{accepted} of {queued} accepted, {rejected} rejected, at most {busiest} "
                f"in any second: {verdict}",
            )
        )
        cold = await sending_run(rate, arguments.seconds, warm=False)
        rows.append(
            (
                "  the same from a cold start (the process's first text)",
                f"{cold['achieved']:.2f}/s; {int(cold['rejected'])} refused and sent again "
                f"a second later; at most {int(cold['busiest_second'])} in any second",
            )
        )
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


async def run(arguments: argparse.Namespace) -> None:
    load = os.getloadavg()
    rows: list[Row] = [
        ("machine load (1, 5, 15 min) at the start", " ".join(f"{x:.2f}" for x in load))
    ]
    if arguments.part in {"inbound", "all"}:
        rows += await part_inbound(arguments)
    if arguments.part in {"sending", "all"}:
        rows += await part_sending(arguments)
    load = os.getloadavg()
    rows.append(("machine load (1, 5, 15 min) at the end", " ".join(f"{x:.2f}" for x in load)))
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.twilio_benchmark")
    parser.add_argument("--part", choices=["inbound", "sending", "all"], default="all")
    parser.add_argument("--people", type=int, default=300, help="members texting in (inbound)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of inbound; median counts")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="a database of the benchmark's own, created if missing and wiped; '' skips it",
    )
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[5.0, 10.0], help="per-number rates (sending)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of a sending run")
    parser.add_argument("--repeats", type=int, default=3, help="sending runs; median counts")
    parser.add_argument("--serve-fake", type=int, metavar="RATE", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_fake is not None:
        asyncio.run(serve_fake(arguments.serve_fake))
    else:
        asyncio.run(run(arguments))


if __name__ == "__main__":
    main()
