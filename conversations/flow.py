"""How a flow is written: named steps, each a question and what its answer leads to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from conversations.changes import Change
from conversations.model import Choice, Hint, Meaning, Text, text
from conversations.snapshot import PersonView, Snapshot

__all__ = [
    "BEGIN",
    "SAID",
    "SKIP",
    "VOICE",
    "Context",
    "Flow",
    "Goto",
    "Question",
    "Turn",
    "choice",
    "no_choice",
    "yes_choice",
]


@dataclass
class Context:
    """What a step sees: the snapshot and the flow's own notes so far."""

    snapshot: Snapshot
    data: dict[str, Any]

    @property
    def person(self) -> PersonView | None:
        return self.snapshot.person

    def require_person(self) -> PersonView:
        if self.snapshot.person is None:
            raise LookupError("this step needs a registered person")
        return self.snapshot.person


LONGEST_ANSWER = 500


@dataclass(frozen=True)
class Question:
    """A step's question. No choices means free text is expected."""

    prompt: tuple[Text, ...]
    short: Text
    choices: tuple[Choice, ...] = ()
    speak: bool = False
    compact: tuple[Text, ...] = ()
    words_too: bool = False
    """Typed words that match no choice are the answer itself (prefixed SAID)."""
    voice_too: bool = False
    """A voice message is the answer (prefixed VOICE and the channel's reference)."""
    skippable: bool = False
    """Typed "skip" (in the person's language) answers with the key SKIP."""
    whole_labels: bool = False
    """Typed words pick a choice only as its whole label, a digit or a yes/no word, never
    by one word shared with a label: "español" is not the "Español, Polski" button."""
    longest: int | None = LONGEST_ANSWER
    """The most letters a typed answer may have (the engine refuses longer ones kindly);
    None when the flow checks the length itself, with words of its own."""

    @property
    def hint(self) -> Hint:
        return Hint.CHOICE if self.choices else Hint.FREE_TEXT


SAID = "said:"
SKIP = "skip"
VOICE = "voice:"
BEGIN = ""
"""The step name that means "start the flow from its beginning"."""


@dataclass(frozen=True)
class Goto:
    """Ask `step` of `flow` next (BEGIN: run its `begin`); `data` replaces the notes if given."""

    flow: str
    step: str
    data: dict[str, Any] | None = None


@dataclass
class Turn:
    """The result of an answer: words to say, changes to record, what to ask next.

    `retry` means the answer could not be used: the same question is asked again, shorter.
    """

    say: list[Text] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    next: Goto | None = None
    retry: bool = False


class Flow(ABC):
    """A conversation written once for every channel."""

    name: ClassVar[str]
    first_step: ClassVar[str]
    roles: ClassVar[frozenset[str]] = frozenset()
    """Roles allowed to use this flow (any of them); empty means everyone registered."""

    def begin(self, ctx: Context) -> Turn:
        return Turn(next=Goto(self.name, self.first_step, {}))

    @abstractmethod
    def question(self, ctx: Context, step: str) -> Question:
        """The question asked at `step`."""

    @abstractmethod
    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        """Handle a choice key (or typed text, for a free-text step) given at `step`."""

    def opened_by(self, words: str) -> bool:
        """Whether words typed with no question open ask for this flow ("language")."""
        return False


def choice(key: str, emoji: str = "", meaning: Meaning = Meaning.NONE, **params: object) -> Choice:
    """A choice whose label is the catalogue text `choice.<key>`."""
    return Choice(key, text(f"choice.{key}", **params), emoji, meaning)


def yes_choice(key: str = "yes", emoji: str = "✅") -> Choice:
    return choice(key, emoji, Meaning.YES)


def no_choice(key: str = "no", emoji: str = "❌") -> Choice:
    return choice(key, emoji, Meaning.NO)
