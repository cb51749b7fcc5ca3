"""Planning what the club sends about sessions: reminders, follow-ups and notices, and when
anything the club sends on its own may go (never in the quiet hours, unless urgent).

Every row has an idempotency key, so planning again (every minute, after a restart, or
after the clock jumps) adds nothing twice and skips nothing. A member who said they are
not coming gets no more reminders of that session, unless it changed since they said so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.outbox.reminder_times import ReminderTimes, outside_quiet_hours, reminder_due
from bot.service.calendar import CALENDAR_WEEKS, meetings_between
from bot.service.views import aware
from storage import UnitOfWork, UnitOfWorkFactory
from storage.models import ClubSession, Person, utc_now
from storage.outbox import Delivery

__all__ = ["ReminderPlanner", "recipients_for"]

PLANNING_DAYS = 2
FEEDBACK_WINDOW = timedelta(days=1)
"""Sessions that ended this recently are asked about, once."""
TIMING_KINDS = {"day_before": ("day_before",), "morning": ("morning",)}
BOTH = ("day_before", "morning")


def _kinds(timing: str) -> tuple[str, ...]:
    return TIMING_KINDS.get(timing, BOTH)


def recipients_for(member: Person, carers: Sequence[Person]) -> list[Person]:
    """The member if they take messages themselves, and carers who chose to get them."""
    people = [member] if member.channel_order else []
    return [*people, *carers]


class ReminderPlanner:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        zone: ZoneInfo,
        times: ReminderTimes | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._units = units
        self._zone = zone
        self.times = times or ReminderTimes()
        self._clock = clock

    async def plan(self) -> int:
        """Fill the calendar ahead and queue the reminders of the next days' sessions."""
        now = self._clock()
        today = now.astimezone(self._zone).date()
        async with self._units() as uow:
            await uow.sessions.materialise(meetings_between(today, self._zone))
            coming = await uow.sessions.between(now, now + timedelta(days=PLANNING_DAYS))
            queued = 0
            for meeting in coming:
                queued += await self._queue_reminders(uow, meeting, now)
            for meeting in await uow.sessions.between(now - FEEDBACK_WINDOW, now):
                queued += await self._queue_feedback(uow, meeting, now)
            await uow.commit()
        return queued

    async def _queue_feedback(self, uow: UnitOfWork, meeting: ClubSession, now: datetime) -> int:
        """How was it? Asked of those who came (or said they were coming, if nobody marked
        who came), a while after the session ends, outside quiet hours."""
        ends = aware(meeting.ends_at)
        if ends > now:
            return 0
        came = await uow.after.attended(meeting.id)
        if came:
            member_ids = [pid for pid, attended in came.items() if attended]
        else:
            answers = await uow.sessions.answers(meeting.id)
            member_ids = [pid for pid, answer in answers.items() if answer != "not_coming"]
        carers = await uow.sessions.reminder_carers(member_ids)
        due = outside_quiet_hours(ends + self.times.feedback_after, self._zone, self.times)
        deliveries: list[Delivery] = []
        for member_id in member_ids:
            member = await uow.people.get(member_id)
            if member is None:
                continue
            for person in recipients_for(member, carers.get(member_id, [])):
                deliveries.append(
                    self._row(
                        person,
                        "feedback",
                        f"feedback:{meeting.id}:{member.id}:{person.id}",
                        due,
                        {"session": meeting.id, "member": member.id},
                        meeting,
                    )
                )
        return await uow.outbox.enqueue(deliveries)

    def after_quiet_hours(self, now: datetime) -> datetime:
        """When something the club sends on its own (a notice, a poll), decided at `now`,
        may go: at once, or when the quiet hours end."""
        return outside_quiet_hours(now, self._zone, self.times)

    @staticmethod
    async def _to_remind(uow: UnitOfWork, meeting: ClubSession) -> list[Person]:
        """Members expected that day, less those who said they are not coming."""
        declined = await uow.sessions.declined(meeting.id)
        return [m for m in await uow.sessions.comers(meeting) if m.id not in declined]

    async def _queue_reminders(self, uow: UnitOfWork, meeting: ClubSession, now: datetime) -> int:
        starts = aware(meeting.starts_at)
        members = await self._to_remind(uow, meeting)
        carers = await uow.sessions.reminder_carers([m.id for m in members])
        deliveries: list[Delivery] = []
        for member in members:
            dues = {
                kind: reminder_due(kind, starts, self._zone, self.times, now)
                for kind in _kinds(member.reminder_timing)
            }
            morning = dues.get("morning")
            for kind, due in dues.items():
                if due is None:
                    continue
                if kind == "day_before" and morning is not None and due >= morning:
                    continue  # short notice: the morning reminder is the one, not two at once
                for person in recipients_for(member, carers.get(member.id, [])):
                    deliveries += self._reminder_pair(meeting, member, person, kind, due, morning)
        return await uow.outbox.enqueue(deliveries)

    def _reminder_pair(
        self,
        meeting: ClubSession,
        member: Person,
        person: Person,
        kind: str,
        due: datetime,
        morning: datetime | None = None,
    ) -> list[Delivery]:
        """The reminder, and its gentle follow-up for when no answer has come (unless the
        morning reminder comes first and asks again anyway)."""
        base = f"{meeting.id}:{member.id}:{person.id}"
        payload = {"session": meeting.id, "member": member.id, "kind": kind}
        rows = [self._row(person, "reminder", f"reminder:{base}:{kind}", due, payload, meeting)]
        follow_up = outside_quiet_hours(due + self.times.follow_up_after, self._zone, self.times)
        latest = aware(meeting.starts_at) if morning is None else morning
        if kind == "day_before" and follow_up < latest:
            rows.append(
                self._row(
                    person,
                    "followup",
                    f"followup:{base}",
                    follow_up,
                    {**payload, "kind": "followup"},
                    meeting,
                )
            )
        return rows

    @staticmethod
    def _row(
        person: Person,
        kind: str,
        key: str,
        due: datetime,
        payload: dict[str, object],
        meeting: ClubSession,
    ) -> Delivery:
        channel = person.channel_order[0] if person.channel_order else "none"
        return Delivery(person.id, channel, kind, key, due, dict(payload), meeting.id)

    async def welcome_newcomers(self, delay: timedelta) -> int:
        """Local mode only: someone who just registered in the terminal gets a reminder of
        the club's next session a few seconds later, so they can see one arrive."""
        now = self._clock()
        async with self._units() as uow:
            newcomers = await uow.people.registered_since(now - timedelta(minutes=10))
            upcoming = await uow.sessions.between(now, now + timedelta(weeks=CALENDAR_WEEKS))
            if not upcoming:
                return 0
            deliveries = []
            for person in newcomers:
                roles = await uow.people.roles(person.id)
                if not person.console_name or not roles & {"member", "carer"}:
                    continue
                members = await uow.people.members_of(person.id)
                member = members[0] if members else person
                deliveries.append(
                    self._row(
                        person,
                        "reminder",
                        f"welcome:{person.id}",
                        aware(person.created_at) + delay,
                        {"session": upcoming[0].id, "member": member.id, "kind": "next"},
                        upcoming[0],
                    )
                )
            queued = await uow.outbox.enqueue(deliveries)
            await uow.commit()
        return queued

    async def follow_change(self, event: str, session_id: int) -> int:
        """After a coordinator's calendar change is committed: tell those who may come of
        a change or cancellation, send reminders asked for now, and plan a new session's
        (a moved one's unsent reminders were withdrawn with the change, so it is planned
        again for its new time). Returns how many messages were queued to tell people."""
        if event in {"cancelled", "changed"}:
            return await self.announce(session_id, event)
        if event == "moved":  # its unsent reminders were withdrawn with the change
            told = await self.announce(session_id, "changed")
            await self.plan()
            return told
        if event == "remind":
            return await self.remind_now(session_id)
        await self.plan()
        return 0

    async def remind_now(self, session_id: int) -> int:
        """The coordinator's "send the reminders now" (a second press within the hour
        sends nothing more)."""
        now = self._clock()
        due = outside_quiet_hours(now, self._zone, self.times)
        stamp = now.strftime("%Y%m%d%H")
        async with self._units() as uow:
            meeting = await uow.sessions.get(session_id)
            if meeting is None or meeting.cancelled_at is not None:
                return 0
            members = await self._to_remind(uow, meeting)
            carers = await uow.sessions.reminder_carers([m.id for m in members])
            deliveries = [
                self._row(
                    person,
                    "reminder",
                    f"reminder:{meeting.id}:{member.id}:{person.id}:now:{stamp}",
                    due,
                    {"session": meeting.id, "member": member.id, "kind": "next"},
                    meeting,
                )
                for member in members
                for person in recipients_for(member, carers.get(member.id, []))
            ]
            queued = await uow.outbox.enqueue(deliveries)
            await uow.commit()
        return queued

    async def announce(self, session_id: int, notice: str) -> int:
        """Tell everyone who may come that a session changed or was cancelled, each in
        their language on their own channel: at once, or early next morning if decided at
        night (at once if the session starts before then)."""
        now = self._clock()
        stamp = now.strftime("%Y%m%d%H%M")
        async with self._units() as uow:
            meeting = await uow.sessions.get(session_id)
            if meeting is None:
                return 0
            due = outside_quiet_hours(now, self._zone, self.times, wake=self.times.urgent_morning)
            if due >= aware(meeting.starts_at):
                due = now  # better woken early than to travel to a session that is not on
            coming = await self._expected(uow, meeting)
            carers = await uow.sessions.reminder_carers(coming)
            deliveries: list[Delivery] = []
            for member_id in coming:
                member = await uow.people.get(member_id)
                if member is None:
                    continue
                for person in recipients_for(member, carers.get(member_id, [])):
                    key = f"notice:{notice}:{meeting.id}:{person.id}:{stamp}"
                    payload = {"session": meeting.id, "member": member.id, "notice": notice}
                    deliveries.append(self._row(person, "notice", key, due, payload, meeting))
            queued = await uow.outbox.enqueue(deliveries)
            await uow.commit()
        return queued

    @staticmethod
    async def _expected(uow: UnitOfWork, meeting: ClubSession) -> list[int]:
        """Everyone who may turn up unless told: members who come on that day (every
        member, for a one-off session), and any member who answered or was reminded.
        Not those who said they are not coming, unless it changed since: a change of time
        or place may suit them (a change is recorded before it is announced)."""
        comers = {member.id for member in await uow.sessions.comers(meeting)}
        answered = set(await uow.sessions.answers(meeting.id))
        maybe = comers | answered | await uow.outbox.reminded(meeting.id)
        return sorted(maybe - await uow.sessions.declined(meeting.id))
