"""The conversation engine: an input and a saved position in, replies and changes out.

It does no I/O. The caller loads a `Snapshot` and the `Position`, calls `handle`, then
records the `changes` and the new position in one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy  # flows change their notes in place; the caller's stay as given
from dataclasses import dataclass, field
from typing import Any

from conversations.changes import Change, Erase, RequestHelp
from conversations.flow import (
    BEGIN,
    SAID,
    SKIP,
    VOICE,
    Context,
    Flow,
    Goto,
    Question,
    Turn,
    choice,
)
from conversations.flows.reminder import SessionChoice, read_session_choice, session_params, settle
from conversations.languages import newcomer_language
from conversations.model import HELP_CHOICE, Choice, Input, InputKind, Reply, Text, text
from conversations.snapshot import Position, Snapshot
from conversations.triggers import (
    Broadcast,
    FeedbackAsked,
    PollAsked,
    ReminderSent,
    SessionNotice,
    Trigger,
)
from conversations.understanding import Vocabulary, match_choice, normalise, wants_help

__all__ = ["IDLE", "Engine", "Outcome"]

IDLE = "idle"
"""The flow name of a position with no open question."""

HELP = choice(HELP_CHOICE, "🙋")

COMMAND_FLOWS = {
    "start": "menu",
    "menu": "menu",
    "help": "help",
    "preferences": "preferences",
    "mydata": "my_data",
    "forgetme": "forget_me",
    "language": "language",
    "sessions": "club_sessions",
    "notice": "notice",
    "attendance": "attendance",
    "roles": "roles",
    "choose": "ask_everyone",
    "report": "report",
}
"""Commands and the flows they open. Everyone unknown is sent to registration."""


def asking(
    question: Question, question_id: int, say: Sequence[Text] = (), short: bool = False
) -> Reply:
    """The reply that asks `question`: its prompt, its choices and "Talk to a person"."""
    prompt = (question.short,) if short else question.prompt
    return Reply(
        texts=(*say, *prompt),
        choices=(*question.choices, HELP),
        speak=question.speak,
        hint=question.hint,
        question_id=question_id,
        compact=() if say or short else question.compact,
    )


@dataclass
class Outcome:
    """Replies to send, changes to record, the new position, and the choice taken (if any).

    `taken` lets a channel mark a pressed button as answered; a stale press leaves it None.
    """

    replies: list[Reply] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    position: Position | None = None
    """Where the conversation stands now; None leaves it where it was."""
    taken: str | None = None


class Engine:
    """Runs the flows. `vocabulary` and `label` let it read typed answers in any language."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        vocabulary: Callable[[str], Vocabulary],
        label: Callable[[str, Choice], str],
    ) -> None:
        self._flows = dict(flows)
        self._vocabulary = vocabulary
        self._label = label

    def handle(self, snapshot: Snapshot, position: Position | None, said: Input) -> Outcome:
        position = position or Position(IDLE, IDLE)
        outcome = Outcome()
        if snapshot.person is None and said == Input.command("forgetme"):
            # a newcomer: what they began to tell us (a name, a number) goes at once
            outcome.changes.append(Erase(()))
            outcome.replies.append(Reply((text("forget.done"),)))
            return outcome
        if snapshot.person is None and position.flow != "registration":
            say: list[Text] = []
            if self._asks_for_help(said):  # a newcomer's first "0" or "help" reaches a person
                outcome.changes.append(RequestHelp(where=f"{position.flow}.{position.step}"))
                say = [text("help.requested"), text("help.carry_on")]
            elif said.kind is InputKind.VOICE_NOTE:  # kept and passed on, as from anyone
                say = self._unread(said, position, outcome)
            return self._start(snapshot, position, "registration", outcome, say)
        if said.kind is InputKind.COMMAND:
            return self._command(snapshot, position, said.value, outcome)
        if said.kind is InputKind.REPEAT:
            return self._repeat(snapshot, position, outcome)
        chosen = self._session_choice_in(said)
        if chosen is not None and not self._is_current(position, chosen):
            return self._session_choice(snapshot, position, said, chosen, outcome)
        if position.flow == IDLE:
            return self._idle(snapshot, position, said, outcome)
        return self._answer(snapshot, position, said, outcome, lasting=chosen is not None)

    def start(
        self, snapshot: Snapshot, position: Position | None, trigger: Trigger, again: bool = False
    ) -> Outcome:
        """Open what `trigger` asks from outside (a reminder, feedback, a poll) as the
        person's open question, keeping the one they were in the middle of to come back
        to; a notice is only said. `again`: the question went before (the words were out
        when the sender stopped), so it is asked with its own id and nothing moves."""
        position = position or Position(IDLE, IDLE)
        outcome = Outcome()
        if isinstance(trigger, Broadcast | SessionNotice):
            outcome.replies.append(Reply((self._notice(snapshot, trigger),), speak=True))
            return outcome
        flow, step, data = self._opened_by(snapshot, trigger)
        if again:
            question = self._flows[flow].question(Context(snapshot, data), step)
            outcome.replies.append(asking(question, position.question_id))
            return outcome
        if position.flow not in {IDLE, "reminder", flow}:
            data["resume"] = {
                "flow": position.flow,
                "step": position.step,
                "data": dict(position.data),
            }
        opened = Position(flow, step, data, position.question_id + 1)
        question = self._flows[flow].question(Context(snapshot, data), step)
        outcome.replies.append(asking(question, opened.question_id))
        outcome.position = opened
        return outcome

    @staticmethod
    def _notice(snapshot: Snapshot, trigger: Broadcast | SessionNotice) -> Text:
        if isinstance(trigger, Broadcast):
            return text("notice.broadcast", club=snapshot.club_name, words=trigger.words)
        session = snapshot.session(trigger.session_id)
        if session is None:
            raise LookupError("the session of this notice is gone")
        return text(f"notice.{trigger.notice}", **session_params(session, snapshot))

    @staticmethod
    def _opened_by(
        snapshot: Snapshot, trigger: ReminderSent | FeedbackAsked | PollAsked
    ) -> tuple[str, str, dict[str, Any]]:
        """The flow, step and notes a trigger opens."""
        if isinstance(trigger, PollAsked):
            return "poll", "pick", {"poll": trigger.poll_id, "options": list(trigger.options)}
        about = {"session": trigger.session_id, "member": trigger.member_id}
        if isinstance(trigger, ReminderSent):
            return "reminder", "answer", {**about, "kind": trigger.kind}
        member = snapshot.subject(trigger.member_id)
        if member is None or snapshot.person is None:
            raise LookupError("the member asked about is gone")
        helped = member.id != snapshot.person.id
        return "feedback", "face", {**about, "name": member.name, "carer_helped": helped}

    def sessions_named(self, position: Position | None, said: Input) -> set[int]:
        """The sessions an input is about (the open question's, and a reminder button's),
        for the caller to put in the snapshot."""
        named: set[int] = set()
        if position is not None and isinstance(position.data.get("session"), int):
            named.add(position.data["session"])
        chosen = self._session_choice_in(said)
        if chosen is not None:
            named.add(chosen.session_id)
        return named

    @staticmethod
    def _session_choice_in(said: Input) -> SessionChoice | None:
        """A reminder's answer key names its session and member; read here, once."""
        return read_session_choice(said.value) if said.kind is InputKind.CHOICE else None

    def _asks_for_help(self, said: Input, language: str = "en") -> bool:
        if said.kind is InputKind.CHOICE:
            return said.value == HELP_CHOICE
        if said.kind is not InputKind.TEXT:
            return False
        return wants_help(normalise(said.value), self._vocabulary(language))

    def _repeat(self, snapshot: Snapshot, position: Position, outcome: Outcome) -> Outcome:
        """The open question in full; with none open, the next session to answer about."""
        if position.flow == IDLE:
            return self._start(snapshot, position, "reminder", outcome)
        ctx = Context(snapshot, deepcopy(position.data))
        question = self._flows[position.flow].question(ctx, position.step)
        return self._ask(ctx, position, question, outcome, [])

    @staticmethod
    def _is_current(position: Position, chosen: SessionChoice) -> bool:
        """The press answers the reminder question that is open right now."""
        return (
            position.flow == "reminder"
            and position.data.get("session") == chosen.session_id
            and position.data.get("member") == chosen.member_id
        )

    def _session_choice(
        self,
        snapshot: Snapshot,
        position: Position,
        said: Input,
        chosen: SessionChoice,
        outcome: Outcome,
    ) -> Outcome:
        """A button from an earlier reminder: it still counts, and the open question stays.
        The answer on record pressed again (a double tap) changes and says nothing."""
        if snapshot.session_answers.get(chosen.session_id, {}).get(chosen.member_id) == (
            chosen.answer
        ):
            return outcome
        turn = settle(snapshot, chosen)
        outcome.changes.extend(turn.changes)
        if turn.changes:
            outcome.taken = said.value
        if position.flow == IDLE:
            outcome.replies.append(Reply(tuple(turn.say), speak=True))
            outcome.position = position
            return outcome
        ctx = Context(snapshot, deepcopy(position.data))
        question = self._flows[position.flow].question(ctx, position.step)
        return self._ask(ctx, position, question, outcome, turn.say)

    def _command(
        self, snapshot: Snapshot, position: Position, name: str, outcome: Outcome
    ) -> Outcome:
        flow = COMMAND_FLOWS.get(name)
        unknown = [] if flow else [text("common.unknown_command")]
        if snapshot.person is None:  # checked first: the menu needs a registered person
            return self._start(snapshot, position, "registration", outcome, unknown)
        if flow is None:
            return self._start(snapshot, position, "menu", outcome, unknown)
        return self._start(snapshot, position, flow, outcome)

    def _idle(
        self, snapshot: Snapshot, position: Position, said: Input, outcome: Outcome
    ) -> Outcome:
        language = snapshot.person.language if snapshot.person else "en"
        if said.kind is InputKind.CHOICE:
            if said.value == HELP_CHOICE:
                return self._help(snapshot, position, outcome, None)
            return self._start(snapshot, position, "menu", outcome, [text("common.closed")])
        if said.kind is InputKind.TEXT and wants_help(
            normalise(said.value), self._vocabulary(language)
        ):
            return self._help(snapshot, position, outcome, None)
        if said.kind is InputKind.TEXT:  # "language", "idioma", "polski": by text, no command
            wanted = [name for name, flow in self._flows.items() if flow.opened_by(said.value)]
            if wanted:
                return self._start(snapshot, position, wanted[0], outcome)
        return self._start(
            snapshot, position, "menu", outcome, self._unread(said, position, outcome)
        )

    def _answer(
        self,
        snapshot: Snapshot,
        position: Position,
        said: Input,
        outcome: Outcome,
        lasting: bool = False,
    ) -> Outcome:
        """`lasting`: the input is a reminder's answer, whose key never goes stale."""
        ctx = Context(snapshot, deepcopy(position.data))
        flow = self._flows[position.flow]
        if not self._allowed(snapshot, flow):
            return self._start(snapshot, position, "menu", outcome, [text("common.not_allowed")])
        question = flow.question(ctx, position.step)
        key: str | None
        if said.kind is InputKind.CHOICE:
            # "Talk to a person" never goes stale, nor a reminder's answer: its key names the
            # session and member (an earlier reminder's button answers the open one).
            stale = said.question_id != position.question_id
            if stale and not (lasting or said.value == HELP_CHOICE):
                return self._ask(ctx, position, question, outcome, [text("common.stale")])
            key = said.value
            allowed = {c.key for c in question.choices} | ({SKIP} if question.skippable else set())
            if key != HELP_CHOICE and key not in allowed:
                return self._ask(ctx, position, question, outcome, [text("common.stale")])
        elif said.kind is InputKind.TEXT:
            key = self._read(snapshot, question, said.value, self._language(snapshot, position))
            if key is None and question.words_too and said.value.strip():
                key = f"{SAID}{said.value.strip()}"
            if key is None:
                return self._ask_again(ctx, position, question, outcome, said.value)
        elif said.kind is InputKind.VOICE_NOTE and question.voice_too:
            key = f"{VOICE}{said.value}"
        else:
            return self._ask(
                ctx, position, question, outcome, self._unread(said, position, outcome)
            )
        if said.kind is InputKind.CHOICE:
            outcome.taken = key
        if key == HELP_CHOICE:
            return self._help(snapshot, position, outcome, question)
        if not question.choices and question.longest is not None and len(key) > question.longest:
            return self._ask(ctx, position, question, outcome, [text("common.too_long")])
        turn = flow.answer(ctx, position.step, key)
        if turn.retry:
            outcome.changes.extend(turn.changes)
            return self._ask(ctx, position, question, outcome, turn.say, short=True)
        return self._follow(ctx, position, turn, outcome)

    @staticmethod
    def _language(snapshot: Snapshot, position: Position) -> str:
        """The person's language; a newcomer's is the one registration's first question chose."""
        return snapshot.person.language if snapshot.person else newcomer_language(position)

    def _read(
        self, snapshot: Snapshot, question: Question, words: str, language: str
    ) -> str | None:
        vocabulary = self._vocabulary(language)
        if not question.choices:
            stripped = words.strip()
            if normalise(stripped) in {"0", *map(normalise, vocabulary.get("help", ()))}:
                return HELP_CHOICE
            return stripped or None
        if question.skippable and normalise(words) in {
            normalise(word) for word in vocabulary.get("skip", ())
        }:
            return SKIP
        return match_choice(
            words,
            question.choices,
            vocabulary,
            lambda c: self._label(language, c),
            loose=not question.whole_labels,
        )

    def _unread(self, said: Input, position: Position, outcome: Outcome) -> list[Text]:
        """Words for something that is not an answer; a voice message goes to the team."""
        if said.kind is InputKind.VOICE_NOTE:
            where = f"{position.flow}.{position.step}"
            outcome.changes.append(RequestHelp(where, "voice_note", said.value))
            return [text("common.voice_note_kept")]
        if said.kind is InputKind.OTHER:
            return [text("common.only_words")]
        if not said.value.strip():
            return []
        return [text("common.not_understood")]

    def _help(
        self,
        snapshot: Snapshot,
        position: Position,
        outcome: Outcome,
        question: Question | None,
    ) -> Outcome:
        where = f"{position.flow}.{position.step}"
        outcome.changes.append(RequestHelp(where=where))
        said = [text("help.requested")]
        if question is None:
            outcome.replies.append(Reply(tuple(said), speak=True))
            outcome.position = position
            return outcome
        ctx = Context(snapshot, deepcopy(position.data))
        return self._ask(ctx, position, question, outcome, [*said, text("help.carry_on")])

    @staticmethod
    def _allowed(snapshot: Snapshot, flow: Flow) -> bool:
        """Coordinator and committee flows check the role at every step, not just the first."""
        if not flow.roles:
            return True
        return snapshot.person is not None and bool(snapshot.person.roles & flow.roles)

    def _start(
        self,
        snapshot: Snapshot,
        position: Position,
        flow_name: str,
        outcome: Outcome,
        say: list[Text] | None = None,
    ) -> Outcome:
        ctx = Context(snapshot, {})
        flow = self._flows[flow_name]
        if not self._allowed(snapshot, flow):
            return self._start(snapshot, position, "menu", outcome, [text("common.not_allowed")])
        turn = flow.begin(ctx)
        turn.say[:0] = say or []
        return self._follow(ctx, position, turn, outcome)

    def _follow(self, ctx: Context, position: Position, turn: Turn, outcome: Outcome) -> Outcome:
        outcome.changes.extend(turn.changes)
        resume = ctx.data.get("resume")
        if turn.next is None and isinstance(resume, dict):
            turn.next = Goto(resume["flow"], resume["step"], resume["data"])
        if turn.next is None:
            if turn.say:
                outcome.replies.append(Reply(tuple(turn.say), speak=True))
            outcome.position = Position(IDLE, IDLE, {}, position.question_id)
            return outcome
        return self._go(ctx, position, turn.next, outcome, turn.say)

    def _go(
        self, ctx: Context, position: Position, goto: Goto, outcome: Outcome, say: list[Text]
    ) -> Outcome:
        data = ctx.data if goto.data is None else dict(goto.data)
        next_ctx = Context(ctx.snapshot, data)
        if goto.step == BEGIN:
            turn = self._flows[goto.flow].begin(next_ctx)
            turn.say[:0] = say
            return self._follow(next_ctx, position, turn, outcome)
        question = self._flows[goto.flow].question(next_ctx, goto.step)
        asked = Position(goto.flow, goto.step, data, position.question_id + 1)
        return self._ask(next_ctx, asked, question, outcome, say)

    def _ask(
        self,
        ctx: Context,
        position: Position,
        question: Question,
        outcome: Outcome,
        say: list[Text],
        short: bool = False,
    ) -> Outcome:
        outcome.replies.append(asking(question, position.question_id, say, short))
        outcome.position = Position(position.flow, position.step, ctx.data, position.question_id)
        return outcome

    def _ask_again(
        self,
        ctx: Context,
        position: Position,
        question: Question,
        outcome: Outcome,
        said: str,
    ) -> Outcome:
        sorry = [text("common.not_understood")] if said.strip() else []
        return self._ask(ctx, position, question, outcome, sorry, short=True)
