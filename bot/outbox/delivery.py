"""What the dispatcher hands a channel, what the channel says happened, and what more a
channel's sender may do (speak after its words, keep a pace, hold its sends)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from conversations import Reply

__all__ = [
    "Holds",
    "Outcome",
    "Outgoing",
    "Paced",
    "SendResult",
    "Sender",
    "SpeaksAfter",
    "TakesRows",
]


@dataclass(frozen=True)
class Outgoing:
    """One message, ready for a channel: whom, where, the words, and whether to speak."""

    row_id: int
    person_id: int
    channel: str
    handle: str
    reply: Reply
    language: str
    spoken: bool
    slow: bool
    kind: str
    attempts: int
    voice_ref: str | None = None
    """A channel's own voice message to send as it is (a coordinator's recorded notice)."""
    expires_at: datetime | None = None
    """After this, the message is pointless (the session has started): providers that can
    hold messages (SMS validity period) must not deliver it later."""
    person_name: str = ""
    """For local mode's terminal, which shows whom a message is for."""


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    """A passing failure: try again later (`retry_after` seconds, if the provider said)."""
    PERMANENT = "permanent"
    """This channel will not reach this person (blocked, opted out, no such number)."""
    ACCOUNT = "account"
    """The provider refuses the club itself (a wrong or rotated token, a suspended
    account): the club's problem, not the person's. The message waits to go later, and
    nobody is marked unreachable."""


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None
    retry_after: float | None = None


class Sender(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> SendResult:
        """Send `message`; never raises for a provider's failure, says it in the result."""


@runtime_checkable
class SpeaksAfter(Protocol):
    """A channel that sends the words and then a voice note of them (Telegram). The
    dispatcher records the words as sent before the voice note goes, so a restart in
    between sends only the voice note, never the words twice."""

    def speaks(self, message: Outgoing) -> bool: ...

    async def send_text(self, message: Outgoing) -> SendResult: ...

    async def send_voice(self, message: Outgoing) -> str | None: ...


@runtime_checkable
class Paced(Protocol):
    """A channel that sends at most one message every `interval` seconds."""

    @property
    def interval(self) -> float: ...


@runtime_checkable
class TakesRows(Protocol):
    """A channel that may use fewer rows at once than the dispatcher would give it (None:
    as many as it is given): no more than its requests in flight when sending flat out."""

    @property
    def rows_at_once(self) -> int | None: ...


@runtime_checkable
class Holds(Protocol):
    """A channel that paces its sends and can hold each one, at its moment, until the
    dispatcher has recorded every send that finished before."""

    hold: asyncio.Event | None
