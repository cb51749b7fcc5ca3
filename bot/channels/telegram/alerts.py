"""Coordinators on Telegram hear about help requests and voice messages straight away."""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot

from bot.channels.telegram.sending import Refused, call
from conversations import (
    Catalogue,
    Text,
)
from storage import UnitOfWorkFactory

__all__ = ["TelegramAlerts"]

log = logging.getLogger(__name__)


class TelegramAlerts:
    def __init__(self, bot: Bot, catalogue: Catalogue, units: UnitOfWorkFactory) -> None:
        self._bot = bot
        self._catalogue = catalogue
        self._units = units

    async def send(self, message: Text, attachment: str) -> None:
        async with self._units() as uow:
            coordinators = [
                (person.telegram_id, person.language)
                for person in await uow.people.with_role("coordinator")
                if person.telegram_id is not None
            ]
        for chat_id, language in coordinators:
            words = self._catalogue.render(language, message)
            try:
                await call(partial(self._bot.send_message, chat_id, words))
                if attachment:
                    await call(partial(self._bot.send_voice, chat_id, voice=attachment))
            except Refused as refused:
                log.warning("a coordinator was not told on Telegram: %s", refused.verdict.reason)
