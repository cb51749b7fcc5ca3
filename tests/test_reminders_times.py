"""When reminders are due: the day before at the set hour, the morning of, never in the
quiet hours; short notice goes at once; a cancellation decided at night goes at 08:00."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.reminder_times import ReminderTimes, outside_quiet_hours, reminder_due

LONDON = ZoneInfo("Europe/London")
TIMES = ReminderTimes()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in London, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


THURSDAY_1030 = local(2026, 12, 3, 10, 30)
WEEK_BEFORE = local(2026, 11, 26, 12, 0)


def test_the_day_before_at_the_set_hour_and_the_morning_of() -> None:
    assert reminder_due("day_before", THURSDAY_1030, LONDON, TIMES, WEEK_BEFORE) == local(
        2026, 12, 2, 11, 0
    )
    assert reminder_due("morning", THURSDAY_1030, LONDON, TIMES, WEEK_BEFORE) == local(
        2026, 12, 3, 9, 0
    )
    earlier = ReminderTimes(day_before=time(15, 30), morning=time(9, 15))
    assert reminder_due("day_before", THURSDAY_1030, LONDON, earlier, WEEK_BEFORE) == local(
        2026, 12, 2, 15, 30
    )
    assert reminder_due("morning", THURSDAY_1030, LONDON, earlier, WEEK_BEFORE) == local(
        2026, 12, 3, 9, 15
    )


def test_the_set_hours_are_local_on_both_sides_of_the_clock_changes() -> None:
    spring = local(2026, 3, 29, 14, 0)  # the Sunday the clocks go forward
    assert reminder_due("day_before", spring, LONDON, TIMES, local(2026, 3, 20, 9, 0)) == (
        datetime(2026, 3, 28, 11, 0, tzinfo=UTC)  # still Greenwich time on Saturday
    )
    assert reminder_due("morning", spring, LONDON, TIMES, local(2026, 3, 20, 9, 0)) == (
        datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 summer time
    )
    autumn = local(2026, 10, 25, 14, 0)  # the Sunday the clocks go back
    assert reminder_due("day_before", autumn, LONDON, TIMES, local(2026, 10, 20, 9, 0)) == (
        datetime(2026, 10, 24, 10, 0, tzinfo=UTC)
    )
    assert reminder_due("morning", autumn, LONDON, TIMES, local(2026, 10, 20, 9, 0)) == (
        datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("day_before", "due"),
    [
        (time(19, 59), local(2026, 12, 2, 19, 59)),
        (time(20, 0), local(2026, 12, 3, 9, 0)),
        (time(23, 30), local(2026, 12, 3, 9, 0)),
        (time(7, 0), local(2026, 12, 2, 9, 0)),
    ],
)
def test_never_in_the_quiet_hours(day_before: time, due: datetime) -> None:
    times = ReminderTimes(day_before=day_before)
    assert reminder_due("day_before", THURSDAY_1030, LONDON, times, WEEK_BEFORE) == due
    assert not times.in_quiet_hours(due.astimezone(LONDON).time())


def test_a_reminder_pushed_past_the_start_is_not_sent() -> None:
    early = local(2026, 12, 3, 8, 30)
    assert reminder_due("morning", early, LONDON, TIMES, WEEK_BEFORE) is None
    assert reminder_due("morning", local(2026, 12, 3, 9, 0), LONDON, TIMES, WEEK_BEFORE) is None
    assert reminder_due("day_before", early, LONDON, TIMES, WEEK_BEFORE) == local(
        2026, 12, 2, 11, 0
    )


def test_short_notice_goes_now_outside_the_quiet_hours() -> None:
    now = local(2026, 12, 2, 16, 45)
    assert reminder_due("day_before", THURSDAY_1030, LONDON, TIMES, now) == now
    assert reminder_due("morning", THURSDAY_1030, LONDON, TIMES, now) == local(2026, 12, 3, 9, 0)
    same_morning = local(2026, 12, 3, 9, 40)
    assert reminder_due("morning", THURSDAY_1030, LONDON, TIMES, same_morning) == same_morning
    assert reminder_due("morning", THURSDAY_1030, LONDON, TIMES, local(2026, 12, 3, 10, 31)) is None


def test_short_notice_at_night_waits_for_the_morning() -> None:
    night = local(2026, 12, 2, 22, 15)
    assert reminder_due("day_before", THURSDAY_1030, LONDON, TIMES, night) == local(
        2026, 12, 3, 9, 0
    )
    small_hours = local(2026, 12, 3, 2, 0)
    assert reminder_due("morning", THURSDAY_1030, LONDON, TIMES, small_hours) == local(
        2026, 12, 3, 9, 0
    )


@pytest.mark.parametrize(
    ("decided", "told"),
    [
        (local(2026, 12, 2, 21, 30), local(2026, 12, 3, 8, 0)),
        (local(2026, 12, 3, 0, 10), local(2026, 12, 3, 8, 0)),
        (local(2026, 12, 3, 5, 0), local(2026, 12, 3, 8, 0)),
        (local(2026, 12, 2, 19, 0), local(2026, 12, 2, 19, 0)),
        (local(2026, 12, 3, 9, 5), local(2026, 12, 3, 9, 5)),
    ],
)
def test_a_cancellation_decided_at_night_goes_at_eight(decided: datetime, told: datetime) -> None:
    assert outside_quiet_hours(decided, LONDON, TIMES, wake=TIMES.urgent_morning) == told


def test_a_cancellation_between_eight_and_nine_goes_at_once() -> None:
    decided = local(2026, 12, 3, 8, 20)
    due = outside_quiet_hours(decided, LONDON, TIMES, wake=TIMES.urgent_morning)
    assert due <= decided


def test_quiet_hours_that_do_not_cross_midnight() -> None:
    lunch = ReminderTimes(quiet_start=time(12, 0), quiet_end=time(14, 0))
    assert lunch.in_quiet_hours(time(12, 0)) and lunch.in_quiet_hours(time(13, 59))
    assert not lunch.in_quiet_hours(time(14, 0)) and not lunch.in_quiet_hours(time(22, 0))
    assert outside_quiet_hours(local(2026, 12, 2, 12, 30), LONDON, lunch) == local(
        2026, 12, 2, 14, 0
    )


def test_the_follow_up_interval_is_part_of_the_settings() -> None:
    assert TIMES.follow_up_after == timedelta(hours=5)
    assert TIMES.in_quiet_hours(time(20, 0)) and TIMES.in_quiet_hours(time(8, 59))
    assert not TIMES.in_quiet_hours(time(9, 0)) and not TIMES.in_quiet_hours(time(19, 59))
