"""`python -m bot broadcast --to GROUP TEXT`: a notice from the command line, through the
same outbox as the Telegram flow; the dispatcher (run or worker) sends it."""

from __future__ import annotations

import argparse
from collections.abc import Collection

from bot.channels.twilio.sms_text import segments_by_language
from bot.service.broadcasts import queue_broadcast
from conversations import Catalogue
from storage import UnitOfWorkFactory
from storage.audiences import AUDIENCES
from storage.models import utc_now

__all__ = ["add_broadcast_command", "run_broadcast_command"]

LONGEST_NOTICE = 1000


def add_broadcast_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broadcast = commands.add_parser("broadcast", help="send a notice to a group")
    broadcast.add_argument("--to", required=True, choices=AUDIENCES, help="who gets it")
    broadcast.add_argument("--activity", help="with --to activity: such as music")
    broadcast.add_argument("text", help="the notice, as people should read it")


async def run_broadcast_command(
    arguments: argparse.Namespace,
    units: UnitOfWorkFactory,
    channels: Collection[str],
    catalogue: Catalogue,
    club_name: str,
) -> int:
    words = " ".join(arguments.text.split())
    if not words:
        print("Not sent: the notice is empty.")
        return 2
    if len(words) > LONGEST_NOTICE:
        print(f"Not sent: please keep the notice under {LONGEST_NOTICE} letters.")
        return 2
    if arguments.to == "activity" and not arguments.activity:
        print("Not sent: --to activity needs --activity, such as music.")
        return 2
    async with units() as uow:
        queued = await queue_broadcast(
            uow, words, arguments.to, arguments.activity, None, None, channels, utc_now()
        )
        if queued.recipients == 0:
            print(f"Not sent: nobody in that group can be reached ({queued.skipped} skipped).")
            return 2
        await uow.commit()
    channels = ", ".join(f"{count} by {name}" for name, count in sorted(queued.by_channel.items()))
    parts = segments_by_language(catalogue, club_name, words)["en"]
    print(f"Notice {queued.broadcast_id} queued for {queued.recipients} people ({channels}).")
    print(f"Skipped, no way to reach them: {queued.skipped}. A text message takes {parts} parts.")
    return 0
