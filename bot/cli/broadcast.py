"""`python -m bot broadcast --to GROUP TEXT`: a notice from the command line, through the
same outbox as the Telegram flow; the dispatcher (run or worker) sends it. In the club's
quiet hours it waits for the morning, unless `--urgent`."""

from __future__ import annotations

import argparse
from collections.abc import Collection

from bot.channels.twilio.sms_text import segments_by_language
from bot.service.broadcasts import QuietHours, Sending, queue_broadcast
from config import Settings
from conversations import Catalogue, SendNotice
from storage import UnitOfWorkFactory
from storage.audiences import AUDIENCES
from storage.models import utc_now

__all__ = ["add_broadcast_command", "run_broadcast_command"]

LONGEST_NOTICE = 1000


def add_broadcast_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broadcast = commands.add_parser("broadcast", help="send a notice to a group")
    broadcast.add_argument("--to", required=True, choices=AUDIENCES, help="who gets it")
    broadcast.add_argument("--activity", help="with --to activity: such as music")
    broadcast.add_argument(
        "--urgent",
        action="store_true",
        help="send it now even in the quiet hours (QUIET_HOURS), when it would wait",
    )
    broadcast.add_argument("text", help="the notice, as people should read it")


async def run_broadcast_command(
    arguments: argparse.Namespace,
    units: UnitOfWorkFactory,
    channels: Collection[str],
    catalogue: Catalogue,
    settings: Settings,
    quiet_hours: QuietHours,
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
    sending = Sending.at(utc_now(), quiet_hours)
    notice = SendNotice(words, arguments.to, arguments.activity, None, arguments.urgent)
    async with units() as uow:
        queued = await queue_broadcast(uow, notice, None, channels, sending)
        if queued.recipients == 0:
            print(f"Not sent: nobody in that group can be reached ({queued.skipped} skipped).")
            return 2
        await uow.commit()
    reached = ", ".join(f"{count} by {name}" for name, count in sorted(queued.by_channel.items()))
    parts = segments_by_language(catalogue, settings.club_name, words)["en"]
    print(f"Notice {queued.broadcast_id} queued for {queued.recipients} people ({reached}).")
    print(f"Skipped, no way to reach them: {queued.skipped}. A text message takes {parts} parts.")
    print(when_it_goes(settings, sending, arguments.urgent))
    return 0


def when_it_goes(settings: Settings, sending: Sending, urgent: bool) -> str:
    if not sending.quiet:
        return "It goes now."
    if urgent:
        return f"Marked urgent: it goes now, in the quiet hours ({settings.quiet_hours})."
    morning = sending.held_until.astimezone(settings.zone)
    return (
        f"It is the quiet hours ({settings.quiet_hours}): it will go at "
        f"{morning:%H:%M} on {morning:%A %d %B}. Add --urgent to send it now."
    )
