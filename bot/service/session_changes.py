"""A coordinator's change to the calendar, written once for the chat, the command line and
any page to come: applied in the caller's unit of work with its audit entry. Telling those
it concerns happens after the commit, through the composition root's session follow-up."""

from __future__ import annotations

from bot.service.views import aware, series_of
from conversations import AddSeries, AddSession, CancelSession, ChangeSession, RemindNow
from storage import UnitOfWork
from storage.models import ClubSession, utc_now

__all__ = ["CalendarChange", "change_calendar"]

CalendarChange = AddSession | AddSeries | ChangeSession | CancelSession | RemindNow


async def change_calendar(
    uow: UnitOfWork, change: CalendarChange, actor_id: int | None
) -> tuple[str, int]:
    """Apply `change` (the role was checked by whoever asked) and audit it. Returns the
    event for after the commit: ("added" | "series added" | "changed" | "moved" |
    "cancelled" | "remind", the session's or series' id)."""
    event = await _apply(uow, change)
    about = "series" if isinstance(change, AddSeries) else "session"
    await uow.records.audit(actor_id, f"session {event[0]}", **{about: event[1]})
    return event


async def _apply(uow: UnitOfWork, change: CalendarChange) -> tuple[str, int]:
    if isinstance(change, AddSeries):
        series = series_of(
            change.rule, change.title, change.activity, change.place, change.postcode
        )
        return "series added", (await uow.club.add_series(series)).id
    if isinstance(change, AddSession):
        added = await uow.sessions.add(
            ClubSession(
                title=change.title,
                activity_key=change.activity,
                place=change.place,
                postcode=change.postcode,
                starts_at=change.starts_at,
                ends_at=change.ends_at,
            )
        )
        return "added", added.id
    if isinstance(change, RemindNow):
        return "remind", change.session_id
    meeting = await uow.sessions.get(change.session_id)
    if meeting is None:
        raise LookupError("the session to change is gone")
    if isinstance(change, CancelSession):
        await uow.sessions.cancel(meeting)
        return "cancelled", meeting.id
    moved = aware(meeting.starts_at) != aware(change.starts_at)
    if moved:  # planned again for the new time, after the commit and by every planning
        await uow.outbox.withdraw(meeting.id, ["reminder", "followup"], "session moved")
    meeting.starts_at = change.starts_at
    meeting.ends_at = change.ends_at
    meeting.place = change.place
    meeting.postcode = change.postcode
    meeting.changed_at = utc_now()
    return ("moved" if moved else "changed"), meeting.id
