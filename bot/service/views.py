"""Rows as the engine's plain views of people and sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations import PersonView, SessionView
from storage.models import ClubSession, Person
from storage.people import PersonDetails

__all__ = ["aware", "person_view", "session_view"]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored moment is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def session_view(session: ClubSession) -> SessionView:
    return SessionView(
        id=session.id,
        series_id=session.series_id,
        title=session.title,
        activity=session.activity_key,
        place=session.place,
        postcode=session.postcode,
        starts_at=aware(session.starts_at),
        ends_at=aware(session.ends_at),
        cancelled=session.cancelled_at is not None,
    )


def person_view(person: Person, details: PersonDetails) -> PersonView:
    consent_at = aware(person.consent_at) if person.consent_at else None
    return PersonView(
        id=person.id,
        name=person.name,
        roles=frozenset(details.roles),
        channels=tuple(person.channel_order),
        phone=person.phone,
        language=person.language,
        spoken=person.spoken,
        reminder_timing=person.reminder_timing,
        preferences=details.preferences,
        series_ids=frozenset(details.series_ids),
        consent_by=person.consent_given_by_name,
        consent_at=consent_at,
        carers=tuple(details.carers),
    )
