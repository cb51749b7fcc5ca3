"""What a Telegram update means for the club: who sent it and which engine input it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import Chat, Update

from bot.channels.telegram.render import read_callback
from conversations import (
    Input,
)

__all__ = ["Arrival", "Kind", "read_update"]


class Kind(StrEnum):
    INPUT = "input"
    """Something for the engine."""
    EDITED = "edited"
    """An edited message: we only read new ones, and say so."""
    NOT_PRIVATE = "not_private"
    """A message in a group: we only talk one to one."""
    IGNORE = "ignore"
    """Nothing a person needs an answer to (channel posts, membership changes...)."""


@dataclass(frozen=True)
class Arrival:
    kind: Kind
    chat_id: int | None = None
    user_id: int | None = None
    said: Input | None = None


def read_update(update: Update) -> Arrival:
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        pressed = read_callback(query.data)
        said = Input.choice(pressed[1], pressed[0]) if pressed else Input.choice("", None)
        return Arrival(Kind.INPUT, chat_id, query.from_user.id, said)
    if update.edited_message is not None:
        edited = update.edited_message
        private = edited.chat.type == Chat.PRIVATE
        return Arrival(Kind.EDITED if private else Kind.IGNORE, edited.chat.id)
    message = update.message
    if message is None or message.from_user is None:
        return Arrival(Kind.IGNORE)
    if message.chat.type != Chat.PRIVATE:
        return Arrival(Kind.NOT_PRIVATE, message.chat.id, message.from_user.id)
    return Arrival(Kind.INPUT, message.chat.id, message.from_user.id, _message_input(update))


def _message_input(update: Update) -> Input:
    message = update.message
    assert message is not None
    if message.text is not None:
        words = message.text
        if words.startswith("/"):
            command = words.split()[0].split("@")[0]
            return Input.command(command)
        return Input.typed(words)
    if message.voice is not None:
        return Input.voice_note(message.voice.file_id)
    if message.audio is not None:
        return Input.voice_note(message.audio.file_id)
    return Input.other()
