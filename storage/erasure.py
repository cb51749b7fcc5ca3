"""Erasure: a person, or what a newcomer told the club before they were one, removed from
every table; feedback stays only as anonymous counts, and a refusal as the fact alone.

What someone said before they registered is kept by address ("sms:+447700900123",
"telegram:42"): their conversation's place (with the name or number they typed) and any
help they asked for. Speech goes too: every clip played to them, and every clip whose
words name them or speak their number, whoever it was made for (a carer's "Is Mary
coming?"); the cache makes it again for anyone who still needs those words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CareLink,
    Feedback,
    HelpRequest,
    Person,
    Position,
    SpeechClip,
    SpeechClipPerson,
)

__all__ = ["FORGOTTEN_CARER", "addresses_of", "erase", "newcomer_addresses"]

FORGOTTEN_CARER = "a carer, since forgotten"
"""Who consented for a member, once that carer has asked to be forgotten."""


def addresses_of(person: Person) -> list[str]:
    """Every address the person can have spoken to the club from."""
    found = []
    if person.telegram_id is not None:
        found.append(f"telegram:{person.telegram_id}")
    if person.phone:
        found += [f"sms:{person.phone}", f"voice:{person.phone}"]
    if person.console_name:
        found.append(f"console:{person.console_name}")
    return found


async def newcomer_addresses(session: AsyncSession, phone: str) -> list[str]:
    """Addresses at which something is kept that no one's record holds yet and that came
    from this number or names it: texts and calls from it, and sign-ups it was typed in."""
    direct = [f"sms:{phone}", f"voice:{phone}"]
    begun = await session.execute(
        select(Position.address, Position.data).where(Position.person_id.is_(None))
    )
    found = [
        address for address, data in begun.all() if address in direct or phone in json.dumps(data)
    ]
    asked = select(HelpRequest.address).where(HelpRequest.address.in_(direct))
    helped = [address for address in await session.scalars(asked) if address]
    return list(dict.fromkeys([*found, *helped]))


async def erase(
    session: AsyncSession, person_ids: Sequence[int], addresses: Iterable[str] = ()
) -> None:
    """Remove these people, and what was said from `addresses`, from every table."""
    ids = list(person_ids)
    erased = list(await session.scalars(select(Person).where(Person.id.in_(ids))))
    spoken_from = set(addresses)
    for person in erased:
        spoken_from.update(addresses_of(person))
        if person.phone:
            spoken_from.update(await newcomer_addresses(session, person.phone))
    await session.execute(
        update(Feedback)
        .where(Feedback.person_id.in_(ids))
        .values(person_id=None, comment=None, named_with_consent=False)
    )
    await _forget_carer(session, ids, [person.name for person in erased])
    await _forget_speech(session, ids, [v for p in erased for v in (p.name, p.phone) if v])
    await session.execute(delete(HelpRequest).where(HelpRequest.address.in_(spoken_from)))
    await session.execute(
        delete(Position).where(or_(Position.address.in_(spoken_from), Position.person_id.in_(ids)))
    )
    await session.execute(
        delete(CareLink).where(or_(CareLink.carer_id.in_(ids), CareLink.member_id.in_(ids)))
    )
    await session.execute(delete(Person).where(Person.id.in_(ids)))


async def _forget_carer(session: AsyncSession, ids: list[int], names: list[str]) -> None:
    """Members whose consent an erased carer gave keep only that a carer gave it."""
    cared_for = select(CareLink.member_id).where(CareLink.carer_id.in_(ids))
    await session.execute(
        update(Person)
        .where(Person.id.not_in(ids))
        .where(
            or_(
                Person.consent_given_by_id.in_(ids),
                and_(Person.consent_given_by_name.in_(names), Person.id.in_(cared_for)),
            )
        )
        .values(consent_given_by_id=None, consent_given_by_name=FORGOTTEN_CARER)
    )


async def _forget_speech(session: AsyncSession, ids: list[int], naming: list[str]) -> None:
    played = select(SpeechClipPerson.clip_key).where(SpeechClipPerson.person_id.in_(ids))
    said = [SpeechClip.words.contains(words, autoescape=True) for words in naming]
    await session.execute(
        delete(SpeechClip)
        .where(or_(SpeechClip.key.in_(played), *said))
        .execution_options(synchronize_session=False)
    )
