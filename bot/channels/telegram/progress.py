"""A notice's progress shown in the coordinator's Telegram chat: one message, edited as
the notice goes out. A line that cannot go is skipped: the notice itself goes on."""

from __future__ import annotations

import logging

from telegram import Bot, Message

from bot.channels.telegram.sending import Refused, call
from bot.service.broadcast_progress import Edit, ProgressShown, Say

__all__ = ["progress_in_chat"]

log = logging.getLogger(__name__)


def progress_in_chat(bot: Bot) -> ProgressShown:
    def shown(handle: str) -> tuple[Say, Edit | None]:
        chat = int(handle)

        async def say(words: str) -> object:
            try:
                return await call(lambda: bot.send_message(chat, words))
            except Refused as refused:
                log.warning("a notice's progress was not shown: %s", refused.verdict.reason)
                return None

        async def edit(message: object, words: str) -> None:
            if not isinstance(message, Message):
                return
            try:
                await call(
                    lambda: bot.edit_message_text(
                        words, chat_id=chat, message_id=message.message_id
                    )
                )
            except Refused as refused:
                log.info("a notice's progress was not updated: %s", refused.verdict.reason)

        return say, edit

    return shown
