"""Dialog scripts: inputs and the replies they should get, run through the engine or a channel.

A script is a list of steps `(said, expected)`:

- `said` is typed text ("Ann"), a command ("/start"), a button press by choice key
  (`press("carer")`, answering the question open at that moment), or any `Input`.
- `expected` is an `Expect` (see `says` and `mentions`) or None for "anything".

`run_dialog` sends each step to `club.dialogue` (engine plus storage). `run_console_dialog`
sends the same script through the console channel: a press becomes the number the console
shows for that choice, typed on its own line, read by `ConsoleChat.run` itself.

On every reply the helper also checks the rules that hold everywhere: at most three answer
choices, and "Talk to a person" always present and last.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.bootstrap import Club
from bot.channels.console.chat import ConsoleChat
from bot.channels.numbered import choice_digit
from bot.service.dialogue import Answer, Dialogue
from conversations import HELP_CHOICE, Input, Reply

__all__ = [
    "Expect",
    "Log",
    "Press",
    "Replied",
    "Step",
    "check_reply_rules",
    "choice_keys",
    "mentions",
    "press",
    "run_console_dialog",
    "run_dialog",
    "says",
    "text_keys",
]

MOST_ANSWER_CHOICES = 3


@dataclass(frozen=True)
class Press:
    """A button press by choice key; `question_id` None means "the question open now"."""

    key: str
    question_id: int | None = None


def press(key: str, question_id: int | None = None) -> Press:
    return Press(key, question_id)


Said = str | Press | Input


@dataclass(frozen=True)
class Expect:
    """What the replies to one input should be.

    texts: exactly these catalogue keys, in order, over all replies (None: not checked).
    includes: these keys appear among the replies.
    excludes: these keys do not appear.
    choices: the answer choices of the last question asked, in order, without "person"
             (None: not checked; () means the replies ask no question).
    """

    texts: tuple[str, ...] | None = None
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None


def says(*keys: str, choices: Sequence[str] | None = None) -> Expect:
    """Exactly these text keys, in order; and these choices if given."""
    return Expect(texts=keys, choices=None if choices is None else tuple(choices))


def mentions(
    *keys: str, choices: Sequence[str] | None = None, excludes: Sequence[str] = ()
) -> Expect:
    """These text keys among others; and these choices if given."""
    return Expect(
        includes=keys,
        excludes=tuple(excludes),
        choices=None if choices is None else tuple(choices),
    )


Step = tuple[Said, Expect | None]


class Replied(Protocol):
    """What answers an input: the dialogue's `Answer`, or the engine's own `Outcome`."""

    @property
    def replies(self) -> list[Reply]: ...


def text_keys(answer: Replied) -> list[str]:
    return [part.key for reply in answer.replies for part in reply.texts]


def last_question(answer: Replied) -> Reply | None:
    questions = [reply for reply in answer.replies if reply.is_question]
    return questions[-1] if questions else None


def choice_keys(answer: Replied) -> tuple[str, ...]:
    """The answer choices of the last question in `answer`, "Talk to a person" left out."""
    question = last_question(answer)
    if question is None:
        return ()
    return tuple(c.key for c in question.choices if c.key != HELP_CHOICE)


def check_reply_rules(reply: Reply) -> None:
    """Rule 2 of the design: at most 3 answers, plus "Talk to a person", always last."""
    if not reply.is_question:
        assert not reply.choices, f"choices without a question: {reply}"
        return
    keys = [c.key for c in reply.choices]
    assert keys, f"a question offers no way to a person: {reply}"
    assert keys[-1] == HELP_CHOICE, f"'Talk to a person' is not last: {keys}"
    assert keys.count(HELP_CHOICE) == 1, f"'Talk to a person' twice: {keys}"
    assert len(keys) - 1 <= MOST_ANSWER_CHOICES, f"more than 3 answer choices: {keys}"


def check(answer: Replied, expected: Expect | None, where: str) -> None:
    for reply in answer.replies:
        check_reply_rules(reply)
    if expected is None:
        return
    keys = text_keys(answer)
    if expected.texts is not None:
        assert keys == list(expected.texts), f"{where}: replies {keys}"
    for key in expected.includes:
        assert key in keys, f"{where}: {key} missing from {keys}"
    for key in expected.excludes:
        assert key not in keys, f"{where}: {key} unexpected in {keys}"
    if expected.choices is not None:
        assert choice_keys(answer) == expected.choices, (
            f"{where}: choices {choice_keys(answer)} after {keys}"
        )


@dataclass
class Log:
    """What a script produced: one `Answer` per step, and the open question's id."""

    answers: list[Replied] = field(default_factory=list)
    question: Reply | None = None

    @property
    def last(self) -> Replied:
        return self.answers[-1]

    def note(self, answer: Replied) -> None:
        self.answers.append(answer)
        self.question = last_question(answer) or self.question

    def to_input(self, said: Said) -> Input:
        if isinstance(said, Input):
            return said
        if isinstance(said, Press):
            qid = said.question_id
            if qid is None:
                assert self.question is not None, f"no question is open to press {said.key}"
                qid = self.question.question_id
            return Input.choice(said.key, qid)
        if said.startswith("/"):
            return Input.command(said)
        return Input.typed(said)


async def run_dialog(
    dialogue: Dialogue, address: str, steps: Sequence[Step], log: Log | None = None
) -> Log:
    """Send each step to the dialogue (engine plus storage) and check its replies.

    Pass the `Log` of an earlier run to carry on the same conversation.
    """
    log = log or Log()
    for number, (said, expected) in enumerate(steps, 1):
        answer = await dialogue.handle(address, log.to_input(said))
        log.note(answer)
        check(answer, expected, f"step {number} ({said!r})")
    return log


class _Recording:
    """Stands in for the dialogue inside a channel and keeps every answer it gave."""

    def __init__(self, dialogue: Dialogue, log: Log) -> None:
        self._dialogue = dialogue
        self._log = log

    async def handle(self, address: str, said: Input) -> Answer:
        answer = await self._dialogue.handle(address, said)
        self._log.note(answer)
        return answer


class _ScriptedLines(io.TextIOBase):
    """stdin for the console: each line is worked out when the console asks for it."""

    def __init__(self, next_line: Callable[[], str]) -> None:
        self._next_line = next_line

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._next_line()

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return True


def console_line(log: Log, said: Said) -> str:
    """What a person types in the console for this step: a press is the choice's number."""
    if isinstance(said, str):
        return said
    if isinstance(said, Press):
        question = log.question
        assert question is not None, f"no question is open to press {said.key}"
        chosen = [c for c in question.choices if c.key == said.key]
        assert chosen, f"{said.key} is not offered: {[c.key for c in question.choices]}"
        return choice_digit(question.choices, chosen[0])
    raise TypeError(f"the console can only type lines, not {said!r}")


async def run_console_dialog(club: Club, name: str, steps: Sequence[Step]) -> tuple[Log, str]:
    """Run a script through `ConsoleChat.run`, as a person typing line by line.

    The console greets with /start by itself, so a script must begin with ("/start", ...).
    Returns the answers and everything the console printed.
    """
    assert steps and steps[0][0] == "/start", "a console script begins with /start"
    log = Log()
    sink = io.StringIO()
    position = {"step": 0}

    def next_line() -> str:
        index = position["step"]
        said, expected = steps[index]
        assert len(log.answers) == index + 1, f"step {index + 1} ({said!r}) got no answer"
        check(log.answers[index], expected, f"console step {index + 1} ({said!r})")
        position["step"] = index + 1
        if index + 1 == len(steps):
            return ""
        return console_line(log, steps[index + 1][0]) + "\n"

    chat = ConsoleChat(
        _Recording(club.dialogue, log),  # type: ignore[arg-type]
        club.catalogue,
        name,
        source=_ScriptedLines(next_line),  # type: ignore[arg-type]  # a TextIOBase reads as TextIO
        sink=sink,
    )
    await chat.run()
    assert position["step"] == len(steps), "the console stopped before the script ended"
    return log, sink.getvalue()
