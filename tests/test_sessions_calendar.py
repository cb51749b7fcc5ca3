"""The club's calendar: series meet at the same wall-clock time across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from conversations.calendar import LAST_WEEK, SeriesRule, at_local, occurrences, week_of_month

LONDON = ZoneInfo("Europe/London")
THURSDAY = 3
SUNDAY = 6


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_weekly_1030_stays_at_1030_local_across_the_spring_change() -> None:
    rule = SeriesRule(THURSDAY, None, time(10, 30), time(12, 30), date(2026, 3, 1))
    meetings = list(occurrences(rule, date(2026, 3, 19), date(2026, 4, 2), LONDON))
    assert [m.day for m in meetings] == [date(2026, 3, 19), date(2026, 3, 26), date(2026, 4, 2)]
    assert [m.starts_at.astimezone(LONDON).time() for m in meetings] == [time(10, 30)] * 3
    # Greenwich time before the last Sunday of March, summer time after it.
    assert meetings[1].starts_at == _utc(2026, 3, 26, 10, 30)
    assert meetings[2].starts_at == _utc(2026, 4, 2, 9, 30)
    assert meetings[2].ends_at == _utc(2026, 4, 2, 11, 30)


def test_a_weekly_1030_stays_at_1030_local_across_the_autumn_change() -> None:
    rule = SeriesRule(THURSDAY, None, time(10, 30), time(12, 30), date(2026, 1, 1))
    meetings = list(occurrences(rule, date(2026, 10, 22), date(2026, 10, 29), LONDON))
    assert [m.starts_at for m in meetings] == [
        _utc(2026, 10, 22, 9, 30),
        _utc(2026, 10, 29, 10, 30),
    ]
    assert {m.starts_at.astimezone(LONDON).time() for m in meetings} == {time(10, 30)}
    assert {m.ends_at.astimezone(LONDON).time() for m in meetings} == {time(12, 30)}


def test_the_monthly_first_sunday_across_both_changes() -> None:
    rule = SeriesRule(SUNDAY, 1, time(14, 0), time(16, 30), date(2026, 1, 1))
    meetings = list(occurrences(rule, date(2026, 2, 20), date(2026, 11, 30), LONDON))
    assert [m.day for m in meetings] == [
        date(2026, 3, 1),
        date(2026, 4, 5),
        date(2026, 5, 3),
        date(2026, 6, 7),
        date(2026, 7, 5),
        date(2026, 8, 2),
        date(2026, 9, 6),
        date(2026, 10, 4),
        date(2026, 11, 1),
    ]
    assert {m.starts_at.astimezone(LONDON).time() for m in meetings} == {time(14, 0)}
    assert meetings[0].starts_at == _utc(2026, 3, 1, 14, 0)  # GMT
    assert meetings[1].starts_at == _utc(2026, 4, 5, 13, 0)  # BST
    assert meetings[-1].starts_at == _utc(2026, 11, 1, 14, 0)  # GMT again


def test_the_last_sunday_falls_on_the_days_the_clocks_change() -> None:
    rule = SeriesRule(SUNDAY, LAST_WEEK, time(14, 0), time(16, 0), date(2026, 1, 1))
    days = [m.day for m in occurrences(rule, date(2026, 3, 1), date(2026, 10, 31), LONDON)]
    assert days[0] == date(2026, 3, 29)
    assert days[-1] == date(2026, 10, 25)
    assert len(days) == 8
    assert all(week_of_month(day) in {4, 5} for day in days)


def test_a_series_keeps_to_its_first_and_last_day() -> None:
    rule = SeriesRule(
        THURSDAY, None, time(10, 30), time(12, 30), date(2026, 3, 12), date(2026, 3, 26)
    )
    days = [m.day for m in occurrences(rule, date(2026, 3, 1), date(2026, 4, 30), LONDON)]
    assert days == [date(2026, 3, 12), date(2026, 3, 19), date(2026, 3, 26)]


def test_a_time_the_spring_change_skips_comes_out_an_hour_later() -> None:
    moment = at_local(date(2026, 3, 29), time(1, 30), LONDON)
    assert moment == _utc(2026, 3, 29, 1, 30)
    assert moment.astimezone(LONDON).time() == time(2, 30)


def test_a_time_the_autumn_change_repeats_is_the_first_of_the_two() -> None:
    moment = at_local(date(2026, 10, 25), time(1, 30), LONDON)
    assert moment == _utc(2026, 10, 25, 0, 30)
