"""The coordinator's sessions on Telegram: adding one by typed answers, each bad answer
refused with a clear line and asked again; adding a weekly or monthly series, refused when
it meets when another does; moving one meeting (everyone who may come is told, and its
reminders go at the new time); a new place only; cancelling; reminders sent now."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.outbox.reminder_times import reminder_due
from conversations.calendar import at_local
from conversations.catalogue import Catalogue
from conversations.flow import Context
from conversations.flows.club_sessions import ClubSessions
from conversations.model import text
from conversations.snapshot import Snapshot
from storage.models import ClubSession, SessionSeries, utc_now
from storage.outbox import Status
from tests.club_data import add_person, add_series
from tests.club_rows import outbox, rows
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene, add_session
from tests.fakes.clock import FakeClock, planner_for

TOM, UNA = 1001, 1002
SUE, VIC = "+447700900201", "+447700900301"


def local_today(scene: Scene) -> date:
    return utc_now().astimezone(scene.club.settings.zone).date()


def typed_day(day: date) -> str:
    """A day as a coordinator types it: "3 December"."""
    return f"{day.day} {day:%B}"


def named_day(day: date) -> str:
    """A day as the club's texts name it: "Thursday 3 December"."""
    return f"{day:%A} {day.day} {day:%B}"


async def stored_session(scene: Scene, session_id: int) -> ClubSession:
    async with scene.club.units() as uow:
        found = await uow.sessions.get(session_id)
        assert found is not None
        uow.session.expunge(found)
        return found


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def answer_in_turn(scene: Scene, answers: list[tuple[str, str]]) -> None:
    """Type each answer and check the line the club answers with begins as expected."""
    tg = scene.tg
    for typed, expected in answers:
        await tg.say(COORDINATOR, typed)
        [reply] = tg.replies(COORDINATOR)
        assert reply.startswith(expected), (typed, reply)


async def test_a_session_is_added_and_each_bad_answer_is_asked_again(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        day = local_today(scene) + timedelta(days=3)
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "add_session")
        ask_day, ask_start = tg.words("sessions.ask_day"), tg.words("sessions.ask_start")
        await answer_in_turn(
            scene,
            [
                ("Singing for the Brain", tg.words("sessions.ask_activity")),
                ("juggling", "Please choose one of the club's activities"),
                ("Music", ask_day),
                ("next week", f"Please send a date, such as 3 December.\n\n{ask_day}"),
                ("2020-01-02", f"{tg.words('sessions.problem.passed')}\n\n{ask_day}"),
                (typed_day(day), tg.words("sessions.ask_often")),
            ],
        )
        await tg.press(COORDINATOR, "only_once")
        assert tg.replies(COORDINATOR) == [ask_start]
        await answer_in_turn(
            scene,
            [
                ("25:00", f"Please send a time, such as 10:30 or 2pm.\n\n{ask_start}"),
                ("10:30", tg.words("sessions.ask_end")),
                ("9am", "The session must end after it starts."),
                ("12.30pm", tg.words("sessions.ask_place")),
                ("St Luke's Hall", tg.words("sessions.ask_postcode")),
                ("12345", "12345 is not a UK postcode, such as SE27 9JU."),
                ("se279ju", "The Singing for the Brain: music. It is on "),
            ],
        )
        summary = tg.replies(COORDINATOR)[0]
        assert f"{named_day(day)}, at 10:30 in the morning. St Luke's Hall, SE27 9JU." in summary
        assert summary.endswith(tg.words("sessions.confirm_add"))
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.added")]

        [added] = await rows(club, ClubSession)
        zone = club.settings.zone
        assert (added.title, added.activity_key, added.place, added.postcode) == (
            "Singing for the Brain",
            "music",
            "St Luke's Hall",
            "SE27 9JU",
        )
        assert utc(added.starts_at) == at_local(day, time(10, 30), zone)
        assert utc(added.ends_at) == at_local(day, time(12, 30), zone)


async def test_a_start_already_passed_today_asks_the_day_again(database_url: str) -> None:
    """Late in the day every time today may have passed: the day is asked again, so the
    coordinator is never stuck typing times."""
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        now = utc_now().astimezone(scene.club.settings.zone)
        if now.hour == 0 and now.minute < 2:
            now += timedelta(minutes=2)  # a minute ago must still be today
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "add_session")
        earlier = (now - timedelta(minutes=1)).strftime("%H:%M")
        await answer_in_turn(
            scene,
            [
                ("Tea", tg.words("sessions.ask_activity")),
                ("meals", tg.words("sessions.ask_day")),
                (now.date().isoformat(), tg.words("sessions.ask_often")),
            ],
        )
        await tg.press(COORDINATOR, "only_once")
        tomorrow = typed_day(now.date() + timedelta(days=1))
        await answer_in_turn(
            scene,
            [
                (
                    earlier,
                    f"{tg.words('sessions.problem.passed')}\n\n{tg.words('sessions.ask_day')}",
                ),
                (tomorrow, tg.words("sessions.ask_often")),
            ],
        )
        await tg.press(COORDINATOR, "only_once")
        await answer_in_turn(scene, [(earlier, tg.words("sessions.ask_end"))])


async def _coming_reminded_and_not(scene: Scene, starts: datetime) -> dict[str, int]:
    """A one-off session (for every member) with four members around it: Tom said he is
    coming; Una was reminded and has not answered; Vic was reminded and said no; Sue has
    heard nothing yet."""

    club = scene.club
    ids = {
        "Tom": await add_person(club, "Tom", telegram_id=TOM),
        "Una": await add_person(club, "Una", telegram_id=UNA),
        "Vic": await add_person(club, "Vic", phone=VIC),
        "Sue": await add_person(club, "Sue", phone=SUE),
    }
    ids["session"] = await add_session(club, starts, coming=[ids["Tom"]])
    planned_at = starts - timedelta(hours=36)
    await planner_for(club, FakeClock(planned_at)).plan()
    async with club.units() as uow:
        for row in await outbox(club, kind="reminder"):
            if row.person_id in {ids["Una"], ids["Vic"]} and row.payload["kind"] == "day_before":
                await uow.outbox.settle(row.id, Status.SENT, sent_at=planned_at)
        await uow.sessions.set_answer(ids["session"], ids["Vic"], "not_coming", ids["Vic"])
        await uow.commit()
    return ids


async def _choose_to_change(scene: Scene, session_id: int, what: str) -> None:
    tg = scene.tg
    await tg.say(COORDINATOR, "/sessions")
    await tg.press(COORDINATOR, "change_session")
    await tg.press(COORDINATOR, f"pick_{session_id}")
    assert tg.replies(COORDINATOR) == [tg.words("sessions.what")]
    await tg.press(COORDINATOR, what)


async def test_moving_a_session_tells_those_who_may_come_and_reminds_at_the_new_time(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        zone, times = club.settings.zone, club.planner.times
        first_day = local_today(scene) + timedelta(days=3)
        ids = await _coming_reminded_and_not(scene, at_local(first_day, time(10, 30), zone))
        session = ids["session"]
        waiting_before = {r.id for r in await outbox(club, status=Status.PENDING)}

        new_day = first_day + timedelta(days=4)
        await _choose_to_change(scene, session, "new_time")
        await answer_in_turn(
            scene,
            [
                (typed_day(new_day), tg.words("sessions.ask_start")),
                ("2pm", tg.words("sessions.ask_end")),
                ("4pm", "The Music Club: music. It is on "),
            ],
        )
        assert f"{named_day(new_day)}, at 2 in the afternoon." in tg.replies(COORDINATOR)[0]
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.changed")]

        moved = await stored_session(scene, session)
        new_start = at_local(new_day, time(14, 0), zone)
        assert utc(moved.starts_at) == new_start
        assert utc(moved.ends_at) == at_local(new_day, time(16, 0), zone)

        # Vic said no to the old time only; Sue comes (a one-off session is for everyone).
        notices = await outbox(club, kind="notice")
        expected = [ids["Tom"], ids["Una"], ids["Vic"], ids["Sue"]]
        assert sorted(r.person_id for r in notices) == expected

        rows = await outbox(club, session_id=session)
        sent = {(r.person_id, r.payload.get("kind")) for r in rows if r.status == Status.SENT}
        assert sent == {(ids["Una"], "day_before"), (ids["Vic"], "day_before")}
        withdrawn = [r for r in rows if r.status == Status.SKIPPED]
        assert {r.id for r in withdrawn} == waiting_before
        assert {r.last_error for r in withdrawn} == {"session moved"}
        assert not [r for r in rows if r.status == Status.PENDING and r.kind != "notice"]

        planned_at = new_start - timedelta(hours=36)  # the planner's turn, as every minute
        await planner_for(club, FakeClock(planned_at)).plan()
        rows = await outbox(club, session_id=session)
        waiting = [r for r in rows if r.status == Status.PENDING and r.kind == "reminder"]
        assert {(r.person_id, r.payload["kind"]) for r in waiting} == {
            (ids["Tom"], "day_before"),
            (ids["Tom"], "morning"),
            (ids["Una"], "morning"),
            (ids["Vic"], "morning"),
            (ids["Sue"], "day_before"),
            (ids["Sue"], "morning"),
        }
        for row in waiting:
            due = reminder_due(row.payload["kind"], new_start, zone, times, planned_at)
            assert utc(row.due_at) == due

        [notice_due] = {utc(r.due_at) for r in notices}
        await scene.drain(FakeClock(notice_due))
        for chat in (TOM, UNA):
            [told] = [m["text"] for m in scene.bot.sent_messages(chat)]
            assert told.startswith("The Music Club has changed. It is now on ")
            assert f"{named_day(new_day)}, at 2 in the afternoon." in told


async def test_a_new_place_is_told_but_the_reminders_keep_their_times(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        day = local_today(scene) + timedelta(days=3)
        ids = await _coming_reminded_and_not(scene, at_local(day, time(10, 30), club.settings.zone))
        planned = {(r.id, r.status, utc(r.due_at)) for r in await outbox(club, kind="reminder")}

        await _choose_to_change(scene, ids["session"], "new_place")
        await answer_in_turn(
            scene,
            [
                ("The Library", tg.words("sessions.ask_postcode")),
                ("SE27 0HR", "The Music Club: music. It is on "),
            ],
        )
        await tg.press(COORDINATOR, "yes")

        moved = await stored_session(scene, ids["session"])
        assert (moved.place, moved.postcode) == ("The Library", "SE27 0HR")
        after = {(r.id, r.status, utc(r.due_at)) for r in await outbox(club, kind="reminder")}
        assert after == planned
        # Vic said no to the old place only: the new one may suit him.
        notices = await outbox(club, kind="notice")
        expected = [ids["Tom"], ids["Una"], ids["Vic"], ids["Sue"]]
        assert sorted(r.person_id for r in notices) == expected


async def test_cancelling_from_telegram_tells_those_who_may_come(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        day = local_today(scene) + timedelta(days=3)
        ids = await _coming_reminded_and_not(scene, at_local(day, time(10, 30), club.settings.zone))
        await _choose_to_change(scene, ids["session"], "cancel_it")
        [summary] = tg.replies(COORDINATOR)
        assert summary.endswith(tg.words("sessions.confirm_cancel"))
        await tg.press(COORDINATOR, "no")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.nothing_changed")]
        assert (await stored_session(scene, ids["session"])).cancelled_at is None

        await _choose_to_change(scene, ids["session"], "cancel_it")
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.cancelled")]
        assert (await stored_session(scene, ids["session"])).cancelled_at is not None
        # Not Vic, who said no; Sue, who had heard nothing, comes (the session is for all).
        notices = await outbox(club, kind="notice")
        assert sorted(r.person_id for r in notices) == [ids["Tom"], ids["Una"], ids["Sue"]]
        assert {r.payload["notice"] for r in notices} == {"cancelled"}


async def test_reminders_sent_now_from_the_button(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        tom = await add_person(club, "Tom", telegram_id=TOM)
        sue = await add_person(club, "Sue", phone=SUE)
        session = await add_session(club, utc_now() + timedelta(days=5))
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "remind_session")
        await tg.press(COORDINATOR, f"pick_{session}")
        assert tg.replies(COORDINATOR)[0].endswith(tg.words("sessions.confirm_remind"))
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.reminding")]
        queued = await outbox(club, kind="reminder", session_id=session)
        assert sorted((r.person_id, r.channel) for r in queued) == [
            (tom, "telegram"),
            (sue, "sms"),
        ]


async def test_with_no_session_coming_the_flow_says_so(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        await add_session(scene.club, utc_now() - timedelta(days=1))
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "change_session")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.none")]


async def _add_by_telegram(scene: Scene, title: str, day: date, often: str, hours: str) -> str:
    """The coordinator adds `title` from `day` on, `often` (a button), at `hours` (such as
    "10:30-12:30"); returns the summary asked to confirm."""
    tg = scene.tg
    start, end = hours.split("-")
    await tg.say(COORDINATOR, "/sessions")
    await tg.press(COORDINATOR, "add_session")
    for typed in (title, "crafts", typed_day(day)):
        await tg.say(COORDINATOR, typed)
    await tg.press(COORDINATOR, often)
    for typed in (start, end, "St Luke's Hall", "SE27 9JU"):
        await tg.say(COORDINATOR, typed)
    return tg.replies(COORDINATOR)[-1]


async def test_a_weekly_series_is_added_and_its_sessions_appear(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        day = local_today(scene) + timedelta(days=2)
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "add_session")
        for typed in ("Tuesday Club", "crafts", typed_day(day)):
            await tg.say(COORDINATOR, typed)
        often = tg.question(COORDINATOR)
        labels = [b["text"] for row in often["reply_markup"]["inline_keyboard"] for b in row]
        assert labels[:2] == ["1️⃣ Only this once", f"🔁 Every week on {day:%A}s"]

        summary = await _add_by_telegram(scene, "Tuesday Club", day, "every_week", "10:30-12:30")
        assert f"{named_day(day)}, at 10:30 in the morning." in summary
        assert f"Then every week on {day:%A}s." in summary
        assert summary.endswith(tg.words("sessions.confirm_add_series"))
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.added_series")]

        [series] = await rows(scene.club, SessionSeries)
        assert (series.title, series.weekday, series.week_of_month, series.first_day) == (
            "Tuesday Club",
            day.weekday(),
            None,
            day,
        )
        meetings = [s for s in await _sessions(scene) if s.series_id == series.id]
        zone = club.settings.zone
        assert [utc(m.starts_at) for m in meetings[:3]] == [
            at_local(day + timedelta(weeks=week), time(10, 30), zone) for week in range(3)
        ]


async def test_a_monthly_series_meets_on_the_same_weekday_of_the_month(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        day = local_today(scene) + timedelta(days=3)
        nth = (day.day - 1) // 7 + 1
        which = ["first", "second", "third", "fourth", "last"][nth - 1]
        summary = await _add_by_telegram(scene, "Crafternoon", day, "every_month", "2pm-4pm")
        assert f"Then on the {which} {day:%A} of every month." in summary
        await tg.press(COORDINATOR, "yes")
        [series] = await rows(scene.club, SessionSeries)
        assert (series.weekday, series.week_of_month) == (day.weekday(), -1 if nth == 5 else nth)


async def test_a_series_meeting_when_another_does_is_refused_and_asked_again(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        day = local_today(scene) + timedelta(days=2)
        await _add_by_telegram(scene, "Tuesday Club", day, "every_week", "10:30-12:30")
        await tg.press(COORDINATOR, "yes")

        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "add_session")
        for typed in ("Singing", "music", typed_day(day + timedelta(weeks=1))):
            await tg.say(COORDINATOR, typed)
        await tg.press(COORDINATOR, "every_week")
        await tg.say(COORDINATOR, "11:00")
        overlap = "That overlaps the Tuesday Club, which meets at the same time."
        await answer_in_turn(
            scene,
            [
                ("13:00", f"{overlap}\n\n{tg.words('sessions.ask_day')}"),
                (typed_day(day + timedelta(days=1)), tg.words("sessions.ask_often")),
            ],
        )
        await tg.press(COORDINATOR, "only_once")  # a change of mind: once is enough
        await answer_in_turn(
            scene,
            [
                ("11:00", tg.words("sessions.ask_end")),
                ("10:45", "The session must end after it starts."),
                ("13:00", tg.words("sessions.ask_place")),
            ],
        )
        assert len(await rows(scene.club, SessionSeries)) == 1


async def _sessions(scene: Scene) -> list[ClubSession]:
    """The calendar, earliest first."""
    return sorted(await rows(scene.club, ClubSession), key=lambda meeting: meeting.starts_at)


async def _weekly_from(scene: Scene, day: date) -> tuple[int, ClubSession]:
    """A Thursday Club meeting weekly from `day` at 10:30, in the calendar and seen by
    the engine: its id and its first meeting."""
    club = scene.club
    series = await add_series(club, "Thursday Club", day.weekday(), time(10, 30), time(12))
    await club.planner.plan()
    club.dialogue.shape.forget()
    [first, *_] = [s for s in await _sessions(scene) if s.series_id == series]
    return series, first


CATALOGUE = Catalogue.load()


@pytest.mark.parametrize("language", sorted(CATALOGUE.languages))
def test_how_often_is_asked_with_short_buttons_in_every_language(language: str) -> None:
    last_thursday = date(2026, 12, 31)  # the fifth Thursday of its month: "the last"
    context = Context(Snapshot("telegram", "Healthy Living Club", None), {"day": "2026-12-31"})
    asked = ClubSessions().question(context, "often")
    labels = [CATALOGUE.label(language, choice) for choice in asked.choices]
    assert len(labels) == 3
    for label in labels:
        assert "{" not in label and len(label.split()) <= 6, label
    if language == "en":
        assert labels[1:] == [
            f"Every week on {last_thursday:%A}s",
            f"The last {last_thursday:%A} of every month",
        ]
    [prompt] = asked.prompt
    assert CATALOGUE.render(language, prompt).count("?") == 1


async def test_a_session_further_ahead_is_picked_by_typing_its_date(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        zone = club.settings.zone
        first = local_today(scene) + timedelta(days=2)
        days = [first + timedelta(weeks=week) for week in range(4)]
        ids = [await add_session(club, at_local(day, time(10, 30), zone)) for day in days]
        afternoon = await add_session(club, at_local(days[3], time(14, 0), zone))
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "change_session")
        pick = tg.words("sessions.pick")
        assert [f"pick_{i}" in str(tg.question(COORDINATOR)) for i in ids] == [True] * 3 + [False]

        await answer_in_turn(
            scene,
            [
                ("soon", f"Please send a date, such as 3 December.\n\n{pick}"),
                (typed_day(days[0] + timedelta(days=1)), tg.words("sessions.none_that_day")),
                (typed_day(days[3]), tg.words("sessions.pick_hint")),
            ],
        )
        assert tg.replies(COORDINATOR)[0].endswith(pick)
        offered = str(tg.question(COORDINATOR)["reply_markup"])
        assert f"pick_{ids[3]}" in offered and f"pick_{afternoon}" in offered
        assert f"pick_{ids[0]}" not in offered
        await tg.press(COORDINATOR, f"pick_{afternoon}")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.what")]

        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "remind_session")
        await tg.say(COORDINATOR, typed_day(days[2]))
        [summary] = tg.replies(COORDINATOR)
        assert f"{named_day(days[2])}, at 10:30 in the morning." in summary
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.reminding")]


async def test_a_series_meeting_moved_is_never_added_again_at_its_old_time(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        zone = club.settings.zone
        day = local_today(scene) + timedelta(days=2)
        series, first = await _weekly_from(scene, day)
        old_start = at_local(day, time(10, 30), zone)
        assert utc(first.starts_at) == old_start

        await _choose_to_change(scene, first.id, "new_time")
        for typed in (typed_day(day + timedelta(weeks=1)), "10:30"):
            await tg.say(COORDINATOR, typed)
        await tg.say(COORDINATOR, "12:00")  # onto next week's meeting
        assert tg.replies(COORDINATOR)[0].startswith(
            "The Thursday Club already meets at that time."
        )
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "change_session")
        await tg.press(COORDINATOR, f"pick_{first.id}")
        await tg.press(COORDINATOR, "new_time")
        for typed in (typed_day(day + timedelta(days=1)), "2pm", "3:30pm"):
            await tg.say(COORDINATOR, typed)
        await tg.press(COORDINATOR, "yes")
        await club.planner.plan()  # as the dispatcher does every minute

        meetings = [s for s in await _sessions(scene) if s.series_id == series]
        starts = [utc(s.starts_at) for s in meetings]
        assert old_start not in starts
        assert starts[0] == at_local(day + timedelta(days=1), time(14), zone)
        assert starts[1] == at_local(day + timedelta(weeks=1), time(10, 30), zone)


async def test_a_meeting_moved_onto_a_later_meeting_s_time_is_not_doubled(
    database_url: str,
) -> None:
    """Moved past the calendar's end onto the series' own time that day: when the calendar
    reaches that day, the series adds nothing there (it once failed every planning)."""
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        zone = club.settings.zone
        day = local_today(scene) + timedelta(days=2)
        _, first = await _weekly_from(scene, day)

        far = day + timedelta(weeks=10)
        await _choose_to_change(scene, first.id, "new_time")
        for typed in (typed_day(far), "10:30", "12:00"):
            await tg.say(COORDINATOR, typed)
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.changed")]

        later = utc_now() + timedelta(weeks=4)  # the calendar now reaches that day
        await planner_for(club, FakeClock(later)).plan()
        far_start = at_local(far, time(10, 30), zone)
        on_that_day = [s for s in await _sessions(scene) if utc(s.starts_at) == far_start]
        assert [s.id for s in on_that_day] == [first.id]


async def test_a_coordinator_reads_each_refusal_in_their_own_language(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg, club = scene.tg, scene.club
        async with club.units() as uow:
            coordinator = await uow.people.get(scene.coordinator)
            assert coordinator is not None
            coordinator.language = "pt"
            await uow.commit()
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "add_session")
        for typed in ("Cantar", "music", "amanhã"):
            await tg.say(COORDINATOR, typed)
        [refused] = tg.replies(COORDINATOR)
        in_portuguese = club.catalogue.render("pt", text("sessions.problem.date"))
        assert refused.startswith(f"{in_portuguese}\n\n")
        assert refused.endswith(club.catalogue.render("pt", text("sessions.ask_day")))
