"""`python -m bot chat`, and `run` in local mode: the club in this terminal, as one person;
in local mode the dispatcher runs beside it, so reminders appear in the chat."""

from __future__ import annotations

import asyncio
import signal

from bot.channels.console.chat import ConsoleChat
from bot.cli.long_run import settle_for_a_long_run
from bot.outbox.dispatcher import Dispatcher
from bot.service.dialogue import Dialogue
from conversations import Catalogue

__all__ = ["chat", "chat_with_reminders", "dispatch_until_stopped"]


async def chat(dialogue: Dialogue, catalogue: Catalogue, name: str) -> None:
    await ConsoleChat(dialogue, catalogue, name).run()


async def chat_with_reminders(
    dialogue: Dialogue, catalogue: Catalogue, dispatcher: Dispatcher, name: str
) -> None:
    """Local mode: nothing leaves this computer; the dispatcher sends this person's
    messages, whichever channel they chose, into their own chat, where they answer."""
    settle_for_a_long_run()
    stop = asyncio.Event()
    dispatching = asyncio.create_task(dispatcher.run(stop))
    try:
        await chat(dialogue, catalogue, name)
    finally:
        stop.set()
        await dispatching


async def dispatch_until_stopped(dispatcher: Dispatcher) -> None:
    """The Procfile's worker: the dispatcher alone, stopped by SIGTERM or Ctrl+C."""
    settle_for_a_long_run()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await dispatcher.run(stop)
