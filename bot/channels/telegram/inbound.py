"""What a Telegram update means for the club: who sent it and which engine input it is.

Anything Telegram itself could not have sent (an id past Telegram's 52 bits, a press with
no sender, a file id that is not one) is ignored here, before it reaches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from telegram import Chat, Update

from bot.channels.telegram.render import read_callback
from conversations import (
    Input,
)
from storage.models import LONGEST_ATTACHMENT

__all__ = ["Arrival", "Kind", "read_update"]

LARGEST_ID = 2**52
"""Telegram's ids of updates, users and chats have at most 52 significant bits."""
FILE_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{LONGEST_ATTACHMENT}}}")
"""Telegram's file ids are URL-safe base64."""


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
    """python-telegram-bot builds an update's objects without checking their fields' types,
    so an update with a field of the wrong type (forged or garbled) is unreadable: ignored."""
    try:
        arrival = _read(update)
    except (AttributeError, TypeError):
        return Arrival(Kind.IGNORE)
    ids = [update.update_id]
    ids += [number for number in (arrival.chat_id, arrival.user_id) if number is not None]
    if not all(_telegram_id(number) for number in ids):
        return Arrival(Kind.IGNORE)
    return arrival


def _telegram_id(number: object) -> bool:
    return type(number) is int and -LARGEST_ID < number < LARGEST_ID


def _read(update: Update) -> Arrival:
    if update.callback_query is not None:
        query = update.callback_query
        if query.from_user is None:  # Telegram always says who pressed
            return Arrival(Kind.IGNORE)
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
    recording = message.voice or message.audio
    if recording is not None and FILE_ID.fullmatch(recording.file_id):
        return Input.voice_note(recording.file_id)
    return Input.other()
