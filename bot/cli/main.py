"""The command line: `python -m bot COMMAND`. Every command has --help."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bot.bootstrap import Club, build_club
from bot.channels.console.chat import ConsoleChat
from bot.cli.broadcast import add_broadcast_command, run_broadcast_command
from bot.cli.coordinator import add_coordinator_command, run_coordinator_command
from bot.cli.logs import set_up_logging
from bot.cli.long_run import settle_for_a_long_run
from bot.cli.people import add_people_commands, run_people_command
from bot.cli.report import add_report_command, run_report_command
from bot.cli.run import run_service
from bot.cli.sessions import add_session_commands, run_session_command
from bot.service.alerts import PrintedAlerts
from config import Settings, SettingsError, load_settings

__all__ = ["main"]

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="The club's messaging companion."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run", help="start the service (local mode with the console chat when no credentials)"
    )
    chat = commands.add_parser("chat", help="talk to the club in this terminal, as one person")
    chat.add_argument("--as", dest="name", default="guest", help="who you are in the chat")
    db = commands.add_parser("db", help="look after the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="bring the database up to date")
    commands.add_parser("dispatch", help="send what is due from the outbox, until stopped")
    add_session_commands(commands)
    add_report_command(commands)
    add_people_commands(commands)
    add_broadcast_command(commands)
    add_coordinator_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    set_up_logging(settings.secrets)
    try:
        return asyncio.run(_dispatch(arguments, settings))
    except KeyboardInterrupt:
        return 0
    except SettingsError as error:  # a value the providers refused at start
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2


async def _dispatch(arguments: argparse.Namespace, settings: Settings) -> int:
    club = build_club(settings)
    if settings.local_mode:
        club.alerts.add_sink(PrintedAlerts(club.catalogue))
    try:
        if arguments.command == "db":
            await club.prepare(demo=False)
            print("The database is up to date.")
            return 0
        if arguments.command == "sessions":
            await club.prepare(demo=settings.local_mode)
            return await run_session_command(club, arguments)
        if arguments.command == "report":
            await club.prepare(demo=False)
            return await run_report_command(club, arguments)
        if arguments.command == "people":
            await club.prepare(demo=False)
            return await run_people_command(club, arguments)
        if arguments.command == "coordinator":
            await club.prepare(demo=settings.local_mode)
            return await run_coordinator_command(club, arguments)
        if arguments.command == "broadcast":
            await club.prepare(demo=settings.local_mode)
            return await run_broadcast_command(club, arguments)
        if arguments.command == "dispatch":
            await club.prepare(demo=False)
            settle_for_a_long_run()
            await _dispatch_until_stopped(club)
            return 0
        if arguments.command == "chat":
            await club.prepare(demo=settings.local_mode)
            await _chat(club, arguments.name)
            return 0
        return await _run(club)
    finally:
        await club.close()


async def _chat(club: Club, name: str) -> None:
    await ConsoleChat(club.dialogue, club.catalogue, name).run()


async def _run(club: Club) -> int:
    settings = club.settings
    if not settings.local_mode:
        await run_service(club)
        return 0
    await club.prepare(demo=True)
    settle_for_a_long_run()
    print(
        f"{settings.club_name}: local mode. Nothing leaves this computer.\n"
        "Type your answers, or the number of a choice. Press Ctrl+D to stop."
    )
    stop = asyncio.Event()
    dispatching = asyncio.create_task(club.dispatcher().run(stop))
    try:
        await _chat(club, "you")
    finally:
        stop.set()
        await dispatching
    return 0


async def _dispatch_until_stopped(club: Club) -> None:
    """The Procfile's worker: the dispatcher alone, stopped by SIGTERM or Ctrl+C."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await club.dispatcher().run(stop)
