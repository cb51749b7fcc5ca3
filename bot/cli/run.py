"""`python -m bot run` with credentials: the web app, and Telegram by polling or webhook."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from telegram import Update
from telegram.error import InvalidToken

from bot.bootstrap import Club
from bot.channels.telegram.app import set_command_menu
from bot.cli.long_run import settle_for_a_long_run
from bot.service.sightings import keep_sightings_pruned
from config import SettingsError

__all__ = ["run_service"]

log = logging.getLogger(__name__)

REFUSED_TOKEN = "TELEGRAM_BOT_TOKEN: Telegram refused this token. Check it with @BotFather."


async def start_telegram(club: Club) -> None:
    """Introduce the bot, set its command menu, and start receiving updates. A token
    Telegram refuses stops the start with one line (SettingsError), as a bad setting does."""
    parts = club.telegram
    if parts is None:
        return
    application = parts.application
    try:
        await application.initialize()
    except InvalidToken:  # its message carries the token whole: not a word of it is passed on
        raise SettingsError(REFUSED_TOKEN) from None
    await set_command_menu(application, club.catalogue)
    if parts.webhook:
        await application.bot.set_webhook(
            url=f"{club.settings.public_url}/telegram",
            secret_token=club.settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return
    await application.bot.delete_webhook()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)


async def stop_telegram(club: Club) -> None:
    parts = club.telegram
    if parts is None:
        return
    application = parts.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


async def run_service(club: Club) -> None:
    """Serve until interrupted (SIGINT or SIGTERM, which uvicorn handles)."""
    settings = club.settings
    await club.prepare(demo=False)
    await start_telegram(club)
    settle_for_a_long_run()
    server = uvicorn.Server(
        uvicorn.Config(
            club.web_app(),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            access_log=False,
        )
    )
    log.warning("serving on %s:%d", settings.host, settings.port)
    stop = asyncio.Event()
    dispatching = asyncio.create_task(club.dispatcher().run(stop))
    pruning = asyncio.create_task(keep_sightings_pruned(club.units, stop))
    try:
        await server.serve()
    finally:
        stop.set()
        await dispatching
        await pruning
        await stop_telegram(club)
