"""A notice's progress shown in the coordinator's Telegram chat: one message, edited as
the notice goes out."""

from __future__ import annotations

from telegram import Bot, Message

from bot.service.broadcast_progress import Edit, ProgressShown, Say

__all__ = ["progress_in_chat"]


def progress_in_chat(bot: Bot) -> ProgressShown:
    def shown(handle: str) -> tuple[Say, Edit | None]:
        chat = int(handle)

        async def say(words: str) -> object:
            return await bot.send_message(chat, words)

        async def edit(message: object, words: str) -> None:
            if isinstance(message, Message):
                await bot.edit_message_text(words, chat_id=chat, message_id=message.message_id)

        return say, edit

    return shown
