"""The console channel: the club in a terminal, one person at a time.

Choices are numbered; answers come from stdin. When stdin is piped the whole script is
read to the end and the chat exits, so a dialog can be replayed.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.channels.numbered import render_numbered
from bot.service.dialogue import Dialogue
from conversations import (
    Catalogue,
    Input,
)

__all__ = ["ConsoleChat"]

LONGEST_LINE = 5000


class ConsoleChat:
    def __init__(
        self,
        dialogue: Dialogue,
        catalogue: Catalogue,
        name: str,
        source: TextIO = sys.stdin,
        sink: TextIO = sys.stdout,
    ) -> None:
        self._dialogue = dialogue
        self._catalogue = catalogue
        self.address = f"console:{name}"
        self._source = source
        self._sink = sink
        self._interactive = source.isatty()

    def show(self, message: str) -> None:
        self._sink.write(f"\n{message}\n")
        self._sink.flush()

    async def send(self, said: Input) -> None:
        answer = await self._dialogue.handle(self.address, said)
        for reply in answer.replies:
            self.show(render_numbered(self._catalogue, answer.language, reply))

    async def run(self) -> None:
        """Greet, then answer each line until the input ends."""
        await self.send(Input.command("start"))
        while True:
            if self._interactive:
                self._sink.write("> ")
                self._sink.flush()
            line = await asyncio.to_thread(self._source.readline)
            if not line:
                return
            line = line.rstrip("\n")[:LONGEST_LINE]
            if not self._interactive:
                self._sink.write(f"> {line}\n")
            if line.startswith("/"):
                await self.send(Input.command(line))
            else:
                await self.send(Input.typed(line))
