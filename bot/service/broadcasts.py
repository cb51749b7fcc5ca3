"""Queueing a coordinator's notice or poll: one outbox row per person reached, on their own
first working channel; people no channel reaches (opted out, blocked) are skipped and
counted. In the club's quiet hours the rows wait for the morning, unless a notice is urgent."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from conversations import SendNotice
from storage import UnitOfWork
from storage.audiences import audience
from storage.models import Broadcast, ChannelState, Person
from storage.outbox import Delivery
from storage.people import handle_on

__all__ = [
    "Queued",
    "QuietHours",
    "Sending",
    "count_reached",
    "no_quiet_hours",
    "queue_broadcast",
    "start_poll",
]

QuietHours = Callable[[datetime], datetime]
"""When something the club sends on its own, decided at a moment, may go: that moment, or
the end of the quiet hours it falls in (the planner's, in a running club)."""


def no_quiet_hours(now: datetime) -> datetime:
    return now


@dataclass(frozen=True)
class Sending:
    """When what the club sends on its own, decided `now`, goes: `held_until` (the end of
    the quiet hours, or `now` outside them), or `now` for an urgent notice."""

    now: datetime
    held_until: datetime

    @classmethod
    def at(cls, now: datetime, quiet_hours: QuietHours) -> Sending:
        return cls(now, quiet_hours(now))

    @property
    def quiet(self) -> bool:
        return self.held_until > self.now

    def due(self, urgent: bool = False) -> datetime:
        return self.now if urgent else self.held_until


@dataclass(frozen=True)
class Queued:
    broadcast_id: int
    recipients: int
    skipped: int
    by_channel: dict[str, int]
    due: datetime
    """When its rows go: now, or the morning after the quiet hours."""


async def _reached(uow: UnitOfWork, people: list[Person]) -> list[Person]:
    """Members who take no messages themselves are reached through their carers."""
    reached: dict[int, Person] = {}
    carers = await uow.sessions.reminder_carers([p.id for p in people if not p.channel_order])
    for person in people:
        for someone in [person] if person.channel_order else carers.get(person.id, []):
            reached.setdefault(someone.id, someone)
    return list(reached.values())


async def _routes(
    uow: UnitOfWork, group: str, activity: str | None, channels: Collection[str], now: datetime
) -> list[tuple[Person, str | None]]:
    """Each person reached, with the first of their channels that still works (or None).
    Closed channels are read in one query, not one per person: the coordinator's preview
    counts every group's reach at each step, so this runs for the whole club many times."""
    closed: dict[int, set[str]] = {}
    for person_id, gone in (
        await uow.session.execute(select(ChannelState.person_id, ChannelState.channel))
    ).all():
        closed.setdefault(person_id, set()).add(gone)
    routes: list[tuple[Person, str | None]] = []
    for person in await _reached(uow, await audience(uow.session, group, now, activity)):
        unreachable = closed.get(person.id, set())
        channel = next(
            (
                c
                for c in person.channel_order
                if c in channels and c not in unreachable and handle_on(person, c)
            ),
            None,
        )
        routes.append((person, channel))
    return routes


async def count_reached(
    uow: UnitOfWork, group: str, activity: str | None, channels: Collection[str], now: datetime
) -> int:
    """How many people a notice to `group` would reach, for the coordinator's preview."""
    return sum(1 for _, channel in await _routes(uow, group, activity, channels, now) if channel)


async def queue_broadcast(
    uow: UnitOfWork,
    notice: SendNotice,
    created_by: int | None,
    channels: Collection[str],
    sending: Sending,
) -> Queued:
    """The notice's rows, due now if urgent or outside the quiet hours, else when they end."""
    due = sending.due(notice.urgent)
    group, activity = notice.audience, notice.activity
    broadcast = Broadcast(
        words=notice.words,
        audience=group,
        activity_key=activity,
        voice_attachment=notice.voice,
        created_by_id=created_by,
    )
    uow.session.add(broadcast)
    await uow.session.flush()
    deliveries: list[Delivery] = []
    by_channel: dict[str, int] = {}
    skipped = 0
    for person, channel in await _routes(uow, group, activity, channels, sending.now):
        if channel is None:
            skipped += 1
            continue
        by_channel[channel] = by_channel.get(channel, 0) + 1
        deliveries.append(
            Delivery(
                person.id,
                channel,
                "broadcast",
                f"broadcast:{broadcast.id}:{person.id}",
                due,
                {"broadcast": broadcast.id},
                broadcast_id=broadcast.id,
            )
        )
    await uow.outbox.enqueue(deliveries)
    broadcast.recipients = len(deliveries)
    broadcast.skipped = skipped
    marked = {"urgent": True} if notice.urgent else {}
    await uow.records.audit(
        created_by,
        "notice sent",
        broadcast=broadcast.id,
        audience=group,
        people=len(deliveries),
        **marked,
    )
    return Queued(broadcast.id, len(deliveries), skipped, by_channel, due)


async def start_poll(
    uow: UnitOfWork,
    activities: tuple[str, ...],
    created_by: int | None,
    channels: Collection[str],
    sending: Sending,
) -> int:
    """Ask every member and carer (on their own channel) to choose for next month: now, or
    in the morning if it is the quiet hours (a poll is never urgent)."""
    poll = await uow.polls.start(activities, created_by)
    routes = await _routes(uow, "members_carers", None, channels, sending.now)
    deliveries = [
        Delivery(
            person.id,
            channel,
            "poll",
            f"poll:{poll.id}:{person.id}",
            sending.due(),
            {"poll": poll.id, "options": list(activities)},
        )
        for person, channel in routes
        if channel is not None
    ]

    await uow.outbox.enqueue(deliveries)
    return poll.id
