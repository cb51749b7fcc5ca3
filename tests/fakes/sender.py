"""A channel that keeps what it is given, for dispatcher tests that need no far end."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.outbox.delivery import Outcome, Outgoing, SendResult

__all__ = ["RecordingSender"]


@dataclass
class RecordingSender:
    """A channel that keeps what it was given; `script` holds results (or errors) to give
    for the next sends, then every send succeeds."""

    channel: str
    sent: list[Outgoing] = field(default_factory=list)
    script: deque[SendResult | Exception] = field(default_factory=deque)

    async def send(self, message: Outgoing) -> SendResult:
        if self.script:
            planned = self.script.popleft()
            if isinstance(planned, Exception):
                raise planned
            if planned.outcome is not Outcome.SENT:
                return planned
        self.sent.append(message)
        return SendResult(Outcome.SENT, provider_id=f"{self.channel}-{len(self.sent)}")

    def to(self, handle: str) -> list[Outgoing]:
        return [message for message in self.sent if message.handle == handle]
