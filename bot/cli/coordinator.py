"""`python -m bot coordinator add`: the first coordinator (and more), known by their
Telegram account or phone number; nobody types a password."""

from __future__ import annotations

import argparse

from bot.channels.dashboard import Site, link_for
from conversations import (
    PhoneProblem,
    clean_name,
    read_uk_phone,
)
from storage import UnitOfWorkFactory
from storage.models import Person, utc_now

__all__ = ["add_coordinator_command", "run_coordinator_command", "run_link_command"]


def add_coordinator_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    coordinator = commands.add_parser(
        "coordinator", help="add a coordinator, or print a sign-in link"
    )
    actions = coordinator.add_subparsers(
        dest="coordinator_command", required=True, metavar="ACTION"
    )
    add = actions.add_parser("add", help="make someone a coordinator (new or already known)")
    add.add_argument("--name", required=True)
    add.add_argument("--telegram-id", type=int, help="their Telegram account number")
    add.add_argument("--phone", help="their UK phone number")
    link = actions.add_parser(
        "link", help="print a link that signs a coordinator or committee member in, once"
    )
    link.add_argument("--name", required=True)


async def run_link_command(arguments: argparse.Namespace, site: Site, keyed: bool) -> int:
    """`coordinator link --name N`: the web page's sign-in link, good once for 15 minutes.
    Without DASHBOARD_SECRET, the running service has a key of its own, which this
    process cannot know."""
    if not keyed:
        print("Not done: set DASHBOARD_SECRET, the same for `run` and this command.")
        return 2
    link = await link_for(site, arguments.name)
    if link is None:
        print("Not done: no coordinator or committee member has that name.")
        return 2
    print(f"Open this link within 15 minutes to sign in (it works once): {link}")
    return 0


async def run_coordinator_command(arguments: argparse.Namespace, units: UnitOfWorkFactory) -> int:
    name = clean_name(arguments.name)
    if name is None:
        print("Not done: please give a name in words.")
        return 2
    phone = None
    if arguments.phone:
        reading = read_uk_phone(arguments.phone)
        if isinstance(reading, PhoneProblem):
            print(f"Not done: {arguments.phone!r} is not a UK phone number we can use.")
            return 2
        phone = reading
    if arguments.telegram_id is None and phone is None:
        print("Not done: give --telegram-id or --phone, so the club knows who they are.")
        return 2
    async with units() as uow:
        person = None
        if arguments.telegram_id is not None:
            person = await uow.people.by_address(f"telegram:{arguments.telegram_id}")
        if person is None and phone is not None:
            person = await uow.people.by_phone(phone.e164)
        if person is None:
            channels = ["telegram"] if arguments.telegram_id is not None else []
            if phone is not None:
                channels += ["voice"] if phone.is_landline else ["sms", "voice"]
            person = Person(
                name=name,
                telegram_id=arguments.telegram_id,
                phone=phone.e164 if phone else None,
                phone_is_landline=phone.is_landline if phone else False,
                channels=",".join(channels),
                consent_given_by_name=name,
                consent_at=utc_now(),
            )
            await uow.people.add(person, ["coordinator"])
        else:
            await uow.people.grant(person.id, "coordinator")
        await uow.records.audit(None, "coordinator added", person=person.id)
        await uow.commit()
        print(f"{person.name} is a coordinator (person {person.id}).")
    return 0
