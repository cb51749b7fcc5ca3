"""Every club the tests and benchmarks use is built here, through the real composition
root (`build_club`), with its settings pointed at the fakes on 127.0.0.1.

- `club_settings`: settings for a database and the fakes given (speech offline, no `.env`);
- `prepared_club`: built, migrated and seeded, closed on leaving (`club_for` and
  `close_club` do the same in two calls, with Telegram's bot ready to send);
- `telegram_club`: the fake Bot API and Telegram running (polling, or webhook mode);
- `twilio_club`: the fake Twilio REST API, and the fake Bot API too with `telegram`;
- `coordinator_club`: both fakes, Telegram polling, and a coordinator, Cora.

(The planner and the dispatcher on a test's clock are in `tests/fakes/clock.py`.)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import bot.service.broadcast_progress as progress_module
from bot.bootstrap import Club, build_club
from bot.channels.telegram.service import start_telegram, stop_telegram
from config import Settings
from tests.club_data import add_person
from tests.coordinator_support import COORDINATOR, FAST, PROGRESS_SECONDS, Scene
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.telegram_support import PUBLIC_URL, SECRET, TelegramClub
from tests.twilio_support import CLUB_NUMBER, FAST_RATE, Told, TwilioClub

__all__ = [
    "close_club",
    "club_for",
    "club_settings",
    "coordinator_club",
    "prepared_club",
    "telegram_club",
    "twilio_club",
]


def club_settings(
    database_url: str,
    *,
    bot_api: FakeBotApi | None = None,
    twilio: FakeTwilioApi | None = None,
    **overrides: Any,
) -> Settings:
    """Settings for a club on `database_url`, sending to the fakes given; `overrides` win."""
    values: dict[str, Any] = {"database_url": database_url, "tts_engine": "offline"}
    if bot_api is not None:
        values |= {
            "telegram_bot_token": bot_api.token,
            "telegram_base_url": f"http://127.0.0.1:{bot_api.port}",
        }
    if twilio is not None:
        values |= {
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": twilio.auth_token,
            "twilio_from_number": CLUB_NUMBER,
            "twilio_base_url": twilio.base_url,
            "public_url": PUBLIC_URL,
        }
    return Settings(**(values | overrides), _env_file=None)


async def club_for(settings: Settings, demo: bool = False) -> Club:
    """A club on `settings`, migrated and seeded, its Telegram bot (if any) ready to send."""
    club = build_club(settings)
    await club.prepare(demo=demo)
    if club.telegram is not None:
        await club.telegram.application.initialize()
    return club


async def close_club(club: Club) -> None:
    if club.telegram is not None:
        await club.telegram.application.shutdown()
    await club.close()


@contextlib.asynccontextmanager
async def prepared_club(settings: Settings, demo: bool = True) -> AsyncIterator[Club]:
    """`club_for`, closed on leaving."""
    club = await club_for(settings, demo)
    try:
        yield club
    finally:
        await close_club(club)


@contextlib.asynccontextmanager
async def _telegram_running(
    settings: Settings, fake: FakeBotApi, webhook: bool, demo: bool
) -> AsyncIterator[TelegramClub]:
    """The club built on `settings` with Telegram started; fails on leaving if the channel
    raised on any update (python-telegram-bot would otherwise only log it)."""
    club = build_club(settings)
    tg = TelegramClub(fake, club, webhook)
    tg.track()
    try:
        await club.prepare(demo=demo)
        await start_telegram(club.telegram)
        try:
            yield tg
        finally:
            await stop_telegram(club.telegram)
    finally:
        await club.close()
    assert not tg.errors, f"the channel raised: {tg.errors!r}"


@contextlib.asynccontextmanager
async def telegram_club(
    database_url: str, *, webhook: bool = False, **overrides: Any
) -> AsyncIterator[TelegramClub]:
    """The whole stack: fake Bot API, settings, `build_club`, demo data, Telegram started
    (polling, or with `webhook` the web app's POST /telegram)."""
    async with FakeBotApi() as fake:
        if webhook:
            overrides |= {"public_url": PUBLIC_URL, "telegram_webhook_secret": SECRET}
        settings = club_settings(database_url, bot_api=fake, **overrides)
        async with _telegram_running(settings, fake, webhook, demo=True) as tg:
            yield tg


@contextlib.asynccontextmanager
async def twilio_club(
    database_url: str, *, telegram: bool = False, **overrides: Any
) -> AsyncIterator[TwilioClub]:
    """The whole stack: fake Twilio REST API, settings, `build_club`, the demo club; with
    `telegram`, the fake Bot API too (in `bot_api`), for fallbacks across providers."""
    token = overrides.pop("twilio_auth_token", None)
    async with FakeTwilioApi(auth_token=token) as fake, contextlib.AsyncExitStack() as stack:
        bot_api = await stack.enter_async_context(FakeBotApi()) if telegram else None
        defaults = {"tts_engine": "off", "twilio_per_second": FAST_RATE}
        settings = club_settings(
            database_url, bot_api=bot_api, twilio=fake, **(defaults | overrides)
        )
        async with prepared_club(settings) as club:
            told = Told(club)
            club.alerts.add_sink(told)
            yield TwilioClub(fake, club, told, bot_api)


@contextlib.asynccontextmanager
async def coordinator_club(
    database_url: str, *, spoken_coordinator: bool = False, **overrides: Any
) -> AsyncIterator[Scene]:
    """Both fakes, the club built on them, Telegram polling, and a coordinator (Cora,
    Telegram chat COORDINATOR). No demo club: every person is added by the test. The
    live progress of a notice is read every PROGRESS_SECONDS, not every 2 seconds."""
    polling = progress_module.POLL_SECONDS
    progress_module.POLL_SECONDS = PROGRESS_SECONDS
    try:
        async with FakeBotApi() as bot_api, FakeTwilioApi() as twilio_api:
            settings = club_settings(
                database_url, bot_api=bot_api, twilio=twilio_api, **(FAST | overrides)
            )
            async with _telegram_running(settings, bot_api, False, demo=False) as tg:
                cora = await add_person(
                    tg.club,
                    "Cora",
                    roles=("coordinator",),
                    telegram_id=COORDINATOR,
                    spoken=spoken_coordinator,
                )
                scene = Scene(tg, twilio_api, tg.club, cora)
                yield scene
                await scene.finish()
    finally:
        progress_module.POLL_SECONDS = polling
