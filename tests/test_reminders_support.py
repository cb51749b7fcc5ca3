"""Helpers for the session, reminder, outbox and dispatcher tests (no tests of its own).

A `FakeClock` stands in for the planner's and dispatcher's clock, so tests move time by
hand; a `RecordingSender` stands in for a channel; the `add_*` helpers put a series,
members and carers straight into storage.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bootstrap import Club
from bot.outbox.delivery import Outcome, Outgoing, Sender, SendResult
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.planner import ReminderPlanner
from storage.models import CareLink, OutboxMessage, Person, PersonDay, SessionSeries

__all__ = [
    "LONDON",
    "FakeClock",
    "RecordingSender",
    "add_carer",
    "add_person",
    "add_series",
    "dispatcher_for",
    "local",
    "outbox",
    "planner_for",
]

LONDON = ZoneInfo("Europe/London")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in London, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by

    def set(self, now: datetime) -> None:
        self.now = now


@dataclass
class RecordingSender:
    """A channel that keeps what it was given; `script` holds results (or errors) to give
    for the next sends, then every send succeeds."""

    channel: str
    sent: list[Outgoing] = field(default_factory=list)
    script: deque[SendResult | Exception] = field(default_factory=deque)

    async def send(self, message: Outgoing) -> SendResult:
        if self.script:
            planned = self.script.popleft()
            if isinstance(planned, Exception):
                raise planned
            if planned.outcome is not Outcome.SENT:
                return planned
        self.sent.append(message)
        return SendResult(Outcome.SENT, provider_id=f"{self.channel}-{len(self.sent)}")

    def to(self, handle: str) -> list[Outgoing]:
        return [message for message in self.sent if message.handle == handle]


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


async def add_person(
    club: Club,
    name: str,
    *,
    roles: Sequence[str] = ("member",),
    telegram_id: int | None = None,
    console_name: str | None = None,
    channels: str = "telegram",
    timing: str = "both",
    spoken: bool = False,
    series: Sequence[int] = (),
) -> int:
    async with club.units() as uow:
        person = Person(
            name=name,
            telegram_id=telegram_id,
            console_name=console_name,
            channels=channels,
            reminder_timing=timing,
            spoken=spoken,
            consent_given_by_name=name,
        )
        await uow.people.add(person, list(roles))
        uow.session.add_all(PersonDay(person_id=person.id, series_id=s) for s in series)
        await uow.commit()
        return person.id


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


async def outbox(club: Club, **where: object) -> list[OutboxMessage]:
    """Outbox rows, oldest first, readable after the unit of work ends."""
    async with club.units() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        found = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def planner_for(club: Club, clock: FakeClock) -> ReminderPlanner:
    return ReminderPlanner(club.units, club.settings.zone, club.planner.times, clock=clock)


def follow_changes_with(club: Club, planner: ReminderPlanner) -> None:
    """Calendar changes made in the chat are followed by `planner` (on a test's clock)."""
    club.dialogue.after = replace(club.dialogue.after, on_session=planner.follow_change)


def dispatcher_for(
    club: Club,
    clock: FakeClock,
    senders: dict[str, Sender],
    planner: ReminderPlanner | None = None,
    welcome_after: timedelta | None = None,
) -> Dispatcher:
    return Dispatcher(
        club.units,
        club.composer,
        senders,
        club.alerts,
        planner,
        clock=clock,
        welcome_after=welcome_after,
    )
