"""Local mode's senders: nothing leaves this computer, so every channel's messages appear
in the terminal chat of the person they are for, shown the way that channel would show
them (numbered choices for Telegram and the chat, the text message as it would read, the
words a phone call would say), and answered there."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channels.numbered import render_numbered
from bot.channels.twilio.sms_text import render_sms
from bot.channels.twilio.voice import spoken_with_keys
from bot.outbox.delivery import Outcome, Outgoing, SendResult
from conversations import Catalogue

__all__ = ["TERMINAL_CHANNELS", "TerminalSender"]

TERMINAL_CHANNELS = ("console", "telegram", "sms", "voice")
HEADINGS = {
    "console": "[Message for {name}]",
    "telegram": "[Telegram message for {name}]",
    "sms": "[Text message to {name}]",
    "voice": "[Phone call to {name}]",
}


class TerminalSender:
    def __init__(self, channel: str, catalogue: Catalogue, sink: TextIO | None = None) -> None:
        """`sink`: where the terminal is (standard output, as it is at each send)."""
        self.channel = channel
        self._catalogue = catalogue
        self._sink = sink

    def words(self, message: Outgoing) -> str:
        """The message as this channel would give it to the person."""
        language, reply = message.language, message.reply
        if self.channel == "sms":
            return render_sms(self._catalogue, language, reply)
        if self.channel == "voice":
            return f'"{spoken_with_keys(self._catalogue, language, reply)}"'
        return render_numbered(self._catalogue, language, reply)

    async def send(self, message: Outgoing) -> SendResult:
        heading = HEADINGS[self.channel].format(name=message.person_name or message.handle)
        sink = self._sink or sys.stdout
        sink.write(f"\n{heading}\n{self.words(message)}\n> ")
        sink.flush()
        return SendResult(Outcome.SENT, provider_id=f"{self.channel}-{message.row_id}")
