"""The engine's vocabulary: what comes in, what goes out, what gets recorded.

Everything here is plain data, so any channel can render it and any test can read it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "HELP_CHOICE",
    "Choice",
    "Hint",
    "Input",
    "InputKind",
    "Meaning",
    "Moment",
    "Param",
    "Reply",
    "Text",
    "text",
]

HELP_CHOICE = "person"
"""The key of the ever-present "Talk to a person" choice."""


class InputKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    COMMAND = "command"
    VOICE_NOTE = "voice_note"
    OTHER = "other"
    REPEAT = "repeat"
    """Say the open question again (a phone call answered, or silence on the line)."""


class Hint(StrEnum):
    """What kind of answer a question expects; the voice channel gathers by it."""

    CHOICE = "choice"
    FREE_TEXT = "free_text"
    NONE = "none"


class Meaning(StrEnum):
    """What a choice means, so "yes", "sim" or a thumbs-up find the right one."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    NONE = "none"


@dataclass(frozen=True)
class Text:
    """A catalogue key and its parameters; the channel looks up the words.

    A parameter may itself be a `Text` (an activity's name, a weekday), a `Moment` (a date
    or time, written the way the reader's language writes it), or a tuple of texts or names
    (said as a list: "music, art and gardening"), looked up in the same language.
    """

    key: str
    params: dict[str, Param] = field(default_factory=dict)


@dataclass(frozen=True)
class Moment:
    """A date or time, written when the language is known: `form` is "weekday" ("Tuesday",
    "terça-feira"), "date" ("1 December", "1 de dezembro"), "date_and_year" ("1 December
    2026", "1 de dezembro de 2026") or "clock" ("1:30 in the afternoon", "13:30"). `at` is
    already in the club's time zone."""

    at: datetime
    form: str


@dataclass(frozen=True)
class PartsOf:
    """How many text-message parts `text` takes, written in the reader's language: the
    count depends on the words as that language sends them."""

    text: Text


Param = str | Text | Moment | PartsOf | tuple[Text | str, ...]


def text(key: str, **params: object) -> Text:
    return Text(key, {name: _param(value) for name, value in params.items()})


def _param(value: object) -> Param:
    if isinstance(value, Text | Moment | PartsOf):
        return value
    if isinstance(value, tuple | list) and all(isinstance(item, Text | str) for item in value):
        return tuple(value)
    return str(value)


@dataclass(frozen=True)
class Choice:
    key: str
    label: Text
    emoji: str = ""
    meaning: Meaning = Meaning.NONE


@dataclass(frozen=True)
class Reply:
    """One message to a person. A question carries its choices and its question id."""

    texts: tuple[Text, ...]
    choices: tuple[Choice, ...] = ()
    speak: bool = False
    hint: Hint = Hint.NONE
    question_id: int | None = None
    compact: tuple[Text, ...] = ()
    """Shorter wordings, longest first, for a text message where every character counts;
    each already says how to answer."""

    @property
    def is_question(self) -> bool:
        return self.question_id is not None


def _typeable(ch: str) -> bool:
    return ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}


@dataclass(frozen=True)
class Input:
    """Something a person sent: a pressed choice, typed words or digits, a command."""

    kind: InputKind
    value: str = ""
    question_id: int | None = None

    @classmethod
    def choice(cls, key: str, question_id: int | None) -> Input:
        return cls(InputKind.CHOICE, key, question_id)

    @classmethod
    def typed(cls, words: str) -> Input:
        """Typed words, without the control characters and lone surrogates nobody types
        (and a database refuses: a NUL), whatever the channel let through."""
        return cls(InputKind.TEXT, "".join(ch for ch in words if _typeable(ch)))

    @classmethod
    def voice_note(cls, reference: str) -> Input:
        return cls(InputKind.VOICE_NOTE, reference)

    @classmethod
    def repeat(cls) -> Input:
        return cls(InputKind.REPEAT)

    @classmethod
    def other(cls) -> Input:
        return cls(InputKind.OTHER)

    @classmethod
    def command(cls, name: str) -> Input:
        return cls(InputKind.COMMAND, name.lstrip("/").lower())

    def describe(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "question_id": self.question_id}
