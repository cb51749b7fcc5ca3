"""Replies that cannot go now wait in the outbox: a chat at Telegram's limit of one message
a second, or a token the provider refuses for a while. They are kept as the engine made
them (plain data, worded when sent) behind any replies already waiting for that person,
so the dispatcher sends them in order at the chat's pace; none is lost."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.outbox.delivery import Outgoing
from bot.service.views import aware
from conversations import Choice, Hint, Meaning, Moment, PartsOf, Reply, Text
from storage import UnitOfWork
from storage.models import OutboxMessage, Person
from storage.outbox import Delivery
from storage.people import handle_on

__all__ = ["REPLY", "keep_replies", "one_moment_first", "waiting_reply"]

REPLY = "reply"
"""The outbox kind of a reply that waits."""

Data = dict[str, Any]


async def keep_replies(
    uow: UnitOfWork,
    person_id: int,
    channel: str,
    replies: Sequence[Reply],
    language: str,
    spoken: bool,
    not_before: datetime,
    pace: timedelta,
) -> None:
    """Queue `replies` for the person, each due `pace` after the one before, the first no
    sooner than `not_before` nor than `pace` after the last reply already waiting: they
    fall due at the chat's pace, so the dispatcher claims each when it can go (not a
    minute of one chat's replies at once, held in memory past their lease)."""
    _, latest = await uow.outbox.waiting(person_id, REPLY)
    due = not_before if latest is None else max(not_before, aware(latest) + pace)
    await uow.outbox.enqueue(
        [
            Delivery(
                person_id,
                channel,
                REPLY,
                f"{REPLY}:{person_id}:{uuid.uuid4().hex}",
                due + pace * number,
                {"reply": _reply(reply), "language": language, "spoken": spoken},
            )
            for number, reply in enumerate(replies)
        ]
    )


def waiting_reply(row: OutboxMessage, person: Person, channel: str) -> Outgoing | None:
    """A waiting reply, ready for its chat; None when that chat no longer reaches the
    person (a reply belongs to the conversation it answers, never another channel)."""
    handle = handle_on(person, channel)
    if channel != row.channel or handle is None:
        return None
    payload = row.payload
    return Outgoing(
        row.id,
        person.id,
        channel,
        handle,
        _reply_from(payload["reply"]),
        str(payload["language"]),
        bool(payload["spoken"]),
        person.slow_speech,
        row.kind,
        row.attempts,
    )


def _reply(reply: Reply) -> Data:
    return {
        "texts": [_text(item) for item in reply.texts],
        "choices": [
            {"key": c.key, "label": _text(c.label), "emoji": c.emoji, "meaning": str(c.meaning)}
            for c in reply.choices
        ],
        "speak": reply.speak,
        "hint": str(reply.hint),
        "question_id": reply.question_id,
        "compact": [_text(item) for item in reply.compact],
    }


def _reply_from(data: Data) -> Reply:
    return Reply(
        tuple(_text_from(item) for item in data["texts"]),
        tuple(
            Choice(c["key"], _text_from(c["label"]), c["emoji"], Meaning(c["meaning"]))
            for c in data["choices"]
        ),
        bool(data["speak"]),
        Hint(data["hint"]),
        data["question_id"],
        tuple(_text_from(item) for item in data["compact"]),
    )


def _text(words: Text) -> Data:
    return {"key": words.key, "params": {name: _param(v) for name, v in words.params.items()}}


def _text_from(data: Data) -> Text:
    return Text(data["key"], {name: _param_from(v) for name, v in data["params"].items()})


def _param(value: object) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return {"text": _text(value)}
    if isinstance(value, Moment):
        return {"moment": value.at.isoformat(), "form": value.form}
    if isinstance(value, PartsOf):
        return {"parts_of": _text(value.text)}
    assert isinstance(value, tuple)
    return {"list": [_param(item) for item in value]}


def _param_from(data: Any) -> Any:
    if isinstance(data, str):
        return data
    if "text" in data:
        return _text_from(data["text"])
    if "moment" in data:
        return Moment(datetime.fromisoformat(data["moment"]), data["form"])
    if "parts_of" in data:
        return PartsOf(_text_from(data["parts_of"]))
    return tuple(_param_from(item) for item in data["list"])


def one_moment_first(replies: Sequence[Reply]) -> list[Reply]:
    """The kind word for someone who writes faster than their chat can be answered."""
    return [Reply((Text("common.one_moment"),)), *replies]
