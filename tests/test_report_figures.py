"""Every figure of the committee's report, checked against a club's year built by hand
(tests/report_club.py), on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bootstrap import Club
from bot.report import ChoosingTogether, Count, FaceCounts, Period, Report, gather_report
from tests.report_club import YEAR, bare_club, build_year, session_row, utc

__all__ = ["bare_club"]


async def report_for(club: Club, period: Period) -> Report:
    async with club.units() as uow:
        return await gather_report(
            uow, club.catalogue, "Test Club", club.settings.zone, period, now=utc(2027, 1, 2)
        )


@pytest.fixture
async def year(bare_club: Club) -> Report:
    await build_year(bare_club)
    return await report_for(bare_club, YEAR)


async def test_sessions_held_are_those_not_cancelled_that_started_in_the_period(
    year: Report,
) -> None:
    assert [(s.title, s.starts_at.date()) for s in year.sessions] == [
        ("Tuesday Club", date(2026, 3, 3)),
        ("Thursday Club", date(2026, 3, 5)),
        ("Tuesday Club", date(2026, 7, 7)),
    ]
    assert year.cancelled == 1
    assert not year.no_sessions
    summer = year.sessions[2]
    assert (summer.starts_at.hour, summer.starts_at.minute) == (13, 30)  # shown in London time
    assert year.previous == Period(date(2025, 1, 1), date(2025, 12, 31))


async def test_coming_and_came_per_session_and_in_total(year: Report) -> None:
    first, second, summer = year.sessions
    assert (first.said_coming, first.said_not_coming, first.came, first.came_as_said) == (
        3,
        1,
        3,
        2,
    )
    assert (second.said_coming, second.came, second.came_as_said) == (1, 2, 1)
    assert first.marked and second.marked
    assert not summer.marked and summer.said_coming == 2 and summer.came == 0
    total = year.attendance
    assert total.sessions_marked == 2
    assert (total.said_coming, total.came, total.came_as_said) == (4, 5, 3)
    assert (total.said_coming_stayed_away, total.came_without_saying) == (1, 2)
    assert total.kept_share == pytest.approx(0.75)


async def test_faces_by_session_with_and_without_a_carer(year: Report) -> None:
    first, second, summer = year.sessions
    assert first.feedback.alone == FaceCounts(happy=1, unsure=1, skipped=1)
    assert first.feedback.with_carer == FaceCounts(happy=1)
    assert second.feedback.alone == FaceCounts(unhappy=1)
    assert second.feedback.with_carer == FaceCounts(happy=1)
    assert summer.feedback.all == FaceCounts(happy=1)
    assert year.feedback.alone == FaceCounts(happy=2, unsure=1, unhappy=1, skipped=1)
    assert year.feedback.with_carer == FaceCounts(happy=2)
    everyone = year.feedback.all
    assert (everyone.answered, everyone.skipped) == (6, 1)
    assert everyone.share("happy") == pytest.approx(4 / 6)
    assert everyone.share("unhappy") == pytest.approx(1 / 6)


async def test_faces_by_activity_and_what_was_enjoyed_most(year: Report) -> None:
    by_key = {a.activity_key: a for a in year.by_activity}
    assert set(by_key) == {"music", "art"}
    assert by_key["music"].sessions == 2
    assert by_key["music"].feedback.all == FaceCounts(happy=3, unsure=1, skipped=1)
    assert by_key["art"].feedback.all == FaceCounts(happy=1, unhappy=1)
    assert by_key["art"].activity == "art"
    assert [(c.key, c.count) for c in year.enjoyed_most] == [("music", 2), ("art", 1)]


async def test_most_wanted_now_and_at_the_end_of_the_previous_period(year: Report) -> None:
    wanted = {w.activity_key: w for w in year.wanted}
    assert len(wanted) == 8  # every activity the club has, answered or not
    assert (wanted["music"].yes, wanted["music"].no, wanted["music"].yes_before) == (2, 1, 1)
    assert wanted["music"].change == 1
    assert (wanted["art"].yes, wanted["art"].yes_before, wanted["art"].change) == (1, 0, 1)
    assert (wanted["gardening"].unsure, wanted["gardening"].yes) == (1, 0)
    assert wanted["meals"].activity == "cooking and meals"
    assert year.wanted[0].activity_key == "music"  # most wanted first
    assert year.anyone_answered
    assert year.choosing == () and not year.choosing_recorded


async def test_requests_for_help_lifts_and_voice_messages(year: Report) -> None:
    requests = year.requests
    assert (requests.talk, requests.lift, requests.voice_note, requests.other) == (1, 1, 1, 1)
    assert requests.not_handled == 3
    assert requests.total == 4


async def test_comments_are_named_only_with_consent(year: Report) -> None:
    assert [(c.who, c.words, c.session) for c in year.comments] == [
        ("Bob", "Lovely singing", "Tuesday Club"),
        ("a member", "Too loud", "Tuesday Club"),
        ("a member", "=cmd|' /C calc'!A0", "Thursday Club"),
    ]
    assert year.comments[0].carer_helped


async def test_who_could_not_be_reached_and_why(year: Report) -> None:
    found = [(u.name, u.channel, u.reason, u.failed_messages, u.for_good) for u in year.unreachable]
    assert found == [
        ("Ann", "voice", "unreachable", 1, False),
        ("Cat", "sms", "opted out", 2, True),
    ]
    assert year.unreachable[1].since is not None
    assert year.unreachable[1].since.date() == date(2026, 2, 1)


async def test_language_mix_and_roles_of_people_in_the_club_by_the_end(year: Report) -> None:
    assert [(c.key, c.count) for c in year.languages] == [("en", 3), ("es", 1), ("pt", 1)]
    assert year.languages[0].label == "English"
    assert [(c.key, c.count) for c in year.roles] == [("member", 3), ("carer", 1), ("volunteer", 1)]
    assert year.people == 5


async def test_a_period_with_no_sessions_says_so(bare_club: Club) -> None:
    await build_year(bare_club)
    quiet = await report_for(bare_club, Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert quiet.no_sessions
    assert quiet.sessions == () and quiet.cancelled == 0
    assert quiet.attendance.sessions_marked == 0 and quiet.attendance.kept_share == 0
    assert quiet.feedback.all == FaceCounts()
    assert quiet.comments == ()


async def test_an_empty_club_reports_without_failing(bare_club: Club) -> None:
    empty = await report_for(bare_club, YEAR)
    assert empty.no_sessions and empty.people == 0 and not empty.anyone_answered
    assert empty.unreachable == () and empty.requests.total == 0


async def test_the_period_is_whole_days_in_the_clubs_zone(bare_club: Club) -> None:
    """00:30 on 7 July in London is 23:30 UTC on the 6th: it belongs to the 7th."""
    async with bare_club.units() as uow:
        for starts in (utc(2026, 7, 6, 23, 30), utc(2026, 7, 7, 12), utc(2026, 7, 7, 23, 30)):
            await uow.sessions.add(session_row("Late", "music", starts))
        await uow.commit()
    day = await report_for(bare_club, Period(date(2026, 7, 7), date(2026, 7, 7)))
    assert [s.starts_at.strftime("%d %H:%M") for s in day.sessions] == ["07 00:30", "07 13:00"]


async def test_choosing_together_is_filled_by_a_source_when_one_exists(bare_club: Club) -> None:
    async def poll(session: AsyncSession, start: datetime, end: datetime) -> list[ChoosingTogether]:
        assert start < end
        return [ChoosingTogether("What next month?", (Count("music", "music", 4),), ("Bingo",))]

    async with bare_club.units() as uow:
        report = await gather_report(
            uow, bare_club.catalogue, "Test Club", bare_club.settings.zone, YEAR, choosing=poll
        )
    assert report.choosing_recorded
    assert report.choosing[0].choices[0].count == 4
