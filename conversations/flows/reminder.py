"""Reminders and answers to them: coming, not this time, or help getting there.

The answer keys carry the session and the member ("s12m7.coming"), so a button on an old
reminder still works, or says kindly why it no longer applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.changes import SetSessionAnswer
from conversations.digits import MOST_DIGITS
from conversations.flow import Context, Flow, Goto, Question, Turn
from conversations.model import Choice, Meaning, Param, Text, text
from conversations.snapshot import PersonView, SessionView, Snapshot
from conversations.when import when_params

__all__ = [
    "ANSWERS",
    "Reminder",
    "SessionChoice",
    "next_session_for",
    "read_session_choice",
    "reminder_question",
    "session_params",
]

ANSWERS = ("coming", "not_coming", "need_help")
_EMOJI = {"coming": "✅", "not_coming": "❌", "need_help": "🚗"}
_MEANING = {"coming": Meaning.YES, "not_coming": Meaning.NO, "need_help": Meaning.NONE}
_ID = rf"([0-9]{{1,{MOST_DIGITS}}})"
_KEY = re.compile(rf"^s{_ID}m{_ID}\.(coming|not_coming|need_help)$")


@dataclass(frozen=True)
class SessionChoice:
    session_id: int
    member_id: int
    answer: str


def read_session_choice(key: str) -> SessionChoice | None:
    found = _KEY.match(key)
    if found is None:
        return None
    return SessionChoice(int(found[1]), int(found[2]), found[3])


def session_params(session: SessionView, snapshot: Snapshot) -> dict[str, Param]:
    return {
        **when_params(session.starts_at, snapshot.zone),
        "title": session.title,
        "activity": text(f"activity.{session.activity}"),
        "place": session.place,
        "postcode": session.postcode,
    }


def reminder_question(
    session: SessionView, member: PersonView, speaker_id: int, kind: str, snapshot: Snapshot
) -> Question:
    """The reminder as a question: when and where, then "Are you coming?"."""
    params = session_params(session, snapshot)
    ask = (
        text("reminder.ask")
        if member.id == speaker_id
        else text("reminder.ask_for", name=member.name)
    )
    choices = tuple(
        Choice(
            f"s{session.id}m{member.id}.{answer}",
            text(f"choice.{answer}"),
            _EMOJI[answer],
            _MEANING[answer],
        )
        for answer in ANSWERS
    )
    # The texts share one dict of parameters, already as texts take them: the dispatcher
    # makes a reminder for every member at once.
    prompt = (Text(f"reminder.{kind}", params), Text("reminder.place", params), ask)
    with_ask = {**params, "ask": ask}
    compact = (Text("sms.reminder", with_ask), Text("sms.reminder_short", with_ask))
    return Question(
        prompt, Text("reminder.ask.short", params), choices, speak=True, compact=compact
    )


def next_session_for(person: PersonView, snapshot: Snapshot) -> SessionView | None:
    for session in snapshot.sessions:
        if session.cancelled or session.ends_at <= snapshot.now:
            continue
        if session.series_id is None or session.series_id in person.series_ids:
            return session
    return None


class Reminder(Flow):
    name = "reminder"
    first_step = "answer"

    def begin(self, ctx: Context) -> Turn:
        """From the menu: the next session, to say (or change) whether they are coming."""
        speaker = ctx.require_person()
        for subject in (*ctx.snapshot.members, speaker):
            session = next_session_for(subject, ctx.snapshot)
            if session is not None:
                data = {"session": session.id, "member": subject.id, "kind": "next"}
                return Turn(next=Goto(self.name, "answer", data))
        return Turn(say=[text("reminder.none_coming")])

    def question(self, ctx: Context, step: str) -> Question:
        session = ctx.snapshot.session(ctx.data["session"])
        member = ctx.snapshot.subject(ctx.data["member"])
        if session is None or member is None:
            raise LookupError("the session or member of this reminder is gone")
        return reminder_question(
            session, member, ctx.require_person().id, ctx.data.get("kind", "next"), ctx.snapshot
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        chosen = read_session_choice(answer)
        if chosen is None:
            return Turn(retry=True)
        turn = settle(ctx.snapshot, chosen)
        return turn


def settle(snapshot: Snapshot, chosen: SessionChoice) -> Turn:
    """Record an answer to a reminder, unless the session is over, cancelled or not theirs."""
    session = snapshot.session(chosen.session_id)
    member = snapshot.subject(chosen.member_id)
    if session is None or member is None:
        return Turn(say=[text("reminder.not_found")])
    if session.cancelled:
        return Turn(say=[text("reminder.was_cancelled", **session_params(session, snapshot))])
    if session.ends_at <= snapshot.now:
        return Turn(say=[text("reminder.finished")])
    change = SetSessionAnswer(session.id, member.id, chosen.answer)
    return Turn(say=[text(f"reminder.thanks_{chosen.answer}")], changes=[change])
