"""The coordinator's web page for a 20,000-person club: time to first byte of Today (the
next three sessions, each with who is coming and who to phone) and of a notice's preview
to everyone (counting who it reaches, and their languages), served by uvicorn on
127.0.0.1 and read by httpx, as a browser would. p50 and p99 of --runs requests each.

Run: python -m benchmarks.dashboard_benchmark [--people 20000] [--runs 30] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert

from benchmarks.common import scratch_club
from bot.bootstrap import Club
from bot.channels.dashboard import link_for
from storage.models import Person, PersonDay, PersonRole, SessionAnswer, utc_now

LANGUAGES = ("en", "en", "en", "pt", "es", "pl", "fr")
CHUNK = 2000


class _Quiet(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _insert(club: Club, table: Any, rows: list[dict[str, Any]]) -> None:
    async with club.database.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            await connection.execute(insert(table), rows[start : start + CHUNK])


async def fill(club: Club, people: int) -> None:
    """`people` with phones: 70% members spread over the next sessions' series, a fifth
    of whom have answered; the rest carers and volunteers."""
    await club.planner.plan()
    async with club.units() as uow:
        now = utc_now()
        meetings = [
            (m.id, m.series_id) for m in await uow.sessions.between(now, now + timedelta(days=7))
        ]
    ids = range(10_000, 10_000 + people)
    await _insert(
        club,
        Person,
        [
            {
                "id": pid,
                "name": f"Person {pid}",
                "phone": f"+4477009{pid:05d}",
                "channels": "sms,voice",
                "language": LANGUAGES[pid % len(LANGUAGES)],
            }
            for pid in ids
        ],
    )
    roles = {
        pid: "member" if pid % 10 < 7 else "carer" if pid % 10 < 9 else "volunteer" for pid in ids
    }
    await _insert(club, PersonRole, [{"person_id": p, "role": r} for p, r in roles.items()])
    members = [pid for pid, role in roles.items() if role == "member"]
    days = [{"person_id": pid, "series_id": meetings[pid % len(meetings)][1]} for pid in members]
    await _insert(club, PersonDay, days)
    answers = ("coming", "coming", "not_coming", "need_help")
    await _insert(
        club,
        SessionAnswer,
        [
            {
                "session_id": meetings[pid % len(meetings)][0],
                "person_id": pid,
                "answer": answers[pid % 4],
                "answered_by_id": pid,
                "answered_at": utc_now(),
            }
            for pid in members
            if pid % 5 == 0
        ],
    )


async def first_byte(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> float:
    started = time.perf_counter()
    taken = 0.0
    async with client.stream(method, path, **kw) as answer:
        async for _ in answer.aiter_raw():
            taken = taken or time.perf_counter() - started
        assert answer.status_code == 200, answer.status_code
    return taken


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(people: int, runs: int, database: str | None) -> None:
    async with scratch_club(database) as club:
        await fill(club, people)
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        server = _Quiet(uvicorn.Config(club.web, log_level="warning", access_log=False))
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                link = await link_for(club.site, "Sam")
                assert link is not None
                token = link.rsplit("/", 1)[1]
                await client.post(f"/dashboard/signin/{token}")
                page = (await client.get("/dashboard/notices")).text
                csrf = page.split('name="csrf" value="')[1].split('"')[0]
                form = {"csrf": csrf, "words": "The hall is warm today.", "audience": "everyone"}
                size = len((await client.get("/dashboard/today")).content)
                for name, method, path, extra in (
                    ("Today", "GET", "/dashboard/today", {}),
                    ("notice preview", "POST", "/dashboard/notices/preview", {"data": form}),
                ):
                    times = [await first_byte(client, method, path, **extra) for _ in range(runs)]
                    print(
                        f"{name}, {people:,} people: time to first byte p50 "
                        f"{percentile(times, 0.5) * 1000:.0f} ms, p99 "
                        f"{percentile(times, 0.99) * 1000:.0f} ms ({runs} requests)"
                    )
                print(f"Today's page: {size / 1024:.0f} KiB")
        finally:
            server.should_exit = True
            await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", help="a PostgreSQL URL (wiped); default a SQLite file")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.runs, arguments.database))
