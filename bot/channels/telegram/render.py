"""Engine replies as Telegram messages: text, and an inline keyboard of big buttons.

Callback data is "q<question id>:<choice key>", so a press is tied to the question it
answers and an old button can be recognised as old.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import (
    HELP_CHOICE,
    Catalogue,
    Reply,
    read_number,
)

__all__ = [
    "MAX_CALLBACK_BYTES",
    "callback_data",
    "keyboard",
    "message_text",
    "read_callback",
]

MAX_CALLBACK_BYTES = 64


def callback_data(question_id: int, key: str) -> str:
    data = f"q{question_id}:{key}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data must fit Telegram's 64 bytes")
    return data


def read_callback(data: str | None) -> tuple[int, str] | None:
    """(question id, choice key) from a button we issued; None for anything else."""
    if not data or not data.startswith("q"):
        return None
    number, separator, key = data[1:].partition(":")
    question_id = read_number(number)
    if not separator or question_id is None or not key:
        return None
    return question_id, key


def message_text(catalogue: Catalogue, language: str, reply: Reply) -> str:
    return "\n\n".join(catalogue.render(language, part) for part in reply.texts)


def keyboard(catalogue: Catalogue, language: str, reply: Reply) -> InlineKeyboardMarkup | None:
    """One button per row, an emoji and a short label; "Talk to a person" always last."""
    if not reply.choices or reply.question_id is None:
        return None
    ordered = sorted(reply.choices, key=lambda choice: choice.key == HELP_CHOICE)
    rows = [
        [
            InlineKeyboardButton(
                f"{choice.emoji} {catalogue.label(language, choice)}".strip(),
                callback_data=callback_data(reply.question_id, choice.key),
            )
        ]
        for choice in ordered
    ]
    return InlineKeyboardMarkup(rows)
