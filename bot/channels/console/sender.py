"""Local mode's sender: reminders appear in the terminal chat, numbered like any reply."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channels.numbered import render_numbered
from bot.outbox.delivery import Outcome, Outgoing, SendResult
from conversations import (
    Catalogue,
)

__all__ = ["ConsoleSender"]


class ConsoleSender:
    channel = "console"

    def __init__(self, catalogue: Catalogue, sink: TextIO = sys.stdout) -> None:
        self._catalogue = catalogue
        self._sink = sink

    async def send(self, message: Outgoing) -> SendResult:
        words = render_numbered(self._catalogue, message.language, message.reply)
        self._sink.write(f"\n[Message for {message.handle}]\n{words}\n> ")
        self._sink.flush()
        return SendResult(Outcome.SENT, provider_id=f"console-{message.row_id}")
