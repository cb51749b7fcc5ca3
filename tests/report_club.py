"""A small club's year (2026) written straight into storage, with every figure the
committee's report should find worked out by hand in `EXPECTED`-style comments.

Feedback rows stand for answers given by Telegram button, SMS digit and phone key: each
channel's feedback flow records the same row (a face, and whether a carer helped).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.bootstrap import Club
from bot.report import Period
from config import Settings
from storage.models import (
    AttendanceRecord,
    ChannelState,
    ClubSession,
    Feedback,
    HelpRequest,
    OutboxMessage,
    Person,
    Preference,
    SessionAnswer,
)
from tests.clubs import prepared_club

__all__ = ["YEAR", "bare_club", "build_year", "session_row", "utc"]

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
LONG_AGO = datetime(2025, 6, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def bare_club(settings: Settings) -> AsyncIterator[Club]:
    """The club with its standard activities and nothing else (no demo people)."""
    async with prepared_club(settings, demo=False) as built:
        yield built


def session_row(
    title: str, activity: str, starts: datetime, cancelled: bool = False
) -> ClubSession:
    return ClubSession(
        title=title,
        activity_key=activity,
        place="Norwood Community Hall",
        postcode="SE27 9JU",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        cancelled_at=starts - timedelta(days=1) if cancelled else None,
    )


async def build_year(club: Club) -> dict[str, int]:
    """Five people, six sessions (three held in 2026), and what happened around them."""
    async with club.units() as uow:
        s = uow.session
        people = {
            "Ann": Person(name="Ann", language="en", phone="+447700900001", channels="sms,voice"),
            "Bob": Person(name="Bob", language="pt"),
            "Cat": Person(name="Cat", language="en", phone="+447700900003", channels="sms"),
            "Dan": Person(name="Dan", language="en", telegram_id=4004, channels="telegram"),
            "Eve": Person(name="Eve", language="es", telegram_id=5005, channels="telegram"),
            "Fay": Person(name="Fay", language="fr", created_at=utc(2027, 3, 1)),
        }
        roles = {"Ann": "member", "Bob": "member", "Cat": "member", "Dan": "carer"}
        roles |= {"Eve": "volunteer", "Fay": "member"}
        for name, person in people.items():
            if person.created_at is None:
                person.created_at = LONG_AGO
            await uow.people.add(person, [roles[name]])
        await uow.people.link_carer(people["Dan"].id, people["Bob"].id)
        ids = {name: person.id for name, person in people.items()}
        sessions = {
            # 13:30 in London in March is 13:30 UTC; in July (summer time) 12:30 UTC.
            "S1": session_row("Tuesday Club", "music", utc(2026, 3, 3, 13, 30)),
            "S2": session_row("Thursday Club", "art", utc(2026, 3, 5, 10, 30)),
            "S3": session_row("Tuesday Club", "music", utc(2026, 7, 7, 12, 30)),
            "S4": session_row("Crafternoon", "crafts", utc(2026, 4, 5, 13), cancelled=True),
            "S5": session_row("Tuesday Club", "music", utc(2025, 11, 4, 13, 30)),
            "S6": session_row("Tuesday Club", "music", utc(2027, 1, 5, 13, 30)),
        }
        for meeting in sessions.values():
            await uow.sessions.add(meeting)
        sid = {name: meeting.id for name, meeting in sessions.items()}
        ids |= sid

        def answer(session: str, who: str, said: str, by: str | None = None) -> SessionAnswer:
            return SessionAnswer(
                session_id=sid[session],
                person_id=ids[who],
                answer=said,
                answered_by_id=ids[by] if by else None,
            )

        s.add_all(
            [
                answer("S1", "Ann", "coming"),
                answer("S1", "Bob", "coming", by="Dan"),
                answer("S1", "Cat", "not_coming"),
                answer("S1", "Eve", "need_help"),
                answer("S2", "Ann", "coming"),
                answer("S3", "Ann", "coming"),
                answer("S3", "Cat", "coming"),
                answer("S5", "Ann", "coming"),
            ]
        )

        def came(session: str, who: str, attended: bool = True) -> AttendanceRecord:
            return AttendanceRecord(session_id=sid[session], person_id=ids[who], attended=attended)

        s.add_all(
            [
                came("S1", "Ann"),
                came("S1", "Bob", attended=False),
                came("S1", "Eve"),
                came("S1", "Cat"),
                came("S2", "Ann"),
                came("S2", "Dan"),
                came("S5", "Ann"),
            ]
        )

        def felt(session: str, who: str, face: str | None, **more: object) -> Feedback:
            return Feedback(session_id=sid[session], person_id=ids[who], face=face, **more)

        s.add_all(
            [
                felt("S1", "Ann", "happy"),  # a Telegram button
                felt(
                    "S1",
                    "Bob",
                    "happy",
                    carer_helped=True,
                    enjoyed_activity="music",
                    comment="Lovely singing",
                    named_with_consent=True,
                ),
                felt("S1", "Eve", "unsure", comment="Too loud"),  # an SMS digit
                felt("S1", "Cat", None),  # skipped
                felt("S2", "Ann", "unhappy", comment="=cmd|' /C calc'!A0"),  # a phone key
                felt("S2", "Bob", "happy", carer_helped=True, enjoyed_activity="art"),
                felt("S3", "Cat", "happy", enjoyed_activity="music", comment="  "),
                felt("S5", "Ann", "unhappy", comment="Not this year"),
            ]
        )
        activity = {a.key: a.id for a in await uow.club.activities()}

        def liked(who: str, key: str, said: str, at: datetime) -> Preference:
            return Preference(
                person_id=ids[who], activity_id=activity[key], answer=said, updated_at=at
            )

        s.add_all(
            [
                liked("Ann", "music", "yes", utc(2025, 5, 1)),
                liked("Ann", "art", "yes", utc(2026, 2, 1)),
                liked("Bob", "music", "yes", utc(2026, 6, 1)),
                liked("Cat", "gardening", "unsure", utc(2025, 5, 1)),
                liked("Cat", "music", "no", utc(2026, 3, 1)),
                liked("Eve", "art", "yes", utc(2027, 1, 10)),
            ]
        )

        def asked(kind: str, at: datetime, who: str = "Eve", done: bool = False) -> HelpRequest:
            return HelpRequest(
                person_id=ids[who],
                kind=kind,
                where="test",
                created_at=at,
                handled_at=at if done else None,
            )

        s.add_all(
            [
                asked("lift", utc(2026, 3, 3)),
                asked("talk", utc(2026, 4, 1), who="Ann", done=True),
                asked("voice_note", utc(2026, 5, 1), who="Cat"),
                asked("talk", utc(2025, 12, 1)),
                asked("phone_in_use", utc(2026, 6, 1), who="Dan"),
            ]
        )
        s.add_all(
            [
                ChannelState(
                    person_id=ids["Cat"],
                    channel="sms",
                    reason="opted out",
                    changed_at=utc(2026, 2, 1),
                ),
                ChannelState(
                    person_id=ids["Eve"],
                    channel="telegram",
                    reason="blocked",
                    changed_at=utc(2027, 2, 1),
                ),
            ]
        )

        def sent(
            who: str, channel: str, due: datetime, status: str, error: str | None
        ) -> OutboxMessage:
            return OutboxMessage(
                person_id=ids[who],
                channel=channel,
                kind="reminder",
                payload={},
                idempotency_key=f"{who}-{channel}-{due.isoformat()}",
                due_at=due,
                status=status,
                last_error=error,
            )

        s.add_all(
            [
                sent("Cat", "sms", utc(2026, 1, 20), "failed", "opted out"),
                sent("Cat", "sms", utc(2026, 2, 1), "failed", "opted out"),
                sent("Ann", "voice", utc(2026, 4, 1), "failed", "unreachable"),
                sent("Ann", "sms", utc(2025, 12, 1), "failed", "unreachable"),
                sent("Ann", "sms", utc(2026, 4, 2), "sent", None),
            ]
        )
        await uow.commit()
    return ids
