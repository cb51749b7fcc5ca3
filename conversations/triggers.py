"""What starts a conversation from outside: a reminder, feedback after a session, a poll,
a notice. The outbox asks the engine through `Engine.start` with one of these, the way
goflow's triggers start a flow, so only the engine decides what is asked and where a
person's conversation goes next."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Broadcast",
    "FeedbackAsked",
    "PollAsked",
    "ReminderSent",
    "SessionNotice",
    "Trigger",
]


@dataclass(frozen=True)
class ReminderSent:
    """A session's reminder for `member_id` ("day_before", "morning", "next", "followup"),
    asked of whoever receives it (the member, or their carer)."""

    session_id: int
    member_id: int
    kind: str


@dataclass(frozen=True)
class FeedbackAsked:
    """How was the session, for `member_id`, asked of the member or their carer."""

    session_id: int
    member_id: int


@dataclass(frozen=True)
class PollAsked:
    """Choosing together: which of these activities would they like next."""

    poll_id: int
    options: tuple[str, ...]


@dataclass(frozen=True)
class SessionNotice:
    """A session was cancelled, changed or moved ("cancelled", "changed", "moved")."""

    notice: str
    session_id: int


@dataclass(frozen=True)
class Broadcast:
    """A coordinator's notice in their own words."""

    words: str


Trigger = ReminderSent | FeedbackAsked | PollAsked | SessionNotice | Broadcast
