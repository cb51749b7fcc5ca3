"""Attendance, one person at a time from those who said they were coming, then anyone
else by name; choosing together, asked of members and carers on their own channels and
answered by choice or in their own words; both in the committee's report; and a report
for a period with no sessions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.report import Period, Report, gather_report, render_summary, render_text
from bot.report.polls import PollResults
from storage.models import AttendanceRecord, PollAnswer, utc_now
from tests.club_data import add_person
from tests.club_rows import outbox
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene, add_session, audit
from tests.fakes.clock import FakeClock

TOM, CAT = 1001, 1004
SUE, VIC, ANN = "+447700900201", "+447700900301", "+447700900501"


async def report_for(scene: Scene, period: Period | None = None) -> Report:
    club = scene.club
    today = utc_now().astimezone(club.settings.zone).date()
    async with club.units() as uow:
        return await gather_report(
            uow,
            club.catalogue,
            club.settings.club_name,
            club.settings.zone,
            period or Period(today - timedelta(days=6), today),
            PollResults(club.catalogue),
        )


async def attended(scene: Scene, session: int) -> dict[int, bool]:
    async with scene.club.units() as uow:
        found = await uow.session.execute(
            select(AttendanceRecord.person_id, AttendanceRecord.attended).where(
                AttendanceRecord.session_id == session
            )
        )
        return {person_id: came for person_id, came in found.all()}


async def test_attendance_from_those_who_said_coming_and_someone_else(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        club, tg = scene.club, scene.tg
        tom = await add_person(club, "Tom", telegram_id=TOM)
        sue = await add_person(club, "Sue", phone=SUE)
        vic = await add_person(club, "Vic", phone=VIC, channels="voice")
        await add_person(club, "Ann", phone=ANN)
        session = await add_session(
            club, utc_now() - timedelta(hours=4), coming=[tom, sue], not_coming=[vic]
        )
        await tg.say(COORDINATOR, "/attendance")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.pick"))
        await tg.press(COORDINATOR, f"pick_{session}")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.came", name="Tom"))
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.came", name="Sue"))
        await tg.press(COORDINATOR, "no")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.others"))
        await tg.press(COORDINATOR, "yes")
        await tg.say(COORDINATOR, "Victor")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.unknown_name"))
        await tg.say(COORDINATOR, "vic")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("attendance.others"))
        await tg.press(COORDINATOR, "no")
        assert tg.replies(COORDINATOR) == [tg.words("attendance.done")]

        assert await attended(scene, session) == {tom: True, sue: False, vic: True}
        marks = await audit(club, "attendance marked")
        assert len(marks) == 3 and all(m.actor_id == scene.coordinator for m in marks)

        report = await report_for(scene)
        [figures] = report.sessions
        assert (figures.said_coming, figures.marked, figures.came, figures.came_as_said) == (
            2,
            True,
            2,
            1,
        )
        assert report.attendance.came_without_saying == 1
        assert report.attendance.said_coming_stayed_away == 1
        assert "2 said they were coming; 2 came." in render_text(report)
        # "how was it?" now goes to those who came, not to those who only said so
        await scene.plan_feedback(utc_now())
        asked = {r.person_id for r in await outbox(club, kind="feedback")}
        assert asked == {tom, vic}


async def test_attendance_with_no_session_yet_says_so(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_session(scene.club, utc_now() + timedelta(days=2))
        await scene.tg.say(COORDINATOR, "/attendance")
        assert scene.tg.replies(COORDINATOR) == [scene.tg.words("attendance.none")]


async def test_choosing_together_by_choice_and_by_own_idea(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        club, tg = scene.club, scene.tg
        tom = await add_person(club, "Tom", telegram_id=TOM)
        sue = await add_person(club, "Sue", phone=SUE)
        vic = await add_person(club, "Vic", phone=VIC, channels="voice")
        mo = await add_person(club, "Mo", channels="")
        cat = await add_person(club, "Cat", roles=("carer",), telegram_id=CAT, cares_for=mo)
        await add_person(club, "Val", roles=("volunteer",), phone=ANN)
        async with club.units() as uow:
            activity = {a.key: a.id for a in await uow.club.activities()}
            for someone, liked in ((tom, "music"), (sue, "music"), (vic, "music")):
                await uow.people.set_preference(someone, activity[liked], "yes", someone)
            for someone in (tom, sue):
                await uow.people.set_preference(someone, activity["gardening"], "yes", someone)
            await uow.people.set_preference(cat, activity["art"], "yes", cat)
            await uow.commit()

        await tg.say(COORDINATOR, "/choose")
        [explain] = tg.replies(COORDINATOR)
        assert "The choices are music, gardening and art." in explain
        await tg.press(COORDINATOR, "ask_now")
        assert tg.replies(COORDINATOR) == [tg.words("poll.asking")]
        polls = await outbox(club, kind="poll")
        assert {(r.person_id, r.channel) for r in polls} == {
            (tom, "telegram"),
            (sue, "sms"),
            (vic, "voice"),
            (cat, "telegram"),  # for Mo, and for herself
        }
        assert all(r.payload["options"] == ["music", "gardening", "art"] for r in polls)
        [started] = await audit(club, "poll started")
        assert started.actor_id == scene.coordinator

        await scene.drain(FakeClock(utc_now() + timedelta(minutes=1)))
        await tg.press(TOM, "act_gardening")
        assert tg.replies(TOM) == [tg.words("poll.thanks")]
        await tg.say(CAT, "A trip to the seaside")
        assert tg.replies(CAT) == [tg.words("poll.thanks")]
        [asked] = scene.twilio.messages_to(SUE)
        assert "1 - music\n2 - gardening\n3 - art\n0 - Talk to a person" in asked.body

        thanks = await scene.text_in(SUE, "1")
        assert tg.words("poll.thanks") in thanks.text
        twiml = await scene.pick_up(VIC)
        assert "<Gather" in twiml
        goodbye = await scene.keys(VIC, "1")
        assert "<Hangup" in goodbye

        async with club.units() as uow:
            answers = {
                a.person_id: (a.activity_key, a.suggestion)
                for a in await uow.session.scalars(select(PollAnswer))
            }
        assert answers == {
            tom: ("gardening", None),
            sue: ("music", None),
            vic: ("music", None),
            cat: (None, "A trip to the seaside"),
        }

        report = await report_for(scene)
        [poll] = report.choosing
        assert poll.question == "What would you like to do next month?"
        assert [(c.key, c.count) for c in poll.choices] == [("music", 2), ("gardening", 1)]
        assert poll.suggestions == ("A trip to the seaside",)
        text = render_text(report)
        choosing = text.split("Choosing together", 1)[1].split("Requests for help", 1)[0]
        assert "music: 2" in choosing and "gardening: 1" in choosing
        assert 'Suggested: "A trip to the seaside"' in choosing


async def test_an_own_idea_that_names_an_activity_is_kept_as_words(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tom = await add_person(scene.club, "Tom", telegram_id=TOM)
        await scene.tg.say(COORDINATOR, "/choose")
        await scene.tg.press(COORDINATOR, "ask_now")
        await scene.drain(FakeClock(utc_now() + timedelta(minutes=1)))
        await scene.tg.say(TOM, "A music quiz with prizes")
        await scene.tg.say(TOM, "/menu")
        async with scene.club.units() as uow:
            found = await uow.session.execute(
                select(PollAnswer.person_id, PollAnswer.activity_key, PollAnswer.suggestion)
            )
            answers = [tuple(row) for row in found.all()]
        assert answers == [(tom, None, "A music quiz with prizes")]


async def test_a_report_for_a_period_with_no_sessions_says_so(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_session(scene.club, utc_now() - timedelta(hours=4))
        empty = Period(date(2020, 3, 1), date(2020, 3, 31))
        report = await report_for(scene, empty)
        assert report.no_sessions
        text = render_text(report)
        assert "No sessions were held in this period." in text
        assert "Coming as they said" not in text and "How sessions felt" not in text
        assert "No sessions were held in this period." in render_summary(report)
        assert "No results from choosing together are recorded yet." in text
