"""People, series and reminders written straight into storage, as a spreadsheet import,
the coordinator or the planner would leave them, for tests and benchmarks that start
from a club already running."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.bootstrap import Club
from storage.models import (
    CareLink,
    ClubSession,
    Person,
    PersonDay,
    PersonRole,
    Position,
    SessionSeries,
    utc_now,
)
from storage.outbox import Delivery

__all__ = [
    "add_carer",
    "add_person",
    "add_phone_person",
    "add_series",
    "queue_reminder",
    "queue_reminders",
]

ADDED_AT_ONCE = 500


async def add_person(
    club: Club,
    name: str,
    *,
    roles: Sequence[str] = ("member",),
    telegram_id: int | None = None,
    console_name: str | None = None,
    phone: str | None = None,
    landline: bool = False,
    channels: str | None = None,
    timing: str = "both",
    spoken: bool = False,
    series: Sequence[int] = (),
    language: str = "en",
    consent_at: datetime | None = None,
    cares_for: int | None = None,
) -> int:
    """Someone with consent given; their channels default to those they have (Telegram,
    else text messages), and `cares_for` makes them the carer of that member."""
    if channels is None:
        channels = "telegram" if telegram_id is not None else ("sms" if phone else "")
    async with club.units() as uow:
        person = Person(
            name=name,
            telegram_id=telegram_id,
            console_name=console_name,
            phone=phone,
            phone_is_landline=landline,
            channels=channels,
            reminder_timing=timing,
            spoken=spoken,
            language=language,
            consent_given_by_name=name,
            consent_at=consent_at,
        )
        await uow.people.add(person, list(roles))
        uow.session.add_all(PersonDay(person_id=person.id, series_id=s) for s in series)
        if cares_for is not None:
            uow.session.add(CareLink(carer_id=person.id, member_id=cares_for, gets_reminders=True))
        await uow.commit()
        return person.id


async def add_phone_person(
    club: Club, name: str, phone: str, *, channels: str = "sms,voice", **details: Any
) -> int:
    """Someone reached by text and call, as a spreadsheet import would leave them;
    `details` as `add_person` takes them."""
    return await add_person(club, name, phone=phone, channels=channels, **details)


async def add_carer(
    club: Club,
    name: str,
    member_id: int,
    *,
    gets_reminders: bool = True,
    telegram_id: int | None = None,
    console_name: str | None = None,
    channels: str = "telegram",
) -> int:
    carer_id = await add_person(
        club,
        name,
        roles=("carer",),
        telegram_id=telegram_id,
        console_name=console_name,
        channels=channels,
    )
    async with club.units() as uow:
        uow.session.add(
            CareLink(carer_id=carer_id, member_id=member_id, gets_reminders=gets_reminders)
        )
        await uow.commit()
    return carer_id


async def add_series(
    club: Club,
    title: str,
    weekday: int,
    start: time,
    end: time,
    week_of_month: int | None = None,
    first_day: date = date(2026, 1, 1),
) -> int:
    async with club.units() as uow:
        series = await uow.club.add_series(
            SessionSeries(
                title=title,
                activity_key="music",
                place="St Luke's Hall",
                postcode="SE27 9JU",
                weekday=weekday,
                week_of_month=week_of_month,
                start_time=start,
                end_time=end,
                first_day=first_day,
            )
        )
        await uow.commit()
        return series.id


async def queue_reminders(
    club: Club,
    people: int,
    first_chat: int,
    *,
    spoken: bool = False,
    due: datetime | None = None,
    spread: timedelta = timedelta(0),
) -> list[int]:
    """A session three days ahead, `people` members on Telegram, and a reminder row for
    each, due at `due` (now) or spread evenly over `spread` from it. Returns the chats."""
    start = due or utc_now()
    starts = utc_now().replace(microsecond=0) + timedelta(days=3)
    chats = list(range(first_chat, first_chat + people))
    async with club.units() as uow:
        meeting = await uow.sessions.add(
            ClubSession(
                title="Singing",
                activity_key="music",
                place="St Luke's Hall",
                postcode="SE27 9JU",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        for offset in range(0, people, ADDED_AT_ONCE):
            batch = [
                Person(
                    name=f"Member {chat}",
                    telegram_id=chat,
                    channels="telegram",
                    spoken=spoken,
                    consent_given_by_name="them",
                )
                for chat in chats[offset : offset + ADDED_AT_ONCE]
            ]
            uow.session.add_all(batch)
            await uow.session.flush()
            uow.session.add_all(PersonRole(person_id=p.id, role="member") for p in batch)
            # As after signing up in the chat: a conversation with nothing open.
            uow.session.add_all(
                Position(
                    address=f"telegram:{p.telegram_id}",
                    person_id=p.id,
                    flow="idle",
                    step="idle",
                    data={},
                    question_id=5,
                )
                for p in batch
            )
            step = spread / people if people else timedelta(0)
            await uow.outbox.enqueue(
                [
                    Delivery(
                        p.id,
                        "telegram",
                        "reminder",
                        f"reminder:{meeting.id}:{p.id}:{p.id}:day_before",
                        start + step * (offset + index),
                        {"session": meeting.id, "member": p.id, "kind": "day_before"},
                        meeting.id,
                    )
                    for index, p in enumerate(batch)
                ]
            )
        await uow.commit()
    return chats


async def queue_reminder(
    club: Club,
    person_id: int,
    session_id: int,
    *,
    channel: str | None = None,
    member_id: int | None = None,
    kind: str = "day_before",
    due: datetime | None = None,
) -> None:
    """A reminder row as the planner makes it, due now, on the person's first channel."""
    async with club.units() as uow:
        person = await uow.people.get(person_id)
        assert person is not None
        member = member_id or person_id
        payload = {"session": session_id, "member": member, "kind": kind}
        key = f"reminder:{session_id}:{member}:{person_id}:{kind}"
        first = channel or person.channel_order[0]
        await uow.outbox.enqueue(
            [Delivery(person_id, first, "reminder", key, due or utc_now(), payload, session_id)]
        )
        await uow.commit()
