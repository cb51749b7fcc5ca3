"""A clock that moves only when a test moves it, and the planner and dispatcher built to
read it instead of the real one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.bootstrap import Club
from bot.outbox.delivery import Sender
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.planner import ReminderPlanner

__all__ = ["LONDON", "FakeClock", "dispatcher_for", "local", "planner_for"]

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
