"""`python -m bot people import FILE.csv | export [--output FILE] | erase (--id N | --phone P)`.

Import takes every row or none; erase removes a person from every table and notes it in
the audit log (without their name). `erase --phone` also finds a sign-up someone began and
never finished, by texting or calling from the number or typing it. A refusal is plain
lines and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.people_sheet.exporting import export_people
from bot.people_sheet.importing import import_people
from bot.people_sheet.sheet import COLUMNS
from conversations import (
    PhoneProblem,
    read_uk_phone,
)
from storage import UnitOfWorkFactory

__all__ = ["Erased", "add_people_commands", "erase_person", "run_people_command"]

COLUMN_HELP = (
    "Columns: "
    + ", ".join(COLUMNS)
    + ". Only name is needed. Several roles, channels, activities, days or names go in one"
    " cell with ';' between them, such as 'telegram;sms;voice'."
)


def add_people_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    people = commands.add_parser("people", help="import, export or erase people")
    actions = people.add_subparsers(dest="people_command", required=True, metavar="ACTION")
    taking = actions.add_parser(
        "import", help="add people from a CSV file (all rows or none)", epilog=COLUMN_HELP
    )
    taking.add_argument("file", help="a CSV file, such as members.csv")
    export = actions.add_parser("export", help="everyone as CSV, in the columns import reads")
    export.add_argument("--output", help="write to this file instead of the terminal")
    erase = actions.add_parser("erase", help="remove a person from every table, for good")
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, dest="person_id", help="the person's number")
    which.add_argument("--phone", help="the person's phone number")
    erase.add_argument("--yes", action="store_true", help="erase without asking again")


@dataclass(frozen=True)
class Erased:
    person_id: int | None
    """None for a newcomer: what someone began to tell the club before they registered."""
    name: str
    members_kept: tuple[str, ...]
    """Members this carer cared for who now have no carer: kept, so the coordinator decides."""
    done: bool
    """False when the command was not confirmed with --yes: nothing was erased."""


async def erase_person(
    units: UnitOfWorkFactory, person_id: int | None, phone: str | None, confirmed: bool
) -> Erased | str:
    """Erase one person, or a newcomer's unfinished sign-up by the number they gave (when
    confirmed), or say plainly why not."""
    async with units() as uow:
        newcomer: list[str] = []
        if phone is not None:
            reading = read_uk_phone(phone)
            if isinstance(reading, PhoneProblem):
                return f"{phone!r} is not a UK phone number."
            person = await uow.people.by_phone(reading.e164)
            if person is None:
                newcomer = await uow.people.newcomer_addresses(reading.e164)
        else:
            assert person_id is not None
            person = await uow.people.get(person_id)
        if person is None and not newcomer:
            return (
                "nobody in the club has that number."
                if phone
                else f"there is no person {person_id}."
            )
        alone: list[str] = []
        for member in await uow.people.members_of(person.id) if person else []:
            if len(await uow.people.carer_names(member.id)) <= 1:
                alone.append(member.name)
        erased = Erased(
            person.id if person else None,
            person.name if person else "someone who had begun to sign up",
            tuple(alone),
            done=confirmed,
        )
        if not confirmed:
            return erased
        await uow.people.erase([person.id] if person else [], newcomer)
        await uow.records.audit(None, "erased", people=1 if person else 0, by="command line")
        await uow.commit()
    return erased


async def run_people_command(
    arguments: argparse.Namespace, units: UnitOfWorkFactory, zone: ZoneInfo
) -> int:
    action = arguments.people_command
    if action == "import":
        return await _import(Path(arguments.file), units, zone)
    if action == "export":
        return await _export(arguments.output, units, zone)
    return await _erase(arguments, units)


async def _import(path: Path, units: UnitOfWorkFactory, zone: ZoneInfo) -> int:
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError:
        print(f"Not done: cannot read {path}.", file=sys.stderr)
        return 2
    outcome = await import_people(units, data, zone)
    if outcome.problems:
        print(f"Nothing was imported. Please correct these rows in {path.name}:")
        for problem in outcome.problems:
            print(f"  row {problem.row}: {problem.reason}")
        return 2
    print(f"Imported {outcome.imported} people (the file was read as {outcome.encoding}).")
    for note in outcome.notes:
        print(note)
    return 0


async def _export(output: str | None, units: UnitOfWorkFactory, zone: ZoneInfo) -> int:
    written = await export_people(units, zone)
    if not output:
        sys.stdout.write(written)
        return 0
    # Excel reads a CSV as UTF-8 only when it starts with the byte-order mark.
    await asyncio.to_thread(Path(output).write_text, written, encoding="utf-8-sig", newline="")
    print(f"Everyone is in {output}.", file=sys.stderr)
    return 0


async def _erase(arguments: argparse.Namespace, units: UnitOfWorkFactory) -> int:
    result = await erase_person(units, arguments.person_id, arguments.phone, arguments.yes)
    if isinstance(result, str):
        print(f"Not done: {result}")
        return 2
    who = result.name if result.person_id is None else f"{result.name} (person {result.person_id})"
    if not result.done:
        print(f"This would erase {who}. Add --yes to erase.")
        return 1
    print(f"Erased {who} from every table.")
    if result.members_kept:
        kept = ", ".join(result.members_kept)
        print(f"They cared for {kept}, who now has no carer and is kept. Erase with --id if asked.")
    return 0
