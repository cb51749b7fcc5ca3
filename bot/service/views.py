"""Rows as the engine's plain views of people and sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations import (
    PersonView,
    SeriesRule,
    SessionView,
)
from storage.models import ClubSession, Person, SessionSeries
from storage.people import PersonDetails

__all__ = ["aware", "person_view", "rule_of", "series_of", "session_view"]


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


def rule_of(series: SessionSeries) -> SeriesRule:
    return SeriesRule(
        series.weekday,
        series.week_of_month,
        series.start_time,
        series.end_time,
        series.first_day,
        series.last_day,
    )


def series_of(
    rule: SeriesRule, title: str, activity_key: str, place: str, postcode: str
) -> SessionSeries:
    """A new series meeting by `rule` (the other way from `rule_of`)."""
    return SessionSeries(
        title=title,
        activity_key=activity_key,
        place=place,
        postcode=postcode,
        weekday=rule.weekday,
        week_of_month=rule.week_of_month,
        start_time=rule.start,
        end_time=rule.end,
        first_day=rule.first_day,
        last_day=rule.last_day,
    )
