"""python-telegram-bot's Application, set up from the club's settings.

All updates go to one handler that passes them to the channel; PTB does the HTTP.
"""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sending import TIMEOUT_SECONDS
from config import Settings
from conversations import (
    Catalogue,
    text,
)

__all__ = [
    "COMMANDS",
    "DEFAULT_API",
    "ClubApplication",
    "build_application",
    "route_updates",
    "set_command_menu",
]

DEFAULT_API = "https://api.telegram.org"
COMMANDS = ("start", "help", "preferences", "mydata", "forgetme", "language")

ClubApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, polling: bool) -> ClubApplication:
    """An Application talking to `TELEGRAM_BASE_URL` (or Telegram); no updater for webhooks."""
    assert settings.telegram_bot_token is not None
    base = settings.telegram_base_url or DEFAULT_API
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .read_timeout(TIMEOUT_SECONDS)
        .write_timeout(TIMEOUT_SECONDS)
        .connect_timeout(TIMEOUT_SECONDS)
        .get_updates_read_timeout(TIMEOUT_SECONDS + 30)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def route_updates(application: ClubApplication, channel: TelegramChannel) -> None:
    async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await channel.handle_update(update)

    application.add_handler(TypeHandler(Update, on_update))


async def set_command_menu(application: ClubApplication, catalogue: Catalogue) -> None:
    """The command menu in English, and in each other language for people whose Telegram
    app is set to it."""
    for language in catalogue.languages:
        commands = [
            BotCommand(name, catalogue.render(language, text(f"telegram.command.{name}")))
            for name in COMMANDS
        ]
        code = None if language == "en" else language
        await application.bot.set_my_commands(commands, language_code=code)
