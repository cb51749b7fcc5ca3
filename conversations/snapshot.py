"""What the engine may read about the world: a frozen picture taken before each input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from conversations.calendar import SeriesRule

__all__ = ["PersonView", "Position", "SeriesView", "SessionView", "Snapshot"]

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SeriesView:
    """One of the club's regular days, such as the Wednesday session, and when it meets."""

    id: int
    title: str
    rule: SeriesRule

    @property
    def weekday(self) -> int:
        return self.rule.weekday

    @property
    def week_of_month(self) -> int | None:
        return self.rule.week_of_month


@dataclass(frozen=True)
class SessionView:
    """One meeting on one day; `series_id` is None for a one-off session."""

    id: int
    series_id: int | None
    title: str
    activity: str
    place: str
    postcode: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    roles: frozenset[str]
    channels: tuple[str, ...] = ()
    phone: str | None = None
    language: str = "en"
    spoken: bool = False
    reminder_timing: str = "both"
    preferences: dict[str, str] = field(default_factory=dict)
    series_ids: frozenset[int] = frozenset()
    consent_by: str | None = None
    consent_at: datetime | None = None
    carers: tuple[str, ...] = ()

    @property
    def is_carer(self) -> bool:
        return "carer" in self.roles


@dataclass(frozen=True)
class Snapshot:
    """The person talking (if known), whom they care for, and the club's shape."""

    channel: str
    club_name: str
    person: PersonView | None
    members: tuple[PersonView, ...] = ()
    activities: tuple[str, ...] = ()
    series: tuple[SeriesView, ...] = ()
    phone: str | None = None
    """The number a text or call came from, so nobody is asked for it again."""
    sessions: tuple[SessionView, ...] = ()
    """Sessions from the last week and the coming weeks, earliest first."""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    zone: ZoneInfo = LONDON
    audience_counts: dict[str, int] = field(default_factory=dict)
    """For coordinators: how many people each notice audience reaches."""
    activity_counts: dict[str, int] = field(default_factory=dict)
    directory: tuple[PersonView, ...] = ()
    """For coordinators: everyone, for choosing whose role or attendance to change."""
    session_answers: dict[int, dict[int, str]] = field(default_factory=dict)
    """Answers to reminders, by session then person: for coordinators, the past sessions';
    for everyone, those of the sessions their input is about."""
    quiet_until: datetime | None = None
    """When the club's quiet hours end, if it is in them now: what the club sends on its
    own waits until then (a notice unless marked urgent)."""

    def session(self, session_id: int) -> SessionView | None:
        return next((s for s in self.sessions if s.id == session_id), None)

    def subject(self, person_id: int | None) -> PersonView | None:
        """The person a flow is about: the speaker or one of the members they care for."""
        for candidate in (self.person, *self.members):
            if candidate is not None and candidate.id == person_id:
                return candidate
        return None


@dataclass
class Position:
    """Where a conversation stands; stored per address and never expires."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    question_id: int = 0
