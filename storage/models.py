"""The club's tables, as SQLAlchemy 2 typed models.

Times are stored as timezone-aware UTC; the club's own zone is applied only when a
time is shown to a person, so clock changes never move a stored moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "LONGEST_ATTACHMENT",
    "LONGEST_INBOUND_KEY",
    "Activity",
    "AttendanceRecord",
    "AuditEntry",
    "Base",
    "Broadcast",
    "CareLink",
    "ChannelState",
    "ClubSession",
    "ConsentRefusal",
    "Feedback",
    "HelpRequest",
    "InboundKey",
    "OutboxMessage",
    "Person",
    "PersonDay",
    "PersonRole",
    "Poll",
    "PollAnswer",
    "Position",
    "Preference",
    "SessionAnswer",
    "SessionSeries",
    "SpeechClip",
    "SpeechClipPerson",
    "utc_now",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


PERSON_FK = "people.id"
LONGEST_ATTACHMENT = 200
"""A provider's reference to a voice message kept for the team (Telegram's file id)."""


class Person(Base):
    """Anyone the club talks to. Known by Telegram account, phone or console name."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_is_landline: Mapped[bool] = mapped_column(Boolean, default=False)
    console_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    channels: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    spoken: Mapped[bool] = mapped_column(Boolean, default=False)
    slow_speech: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_timing: Mapped[str] = mapped_column(String(16), default="both")
    consent_given_by_id: Mapped[int | None] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="SET NULL")
    )
    consent_given_by_name: Mapped[str | None] = mapped_column(String(80))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    @property
    def channel_order(self) -> list[str]:
        return [channel for channel in self.channels.split(",") if channel]


class PersonRole(Base):
    """member, carer, volunteer, coordinator or committee; a person may hold several."""

    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class CareLink(Base):
    __tablename__ = "care_links"

    carer_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True, index=True
    )
    gets_reminders: Mapped[bool] = mapped_column(Boolean, default=True)


class ChannelState(Base):
    """A channel that failed for good (blocked, opted out, unreachable), and why."""

    __tablename__ = "channel_states"

    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Preference(Base):
    """One Talking Mats answer: yes, unsure or no for one activity."""

    __tablename__ = "preferences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[str] = mapped_column(String(8))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class SessionSeries(Base):
    """A regular meeting: weekly on a weekday, or monthly on the nth weekday."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    activity_key: Mapped[str] = mapped_column(String(40))
    place: Mapped[str] = mapped_column(String(80))
    postcode: Mapped[str] = mapped_column(String(10))
    weekday: Mapped[int] = mapped_column(Integer)
    week_of_month: Mapped[int | None] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)


class PersonDay(Base):
    """A person comes to the meetings of this series."""

    __tablename__ = "person_days"

    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(
        ForeignKey("session_series.id", ondelete="CASCADE"), primary_key=True
    )


class ClubSession(Base):
    """One meeting on one day, from a series or on its own."""

    __tablename__ = "club_sessions"
    __table_args__ = (UniqueConstraint("series_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_series.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(80))
    activity_key: Mapped[str] = mapped_column(String(40))
    place: Mapped[str] = mapped_column(String(80))
    postcode: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]
    series_slot: Mapped[datetime | None]
    """For a series meeting: the start the series gave it, kept when the meeting moves,
    so the calendar never adds it again at its old time."""


class SessionAnswer(Base):
    """A reply to a reminder: coming, not_coming or need_help."""

    __tablename__ = "session_answers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("club_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[str] = mapped_column(String(16))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(default=utc_now)


class AttendanceRecord(Base):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("club_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    attended: Mapped[bool] = mapped_column(Boolean)
    marked_at: Mapped[datetime] = mapped_column(default=utc_now)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("club_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    face: Mapped[str | None] = mapped_column(String(8))
    enjoyed_activity: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    carer_helped: Mapped[bool] = mapped_column(Boolean, default=False)
    named_with_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Position(Base):
    """Where a conversation stands, per address ("telegram:42", "sms:+447700900123").

    Never expires: an answer given days later still lands where it belongs.
    """

    __tablename__ = "positions"

    address: Mapped[str] = mapped_column(String(120), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), index=True
    )
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    question_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class OutboxMessage(Base):
    """Anything the club sends on its own initiative, before and after it is sent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("club_sessions.id", ondelete="CASCADE")
    )
    broadcast_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


LONGEST_INBOUND_KEY = 64


class InboundKey(Base):
    """A provider's id for something already handled, so a replay has one effect; kept
    while the provider may send it again (`RecordsRepository.forget_sightings`)."""

    __tablename__ = "inbound_keys"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(LONGEST_INBOUND_KEY), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)


class SpeechClip(Base):
    """Synthesised audio, made once per distinct (text, language, voice, engine): its
    `digest`. `key`, which names it in /audio/{key}.mp3, is random, so nobody can test
    whether some words were said by asking for their hash. The words are kept with it so
    that erasing a person finds every clip that names them, whoever it was made for."""

    __tablename__ = "speech_clips"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    words: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    voice: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(16))
    mp3: Mapped[bytes] = mapped_column(LargeBinary)
    ogg: Mapped[bytes | None] = mapped_column(LargeBinary)
    seconds: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class SpeechClipPerson(Base):
    """A clip was played to this person (on a call): erasing them deletes it."""

    __tablename__ = "speech_clip_people"

    clip_key: Mapped[str] = mapped_column(
        ForeignKey("speech_clips.key", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True, index=True
    )


class Broadcast(Base):
    """A coordinator's notice to a group; its deliveries are outbox rows with its id."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    words: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(40))
    activity_key: Mapped[str | None] = mapped_column(String(40))
    voice_attachment: Mapped[str | None] = mapped_column(String(LONGEST_ATTACHMENT))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class Poll(Base):
    """ "What would you like to do next month?", asked of everyone at once."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PollAnswer(Base):
    """One person's choice in a poll: an activity, or their own idea in words."""

    __tablename__ = "poll_answers"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="CASCADE"), primary_key=True
    )
    activity_key: Mapped[str | None] = mapped_column(String(40))
    suggestion: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utc_now)


class HelpRequest(Base):
    """Someone asked to talk to a person, or for a lift; the coordinator is told."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="talk")
    where: Mapped[str] = mapped_column(String(80))
    attachment: Mapped[str | None] = mapped_column(String(LONGEST_ATTACHMENT))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("club_sessions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    handled_at: Mapped[datetime | None]


class ConsentRefusal(Base):
    """Someone declined consent: only the fact and the moment are kept."""

    __tablename__ = "consent_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    refused_at: Mapped[datetime] = mapped_column(default=utc_now)


class AuditEntry(Base):
    """Who did what with coordinator or committee powers, or with someone's data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
