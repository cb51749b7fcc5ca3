"""`python -m bot sessions add|list|cancel|remind`: the coordinator's calendar by hand.

Every refusal is one plain line; nothing is half-added.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.outbox.planner import ReminderPlanner
from bot.service.session_changes import CalendarChange, change_calendar
from bot.service.views import rule_of
from conversations import (
    AddSeries,
    AddSession,
    CancelSession,
    Catalogue,
    RemindNow,
    SeriesRule,
    SessionProblem,
    at_local,
    check_one_off,
    check_series,
    normalise_postcode,
)
from storage import UnitOfWorkFactory
from storage.models import utc_now

__all__ = ["add_session_commands", "run_session_command"]

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def add_session_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sessions = commands.add_parser("sessions", help="add, list, cancel or remind sessions")
    actions = sessions.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a one-off session (--date) or a series (--weekly or --monthly)",
    )
    add.add_argument("--title", required=True)
    add.add_argument("--activity", required=True, help="music, art, gardening, crafts, ...")
    add.add_argument("--place", required=True)
    add.add_argument("--postcode", required=True)
    add.add_argument("--start", required=True, help="start time, such as 10:30")
    add.add_argument("--end", required=True, help="end time, such as 12:30")
    when = add.add_mutually_exclusive_group()
    when.add_argument("--date", help="the day of a one-off session, such as 2026-12-03")
    when.add_argument("--weekly", help="the weekday of a weekly series, such as wednesday")
    when.add_argument("--monthly", help="such as 'first sunday' or 'last friday'")
    add.add_argument("--from", dest="first_day", help="first day of a series (default today)")
    listing = actions.add_parser("list", help="the coming sessions")
    listing.add_argument("--days", type=int, default=28)
    cancel = actions.add_parser("cancel", help="cancel a session and tell those coming")
    cancel.add_argument("session", type=int)
    remind = actions.add_parser("remind", help="send a session's reminders now")
    remind.add_argument("session", type=int)


class CommandProblem(ValueError):
    """A command that cannot be carried out as typed, in one English line."""


def _clock(typed: str, name: str) -> time:
    try:
        return time.fromisoformat(typed)
    except ValueError:
        raise CommandProblem(f"--{name} must be a time such as 10:30.") from None


def _day(typed: str, name: str) -> date:
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise CommandProblem(f"--{name} must be a date such as 2026-12-03.") from None


def _weekday(typed: str) -> int:
    if typed.strip().lower() not in WEEKDAYS:
        raise CommandProblem(f"{typed!r} is not a weekday, such as wednesday.")
    return WEEKDAYS.index(typed.strip().lower())


async def run_session_command(
    arguments: argparse.Namespace,
    units: UnitOfWorkFactory,
    planner: ReminderPlanner,
    catalogue: Catalogue,
    zone: ZoneInfo,
) -> int:
    desk = _Calendar(units, planner, zone)
    try:
        action = arguments.sessions_command
        if action == "add":
            print(await desk.add(arguments))
        elif action == "list":
            print(await desk.listing(arguments.days))
        elif action == "cancel":
            print(await desk.cancel(arguments.session))
        else:
            queued = await desk.change(RemindNow(arguments.session))
            print(f"{queued} reminders queued to send now.")
    except CommandProblem as problem:
        print(f"Not done: {problem}")
        return 2
    except SessionProblem as problem:
        print(f"Not done: {catalogue.render('en', problem.words)}")
        return 2
    return 0


class _Calendar:
    """The calendar by hand, through the same change (and audit) as the chat flow."""

    def __init__(self, units: UnitOfWorkFactory, planner: ReminderPlanner, zone: ZoneInfo) -> None:
        self._units = units
        self._planner = planner
        self._zone = zone

    async def change(self, change: CalendarChange) -> int:
        """Apply and commit, then tell those it concerns; returns how many were told."""
        async with self._units() as uow:
            event, about = await change_calendar(uow, change, None)
            await uow.commit()
        return await self._planner.follow_change(event, about)

    async def add(self, arguments: argparse.Namespace) -> str:
        start = _clock(arguments.start, "start")
        end = _clock(arguments.end, "end")
        postcode = normalise_postcode(arguments.postcode)
        if arguments.activity not in await self._activity_keys():
            raise CommandProblem(f"{arguments.activity!r} is not one of the club's activities.")
        title, place = arguments.title.strip(), arguments.place.strip()
        if arguments.weekly is None and arguments.monthly is None:
            if arguments.date is None:
                raise CommandProblem(
                    "A one-off session needs --date (or use --weekly or --monthly)."
                )
            day = _day(arguments.date, "date")
            starts, ends = at_local(day, start, self._zone), at_local(day, end, self._zone)
            check_one_off(starts, ends, utc_now())
            added = AddSession(title, arguments.activity, place, postcode, starts, ends)
            session_id = await self._added(added)
            return f"Added session {session_id}: {title} on {day:%A %d %B} at {start:%H:%M}."
        rule = _rule(arguments, start, end, datetime.now(self._zone).date())
        async with self._units() as uow:
            check_series(rule, [(s.title, rule_of(s)) for s in await uow.club.series()])
        series_id = await self._added(AddSeries(title, arguments.activity, place, postcode, rule))
        return f"Added series {series_id}: {title}."

    async def _added(self, change: AddSession | AddSeries) -> int:
        async with self._units() as uow:
            _event, added = await change_calendar(uow, change, None)
            await uow.commit()
        await self._planner.plan()
        return added

    async def _activity_keys(self) -> set[str]:
        async with self._units() as uow:
            return {activity.key for activity in await uow.club.activities()}

    async def listing(self, days: int) -> str:
        await self._planner.plan()
        now = utc_now()
        lines = []
        async with self._units() as uow:
            for meeting in await uow.sessions.between(now, now + timedelta(days=days), True):
                starts = meeting.starts_at.astimezone(self._zone)
                answers = await uow.sessions.answers(meeting.id)
                coming = sum(1 for answer in answers.values() if answer != "not_coming")
                state = "CANCELLED" if meeting.cancelled_at else f"{coming} coming"
                lines.append(
                    f"{meeting.id:>5}  {starts:%a %d %b %H:%M}  {meeting.title}  "
                    f"({meeting.place}, {meeting.postcode})  {state}"
                )
        return "\n".join(lines) if lines else "No sessions in that time."

    async def cancel(self, session_id: int) -> str:
        async with self._units() as uow:
            meeting = await uow.sessions.get(session_id)
            if meeting is None:
                raise CommandProblem(f"There is no session {session_id}.")
            if meeting.cancelled_at is not None:
                raise CommandProblem(f"Session {session_id} is already cancelled.")
        told = await self.change(CancelSession(session_id))
        return f"Cancelled session {session_id}. {told} people will be told."


def _rule(arguments: argparse.Namespace, start: time, end: time, today: date) -> SeriesRule:
    first = _day(arguments.first_day, "from") if arguments.first_day else today
    if first < today:
        raise CommandProblem("--from is in the past. Please choose today or later.")
    if arguments.weekly is not None:
        return SeriesRule(_weekday(arguments.weekly), None, start, end, first)
    which, _, day = arguments.monthly.strip().lower().partition(" ")
    if which not in ORDINALS:
        raise CommandProblem("--monthly must look like 'first sunday' or 'last friday'.")
    return SeriesRule(_weekday(day), ORDINALS[which], start, end, first)
