"""Planning reminders: who gets which, when; planning again adds nothing; the clock jumping
forward an hour neither skips nor doubles a reminder; `sessions remind` and cancellations."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.bootstrap import Club
from bot.cli.main import run_command
from storage.models import OutboxMessage, utc_now
from tests.club_data import add_carer, add_person, add_series
from tests.club_rows import outbox
from tests.coordinator_support import add_session
from tests.fakes.clock import FakeClock, dispatcher_for, local, planner_for
from tests.fakes.sender import RecordingSender

THURSDAY = 3
SUNDAY = 6
LAST = -1
WEDNESDAY_0800 = local(2026, 12, 2, 8, 0)
THURSDAY_1030 = local(2026, 12, 3, 10, 30)


async def _thursday_club(club: Club) -> dict[str, int]:
    """A Thursday series and the people around it, by name."""
    series = await add_series(club, "Singing", THURSDAY, time(10, 30), time(12, 30))
    other = await add_series(club, "Gardening", 1, time(13, 30), time(15, 0))
    ids = {"series": series}
    ids["Ann"] = await add_person(club, "Ann", telegram_id=1001, series=[series])
    ids["Bob"] = await add_person(club, "Bob", telegram_id=1002, timing="morning", series=[series])
    ids["Cat"] = await add_person(
        club, "Cat", telegram_id=1003, timing="day_before", series=[series]
    )
    ids["Dee"] = await add_person(club, "Dee", channels="", series=[series])
    ids["Eve"] = await add_carer(club, "Eve", ids["Dee"], telegram_id=2001)
    ids["Fay"] = await add_person(club, "Fay", telegram_id=1006, timing="morning", series=[series])
    ids["Gus"] = await add_carer(club, "Gus", ids["Fay"], telegram_id=2002, gets_reminders=False)
    ids["Hal"] = await add_person(club, "Hal", telegram_id=1008, series=[other])
    return ids


def _plan_of(rows: list[OutboxMessage]) -> set[tuple[str, int, int, datetime]]:
    return {(r.kind, r.person_id, r.payload["member"], r.due_at.replace(tzinfo=UTC)) for r in rows}


async def test_reminders_reach_those_coming_that_day_per_their_timing(club: Club) -> None:
    ids = await _thursday_club(club)
    planner = planner_for(club, FakeClock(WEDNESDAY_0800))
    queued = await planner.plan()
    rows = await outbox(club)
    assert queued == len(rows)
    day_before, follow_up, morning = (
        local(2026, 12, 2, 11, 0),
        local(2026, 12, 2, 16, 0),
        local(2026, 12, 3, 9, 0),
    )
    expected = set()
    for member, person, kinds in [
        ("Ann", "Ann", ("day_before", "morning")),
        ("Bob", "Bob", ("morning",)),
        ("Cat", "Cat", ("day_before",)),
        ("Dee", "Eve", ("day_before", "morning")),  # the carer who chose to get them
        ("Fay", "Fay", ("morning",)),
    ]:
        for kind in kinds:
            due = day_before if kind == "day_before" else morning
            expected.add(("reminder", ids[person], ids[member], due))
            if kind == "day_before":
                expected.add(("followup", ids[person], ids[member], follow_up))
    assert _plan_of(rows) == expected
    assert {r.channel for r in rows} == {"telegram"}
    assert {r.status for r in rows} == {"pending"}
    assert {r.session_id for r in rows} == {rows[0].session_id}
    reached = {r.person_id for r in rows}
    assert ids["Gus"] not in reached and ids["Hal"] not in reached and ids["Dee"] not in reached


async def test_planning_twice_gives_the_same_rows(club: Club) -> None:
    await _thursday_club(club)
    clock = FakeClock(WEDNESDAY_0800)
    planner = planner_for(club, clock)
    first = await planner.plan()
    before = [(r.idempotency_key, r.due_at, r.kind) for r in await outbox(club)]
    assert await planner.plan() == 0
    clock.advance(timedelta(minutes=30))
    assert await planner.plan() == 0
    assert [(r.idempotency_key, r.due_at, r.kind) for r in await outbox(club)] == before
    assert first == len(before) > 0
    assert len({key for key, _, _ in before}) == len(before)


async def _run_timeline(
    club: Club, clock: FakeClock, until: datetime, step: timedelta, jump: datetime | None
) -> tuple[RecordingSender, list[tuple[datetime, int]]]:
    """Plan and dispatch as the service does, `step` by `step`; at `jump` the machine's
    clock leaps an hour forward. Returns what was sent and when."""
    sender = RecordingSender("telegram")
    planner = planner_for(club, clock)
    dispatcher = dispatcher_for(club, clock, {"telegram": sender}, planner)
    moments: list[tuple[datetime, int]] = []
    while clock.now < until:
        await dispatcher.plan_if_due()
        while await dispatcher.run_once():
            pass
        moments += [(clock.now, m.row_id) for m in sender.sent[len(moments) :]]
        clock.advance(step)
        if jump is not None and clock.now >= jump:
            clock.advance(timedelta(hours=1))
            jump = None
    return sender, moments


async def _sent_once_and_never_early(
    club: Club, sender: RecordingSender, moments: list[tuple[datetime, int]]
) -> Counter[str]:
    rows = {r.id: r for r in await outbox(club)}
    sent_keys = Counter(rows[m.row_id].idempotency_key for m in sender.sent)
    assert all(count == 1 for count in sent_keys.values()), sent_keys
    for moment, row_id in moments:
        assert rows[row_id].due_at.replace(tzinfo=UTC) <= moment
    return sent_keys


def _kinds(keys: Counter[str], rows: dict[int, OutboxMessage]) -> Counter[str]:
    by_key = {r.idempotency_key: r for r in rows.values()}
    return Counter(f"{by_key[key].kind}:{by_key[key].payload['kind']}" for key in keys)


async def test_the_clock_jumping_forward_an_hour_skips_and_doubles_nothing(club: Club) -> None:
    ids = await _thursday_club(club)
    step = timedelta(hours=1)
    start = local(2026, 12, 2, 9, 0)
    steady, moments = await _run_timeline(club, FakeClock(start), THURSDAY_1030, step, None)
    steady_keys = await _sent_once_and_never_early(club, steady, moments)

    # The next Thursday, with the machine's clock leaping from 11:00 to 12:00 on Wednesday.
    jumped, moments = await _run_timeline(
        club,
        FakeClock(start + timedelta(weeks=1)),
        THURSDAY_1030 + timedelta(weeks=1),
        step,
        jump=local(2026, 12, 9, 10, 45),
    )
    jumped_keys = await _sent_once_and_never_early(club, jumped, moments)
    rows = {r.id: r for r in await outbox(club)}
    assert _kinds(jumped_keys, rows) == _kinds(steady_keys, rows)
    assert _kinds(steady_keys, rows) == Counter(
        {"reminder:day_before": 3, "followup:followup": 3, "reminder:morning": 4}
    )
    # The 11:00 reminders went at the first look after the jump.
    times = sorted({moment for moment, _ in moments})
    assert local(2026, 12, 9, 11, 0) not in times
    assert times[0] == local(2026, 12, 9, 12, 0)
    assert {m.person_id for m in jumped.sent} == {
        ids[name] for name in ("Ann", "Bob", "Cat", "Eve", "Fay")
    }


async def test_the_night_the_clocks_go_forward_skips_and_doubles_nothing(club: Club) -> None:
    series = await add_series(club, "Sunday Social", SUNDAY, time(10, 0), time(12, 0), LAST)
    ann = await add_person(club, "Ann", telegram_id=1001, series=[series])
    clock = FakeClock(local(2026, 3, 27, 9, 0))
    sender, moments = await _run_timeline(
        club, clock, local(2026, 3, 29, 10, 0), timedelta(hours=1), None
    )
    keys = await _sent_once_and_never_early(club, sender, moments)
    rows = {r.id: r for r in await outbox(club)}
    assert _kinds(keys, rows) == Counter(
        {"reminder:day_before": 1, "followup:followup": 1, "reminder:morning": 1}
    )
    sent_at = {
        message.reply.texts[0].key: moment
        for message, (moment, _) in zip(sender.sent, moments, strict=True)
    }
    assert sent_at["reminder.day_before"] == datetime(2026, 3, 28, 11, 0, tzinfo=UTC)  # GMT
    assert sent_at["reminder.morning"] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert {m.person_id for m in sender.sent} == {ann}


async def test_short_notice_reminders_go_at_once(club: Club) -> None:
    ids = await _thursday_club(club)
    clock = FakeClock(local(2026, 12, 3, 9, 30))  # Thursday morning, an hour before
    await planner_for(club, clock).plan()
    rows = await outbox(club)
    assert {r.due_at.replace(tzinfo=UTC) for r in rows} == {clock.now}
    # One reminder each: the morning one, or for Cat (day before only) the day-before one.
    assert Counter((r.person_id, r.payload["kind"]) for r in rows) == Counter(
        {(ids[n], "morning"): 1 for n in ("Ann", "Bob", "Eve", "Fay")}
        | {(ids["Cat"], "day_before"): 1}
    )


async def test_a_session_added_at_night_is_reminded_in_the_morning_once(club: Club) -> None:
    ids = await _thursday_club(club)
    clock = FakeClock(local(2026, 12, 2, 22, 0))
    await planner_for(club, clock).plan()
    rows = await outbox(club)
    assert {r.due_at.replace(tzinfo=UTC) for r in rows} == {local(2026, 12, 3, 9, 0)}
    assert not any(r.kind == "followup" for r in rows)
    people = Counter(r.person_id for r in rows)
    assert people == Counter({ids[n]: 1 for n in ("Ann", "Bob", "Cat", "Eve", "Fay")})


# ------------------------------------------------ sending now, and cancellations


def _arguments(action: str, session: int) -> argparse.Namespace:
    return argparse.Namespace(command="sessions", sessions_command=action, session=session)


async def _one_off_soon(club: Club) -> int:
    starts = utc_now().replace(microsecond=0) + timedelta(days=3)
    return await add_session(club, starts, title="Tea Dance")


async def test_sessions_remind_queues_the_reminders_now(
    club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = await add_person(club, "Ann", telegram_id=1001)
    dee = await add_person(club, "Dee", channels="")
    eve = await add_carer(club, "Eve", dee, telegram_id=2001)
    session = await _one_off_soon(club)  # a one-off: every member is expected
    assert await run_command(club, _arguments("remind", session)) == 0
    assert capsys.readouterr().out.strip() == "2 reminders queued to send now."
    rows = await outbox(club, session_id=session)
    assert {(r.person_id, r.payload["member"]) for r in rows} == {(ann, ann), (eve, dee)}
    assert {r.kind for r in rows} == {"reminder"}
    latest = utc_now() + timedelta(hours=13)  # at once, or when the quiet hours end
    assert all(r.due_at.replace(tzinfo=UTC) <= latest for r in rows)
    assert await run_command(club, _arguments("remind", session)) == 0
    assert capsys.readouterr().out.strip() == "0 reminders queued to send now."


async def test_sessions_remind_for_a_cancelled_or_unknown_session_sends_nothing(
    club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_person(club, "Ann", telegram_id=1001)
    session = await _one_off_soon(club)
    assert await run_command(club, _arguments("cancel", session)) == 0
    # Ann is a member, and a one-off session is for every member: she is told.
    assert capsys.readouterr().out.startswith(f"Cancelled session {session}. 1 ")

    assert await run_command(club, _arguments("remind", session)) == 0
    assert await run_command(club, _arguments("remind", 9999)) == 0
    assert capsys.readouterr().out.splitlines() == ["0 reminders queued to send now."] * 2
    assert await run_command(club, _arguments("cancel", session)) == 2
    assert "already cancelled" in capsys.readouterr().out


async def test_a_cancellation_reaches_everyone_who_comes_that_day_but_those_who_said_no(
    club: Club,
) -> None:
    ids = await _thursday_club(club)
    ian = await add_carer(club, "Ian", ids["Ann"], telegram_id=2003)
    clock = FakeClock(WEDNESDAY_0800)
    await planner_for(club, clock).plan()
    session = (await outbox(club))[0].session_id
    assert session is not None
    async with club.units() as uow:
        for name, answer in [("Ann", "coming"), ("Bob", "not_coming"), ("Cat", "need_help")]:
            await uow.sessions.set_answer(session, ids[name], answer, ids[name])
        await uow.sessions.set_answer(session, ids["Dee"], "coming", ids["Eve"])
        meeting = await uow.sessions.get(session)
        assert meeting is not None
        await uow.sessions.cancel(meeting)
        await uow.commit()
    clock.set(local(2026, 12, 2, 21, 30))  # decided at night
    told = await planner_for(club, clock).announce(session, "cancelled")
    notices = await outbox(club, kind="notice")
    assert told == len(notices) == 5
    # Fay comes on Thursdays and has not been reminded yet (she has hers in the morning).
    expected = {ids["Ann"], ian, ids["Cat"], ids["Eve"], ids["Fay"]}
    assert {r.person_id for r in notices} == expected
    assert {r.due_at.replace(tzinfo=UTC) for r in notices} == {local(2026, 12, 3, 8, 0)}

    sender = RecordingSender("telegram")
    clock.set(local(2026, 12, 3, 8, 0))
    dispatcher = dispatcher_for(club, clock, {"telegram": sender})
    while await dispatcher.run_once():
        pass
    notice_words = [m.reply.texts[0].key for m in sender.sent]
    assert notice_words == ["notice.cancelled"] * 5

    skipped = await outbox(club, kind="reminder", status="skipped")
    assert skipped and {r.last_error for r in skipped} == {"session cancelled"}
