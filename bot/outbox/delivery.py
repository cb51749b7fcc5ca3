"""What the dispatcher hands a channel, and what the channel says happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from conversations import (
    Reply,
)

__all__ = ["Outcome", "Outgoing", "SendResult", "Sender"]


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
