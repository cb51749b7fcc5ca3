"""Button presses handled per second end to end through POST /telegram, side by side with
a bare python-telegram-bot handler that only answers the callback.

Each press answers a reminder ("I am coming") through the real web app: the webhook
checks the secret, reads the update, runs the engine, records the answer in one unit of
work (SQLite, or PostgreSQL with --database-url), then answers the callback, marks the
button and sends the thanks to the fake Bot API on 127.0.0.1. The bare handler only
answers the callback. Both run in this process, with the fake, at the same concurrency.

Run: python -m benchmarks.telegram_benchmark [--presses 600] [--people 100]
     [--concurrency 8] [--runs 3] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from benchmarks.common import median, wipe_postgres
from bot.bootstrap import build_club
from bot.channels.web import SECRET_HEADER
from config import Settings
from storage.models import ClubSession, Person, utc_now
from tests.fakes.telegram_api import FakeBotApi, loopback_request

SECRET = "benchmark-secret"
FIRST_CHAT = 500_000


async def drive(app: Starlette, bodies: list[dict[str, Any]], concurrency: int) -> float:
    """POST every body to /telegram, `concurrency` at a time; presses per second."""
    gate = asyncio.Semaphore(concurrency)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://club") as client:

        async def post(body: dict[str, Any]) -> None:
            async with gate:
                answer = await client.post(
                    "/telegram", content=json.dumps(body), headers={SECRET_HEADER: SECRET}
                )
                assert answer.status_code == 200, answer.text

        started = time.perf_counter()
        await asyncio.gather(*(post(body) for body in bodies))
        return len(bodies) / (time.perf_counter() - started)


async def bare_rate(fake: FakeBotApi, bodies: list[dict[str, Any]], concurrency: int) -> float:
    """python-telegram-bot alone: a webhook route that only answers the callback."""
    application = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .request(loopback_request(connection_pool_size=concurrency + 4))
        .updater(None)
        .build()
    )

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    application.add_handler(CallbackQueryHandler(answer))
    await application.initialize()

    async def route(request: Request) -> Response:
        update = Update.de_json(json.loads(await request.body()), application.bot)
        await application.process_update(update)
        return PlainTextResponse("ok")

    try:
        return await drive(
            Starlette(routes=[Route("/telegram", route, methods=["POST"])]), bodies, concurrency
        )
    finally:
        await application.shutdown()


async def club_rate(
    fake: FakeBotApi,
    bodies: Callable[[list[tuple[int, str]]], list[dict[str, Any]]],
    people: int,
    concurrency: int,
    database_url: str | None,
) -> float:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        if url.startswith("postgresql"):
            await wipe_postgres(url)
        settings = Settings(  # type: ignore[call-arg]
            database_url=url,
            telegram_bot_token=fake.token,
            telegram_base_url=fake.base_url.removesuffix("/bot"),
            telegram_webhook_secret=SECRET,
            public_url="https://club.example",
            tts_engine="off",
            _env_file=None,
        )
        club = build_club(settings)
        await club.prepare(demo=True)
        assert club.telegram is not None
        await club.telegram.application.initialize()
        try:
            targets = await _members_with_a_session(club.units, people)
            return await drive(club.web, bodies(targets), concurrency)
        finally:
            await club.telegram.application.shutdown()
            await club.close()


async def _members_with_a_session(units: Any, people: int) -> list[tuple[int, str]]:
    """People on Telegram, each with two answer keys of a coming session's reminder: the
    presses take them in turn, so every press changes the answer on record (the same
    answer pressed again changes and says nothing, and would cost next to nothing)."""
    async with units() as uow:
        now = utc_now()
        meeting = await uow.sessions.add(
            ClubSession(
                title="Bench Club",
                activity_key="music",
                place="Hall",
                postcode="SE27 9JU",
                starts_at=now + timedelta(days=2),
                ends_at=now + timedelta(days=2, hours=2),
            )
        )
        members = []
        for number in range(people):
            chat = FIRST_CHAT + number
            person = Person(name=f"Member {number}", telegram_id=chat, channels="telegram")
            await uow.people.add(person, ["member"])
            members.append((chat, person.id))
        await uow.commit()
    return [
        (chat, f"q1:s{meeting.id}m{member}.{answer}")
        for answer in ("coming", "not_coming")
        for chat, member in members
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=600)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use as well")
    options = parser.parse_args()
    stores = [("SQLite", None)] + (
        [("PostgreSQL", options.database_url)] if options.database_url else []
    )
    rows: list[tuple[str, float, float]] = []
    async with FakeBotApi() as fake:

        def bodies(targets: list[tuple[int, str]]) -> list[dict[str, Any]]:
            """Presses the fake knows of, so that their callbacks can be answered."""
            cycle = itertools.cycle(targets)
            chosen = [next(cycle) for _ in range(options.presses)]
            return [fake.push_callback(chat, 1, data) for chat, data in chosen]

        for name, url in stores:
            bare, club = [], []
            for _ in range(options.runs):
                fake_targets = [(FIRST_CHAT + n, "q1:x") for n in range(options.people)]
                bare.append(await bare_rate(fake, bodies(fake_targets), options.concurrency))
                club.append(await club_rate(fake, bodies, options.people, options.concurrency, url))
            rows.append((name, median(bare), median(club)))
    print(
        f"presses per run: {options.presses}, people: {options.people}, "
        f"concurrency: {options.concurrency}, runs: {options.runs} (medians)"
    )
    print(f"{'store':<11} {'bare PTB /s':>12} {'club /s':>9} {'ratio':>6}")
    for name, bare_median, club_median in rows:
        print(
            f"{name:<11} {bare_median:>12.0f} {club_median:>9.0f} {club_median / bare_median:>6.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
