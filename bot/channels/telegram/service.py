"""Telegram as part of the running service: its application, the channel that answers
people, the dispatcher's connections, and starting by polling or by webhook."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.error import InvalidToken

from bot.channels.telegram.app import ClubApplication, set_command_menu
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.lanes import Lanes
from config import SettingsError
from conversations import Catalogue

__all__ = ["REFUSED_TOKEN", "TelegramService", "start_telegram", "stop_telegram"]


@dataclass(frozen=True)
class TelegramService:
    application: ClubApplication
    channel: TelegramChannel
    lanes: Lanes
    """The dispatcher's own connections, closed with the club."""
    catalogue: Catalogue
    webhook_url: str | None = None
    """Where Telegram posts updates (webhook mode); None: the service polls."""
    secret: str | None = None

    @property
    def webhook(self) -> bool:
        return self.webhook_url is not None


REFUSED_TOKEN = "TELEGRAM_BOT_TOKEN: Telegram refused this token. Check it with @BotFather."


async def start_telegram(telegram: TelegramService) -> None:
    """Introduce the bot, set its command menu, and start receiving updates. A token
    Telegram refuses stops the start with one line (SettingsError), as a bad setting does."""
    application = telegram.application
    try:
        await application.initialize()
    except InvalidToken:  # its message carries the token whole: not a word of it is passed on
        raise SettingsError(REFUSED_TOKEN) from None
    await set_command_menu(application, telegram.catalogue)
    if telegram.webhook_url is not None:
        await application.bot.set_webhook(
            url=telegram.webhook_url,
            secret_token=telegram.secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return
    await application.bot.delete_webhook()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)


async def stop_telegram(telegram: TelegramService) -> None:
    application = telegram.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
