"""The command line: `python -m bot COMMAND`. Every command has --help."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.bootstrap import Club, build_club
from bot.cli.broadcast import add_broadcast_command, run_broadcast_command
from bot.cli.chat import chat, chat_with_reminders, dispatch_until_stopped
from bot.cli.coordinator import (
    add_coordinator_command,
    run_coordinator_command,
    run_link_command,
)
from bot.cli.logs import set_up_logging
from bot.cli.people import add_people_commands, run_people_command
from bot.cli.report import add_report_command, run_report_command
from bot.cli.run import run_service
from bot.cli.sessions import add_session_commands, run_session_command
from bot.cli.web_beside import web_beside
from config import Settings, SettingsError, load_settings
from storage.outbox import Terminal

__all__ = ["main", "run_command"]

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
    try:
        await club.prepare(demo=settings.local_mode and arguments.command in WITH_DEMO)
        return await run_command(club, arguments)
    finally:
        await club.close()


LOCAL_NAME = "you"
"""Who the person at `python -m bot run`'s terminal is, in local mode."""
WITH_DEMO = {"run", "chat", "sessions", "coordinator", "broadcast"}
"""Commands that, in local mode, find the demo club ready to try."""


async def run_command(club: Club, arguments: argparse.Namespace) -> int:
    """Each command gets what it uses, not the whole club."""
    settings, units, catalogue = club.settings, club.units, club.catalogue
    match arguments.command:
        case "db":
            print("The database is up to date.")
            return 0
        case "sessions":
            return await run_session_command(
                arguments, units, club.planner, catalogue, settings.zone
            )
        case "report":
            return await run_report_command(arguments, units, catalogue, settings)
        case "people":
            return await run_people_command(arguments, units, settings.zone)
        case "coordinator" if arguments.coordinator_command == "link":
            return await run_link_command(
                arguments, club.site, settings.dashboard_secret is not None
            )
        case "coordinator":
            return await run_coordinator_command(arguments, units)
        case "broadcast":
            return await run_broadcast_command(
                arguments,
                units,
                tuple(club.senders),
                catalogue,
                settings,
                club.planner.after_quiet_hours,
            )
        case "dispatch":
            await dispatch_until_stopped(club.dispatcher())
            return 0
        case "chat" if settings.local_mode:
            own = club.dispatcher(terminal=Terminal(arguments.name))
            await chat_with_reminders(club.dialogue, catalogue, own, arguments.name)
            return 0
        case "chat":
            await chat(club.dialogue, catalogue, arguments.name)
            return 0
    if settings.local_mode:
        print(
            f"{settings.club_name}: local mode. Nothing leaves this computer.\n"
            "Type your answers, or the number of a choice. Press Ctrl+D to stop."
        )
        main_terminal = club.dispatcher(terminal=Terminal(LOCAL_NAME, and_nameless=True))
        async with web_beside(club.web, club.site, settings.host, settings.port):
            await chat_with_reminders(club.dialogue, catalogue, main_terminal, LOCAL_NAME)
    else:
        await run_service(
            club.web, club.dispatcher(), club.telegram, units, settings.host, settings.port
        )
    return 0
