"""Recording what a conversation asked for, inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from bot.service.broadcasts import Sending, queue_broadcast, start_poll
from bot.service.session_changes import change_calendar
from conversations import (
    AddSeries,
    AddSession,
    AnswerPoll,
    CancelSession,
    Change,
    ChangeRole,
    ChangeSession,
    Erase,
    MakeReport,
    MarkAttendance,
    RefuseConsent,
    Register,
    RemindNow,
    RequestHelp,
    SendNotice,
    SetDays,
    SetFeedback,
    SetLanguage,
    SetPreference,
    SetReminderTiming,
    SetSessionAnswer,
    StartPoll,
)
from storage import UnitOfWork, split_address
from storage.models import Person, utc_now

__all__ = ["HelpNeeded", "Recorded", "record"]


@dataclass(frozen=True)
class HelpNeeded:
    """A request the coordinators must hear about once the unit of work commits."""

    request_id: int
    who: str
    address: str
    where: str
    kind: str
    attachment: str = ""
    session_id: int | None = None
    asked_by: str = ""
    """The carer who asked for them, when it was not `who` themselves."""


@dataclass
class Recorded:
    """What recording did: who is now speaking, whether they were erased, help to pass on."""

    person: Person | None
    erased: bool = False
    session_events: list[tuple[str, int]] = field(default_factory=list)
    """("added" | "changed" | "moved" | "cancelled" | "remind", session id), or ("series
    added", series id): for after the commit ("moved": its start changed)."""
    broadcasts: list[int] = field(default_factory=list)
    """Notices going out now, for the coordinator to see them go (not those held back)."""
    report_wanted: bool = False
    help: list[HelpNeeded] = field(default_factory=list)


ClubWork = SetFeedback | MarkAttendance | ChangeRole | StartPoll | AnswerPoll
Coordination = (
    AddSession | AddSeries | ChangeSession | CancelSession | RemindNow | SendNotice | MakeReport
)
Choices = SetPreference | SetDays | SetReminderTiming | SetLanguage


async def record(
    uow: UnitOfWork,
    address: str,
    speaker: Person | None,
    changes: list[Change],
    activity_ids: dict[str, int],
    channels: Collection[str],
    sending: Sending,
) -> Recorded:
    """Apply `changes` for the person at `address` (None if not yet registered);
    `channels` are those the club can send on now, and `sending` when notices and polls
    may go."""
    result = Recorded(speaker)
    for change in changes:
        actor = speaker.id if speaker else None
        if isinstance(change, ClubWork):
            await _club_work(uow, speaker, change, channels, sending)
        elif isinstance(change, Coordination):
            await _coordination(uow, actor, change, channels, sending, result)
        elif isinstance(change, Choices):
            await _choices(uow, actor, change, activity_ids)
        else:
            speaker = await _personal(uow, address, speaker, change, result)
    return result


async def _personal(
    uow: UnitOfWork,
    address: str,
    speaker: Person | None,
    change: Register | RefuseConsent | SetSessionAnswer | RequestHelp | Erase,
    result: Recorded,
) -> Person | None:
    """Joining, answering a reminder, asking for help, leaving: returns who now speaks."""
    match change:
        case Register():
            speaker = await _register(uow, address, change, result)
            result.person = speaker
        case RefuseConsent():
            await uow.records.refuse_consent()
        case SetSessionAnswer(session_id, person_id, answer):
            answered_by = speaker.id if speaker else None
            await uow.sessions.set_answer(session_id, person_id, answer, answered_by)
            if answer == "need_help":  # the member needs the lift, whoever pressed
                member = await uow.people.get(person_id)
                lift = RequestHelp(f"reminder.{session_id}", "lift")
                await _help(uow, address, speaker, lift, result, session_id, member)
        case RequestHelp():
            await _help(uow, address, speaker, change, result)
        case Erase(person_ids):  # with what was said from here before they were known
            await uow.people.erase(person_ids, [address])
            result.person = None
            await uow.records.audit(None, "erased", people=len(person_ids))
            result.erased = True
    return speaker


async def _choices(
    uow: UnitOfWork, actor: int | None, change: Choices, activity_ids: dict[str, int]
) -> None:
    """What a person likes, the days they come, and how they want to be told."""
    match change:
        case SetPreference(person_id, activity, answer):
            await uow.people.set_preference(person_id, activity_ids[activity], answer, actor)
        case SetDays(person_id, series_id, comes):
            await uow.people.set_day(person_id, series_id, comes)
        case SetReminderTiming(person_id, timing):
            person = await uow.people.get(person_id)
            if person is not None:
                person.reminder_timing = timing
        case SetLanguage(person_ids, language):
            for person_id in person_ids:
                chosen_for = await uow.people.get(person_id)
                if chosen_for is not None:
                    chosen_for.language = language


async def _coordination(
    uow: UnitOfWork,
    actor: int | None,
    change: Coordination,
    channels: Collection[str],
    sending: Sending,
    result: Recorded,
) -> None:
    """The calendar, notices and the report: the coordinator's work."""
    if isinstance(change, SendNotice):
        queued = await queue_broadcast(uow, change, actor, channels, sending)
        if queued.due <= sending.now:  # the coordinator sees it go
            result.broadcasts.append(queued.broadcast_id)
    elif isinstance(change, MakeReport):
        await uow.records.audit(actor, "report made")
        result.report_wanted = True
    else:
        result.session_events.append(await change_calendar(uow, change, actor))


async def _club_work(
    uow: UnitOfWork,
    speaker: Person | None,
    change: SetFeedback | MarkAttendance | ChangeRole | StartPoll | AnswerPoll,
    channels: Collection[str],
    sending: Sending,
) -> None:
    """Feedback, attendance, roles and polls; coordinator actions go in the audit log."""
    actor = speaker.id if speaker else None
    match change:
        case SetFeedback(session_id, person_id, carer_helped, part, value):
            feedback = await uow.after.feedback(session_id, person_id)
            feedback.carer_helped = feedback.carer_helped or carer_helped
            if part == "face":
                feedback.face = value or feedback.face  # a skip never hides an earlier face
            elif part == "enjoyed":
                feedback.enjoyed_activity = value
            elif part == "comment":
                feedback.comment = value
            else:
                feedback.named_with_consent = value == "yes"
        case MarkAttendance(session_id, person_id, came):
            await uow.after.mark(session_id, person_id, came)
            await uow.records.audit(actor, "attendance marked", session=session_id)
        case ChangeRole(person_id, role, granted):
            if granted:
                await uow.people.grant(person_id, role)
            else:
                await uow.people.revoke(person_id, role)
            action = "role granted" if granted else "role removed"
            await uow.records.audit(actor, action, person=person_id, role=role)
        case StartPoll(activities):
            poll = await start_poll(uow, activities, actor, channels, sending)

            await uow.records.audit(actor, "poll started", poll=poll)
        case AnswerPoll(poll_id, person_id, activity, suggestion):
            await uow.polls.answer(poll_id, person_id, activity, suggestion)


async def _help(
    uow: UnitOfWork,
    address: str,
    speaker: Person | None,
    asked: RequestHelp,
    result: Recorded,
    session_id: int | None = None,
    member: Person | None = None,
) -> None:
    """Keep the request and have the coordinators told: about `member` when the request
    is for them (a lift), saying who asked when that was their carer."""
    about = member or speaker
    request = await uow.records.request_help(
        about.id if about else None,
        None if about else address,
        asked.where,
        asked.kind,
        asked.attachment or None,
        session_id,
    )
    who = about.name if about else ""
    carer = speaker.name if speaker and member and speaker.id != member.id else ""
    result.help.append(
        HelpNeeded(
            request.id, who, address, asked.where, asked.kind, asked.attachment, session_id, carer
        )
    )


async def _register(uow: UnitOfWork, address: str, change: Register, result: Recorded) -> Person:
    channel, handle = split_address(address)
    now = utc_now()
    phone = change.phone
    phone_in_use = phone is not None and await uow.people.by_phone(phone) is not None
    person = Person(
        name=change.name,
        channels=",".join(change.channels),
        phone=None if phone_in_use else phone,
        phone_is_landline=change.phone_is_landline,
        spoken=change.spoken,
        language=change.language,
        consent_given_by_name=change.name,
        consent_at=now,
    )
    if channel == "telegram":
        person.telegram_id = int(handle)
    elif channel == "console":
        person.console_name = handle
    await uow.people.add(person, [change.role])
    for member_name in change.member_names:
        member = Person(
            name=member_name,
            channels="",
            language=change.language,
            spoken=change.spoken,
            consent_given_by_id=person.id,
            consent_given_by_name=change.name,
            consent_at=now,
        )
        await uow.people.add(member, ["member"])
        await uow.people.link_carer(person.id, member.id)
    if phone_in_use:
        await _help(uow, address, person, RequestHelp("registration.phone", "phone_in_use"), result)
    await uow.records.audit(person.id, "registered", role=change.role)
    return person
