"""Issue 12: the morning reminder and "remind now" still went to a member who had said they
are not coming. They do not, unless the session changed since they said so.

George (English, Telegram) and Ana (Portuguese, text messages) come on Tuesdays. The day
before, each is reminded and says no: George with the button, Ana by texting 2. Neither
gets the morning reminder, nor the reminders the coordinator sends now from Telegram. Then
the coordinator moves the session to another hall: the new place may suit them, so they
are told, and the next "send reminders now" reaches them again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.service.calendar import meetings_between
from storage.outbox import Status
from tests.club_data import add_series
from tests.club_rows import outbox
from tests.clubs import add_person as person
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene
from tests.fakes.clock import FakeClock, follow_changes_with, planner_for
from tests.test_cancelling_tells_everyone_that_day import comes_on

GEORGE, ANA = 1001, "+447700900201"


async def next_weeks_tuesday_club(scene: Scene) -> tuple[dict[str, int], datetime]:
    club = scene.club
    zone = club.settings.zone
    tuesdays = await add_series(club, "Tuesday Club", 1, time(13, 30), time(15, 30))
    ids = {
        "George": await person(club, "George", telegram_id=GEORGE),
        "Ana": await person(club, "Ana", phone=ANA),
    }
    await comes_on(scene, ids["George"], tuesdays)
    await comes_on(scene, ids["Ana"], tuesdays, language="pt")
    today = datetime.now(zone).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
    starts = datetime.combine(tuesday, time(13, 30), zone)
    async with club.units() as uow:
        await uow.sessions.materialise(meetings_between(today, zone))
        [meeting] = await uow.sessions.between(starts, starts + timedelta(minutes=1))
        ids["session"] = meeting.id
        await uow.commit()
    return ids, starts


async def remind_now_from_telegram(scene: Scene, starts: datetime, clock: FakeClock) -> None:
    """The coordinator's "Send reminders now", with the planner's clock at `clock`."""
    tg, club = scene.tg, scene.club
    follow_changes_with(club, planner_for(club, clock))
    await tg.say(COORDINATOR, "/sessions")
    await tg.press(COORDINATOR, "remind_session")
    await tg.say(COORDINATOR, f"{starts.day} {starts:%B}")
    await tg.press(COORDINATOR, "yes")
    assert tg.replies(COORDINATOR) == [tg.words("sessions.reminding")]


async def test_no_morning_reminder_nor_remind_now_after_saying_not_coming(
    database_url: str,
) -> None:
    async with coordinator_club(database_url, quiet_hours="20:00-09:00") as scene:
        tg, club = scene.tg, scene.club
        ids, starts = await next_weeks_tuesday_club(scene)
        day_before = FakeClock(starts.replace(hour=11, minute=0) - timedelta(days=1))
        await planner_for(club, day_before).plan()
        await scene.drain(day_before)
        assert len(scene.bot.sent_messages(GEORGE)) == 1
        assert len(scene.twilio.messages_to(ANA)) == 1

        await tg.press(GEORGE, f"s{ids['session']}m{ids['George']}.not_coming")
        assert tg.replies(GEORGE) == [tg.words("reminder.thanks_not_coming")]
        said = await scene.text_in(ANA, "2")
        assert "Obrigado por nos avisar." in said.text
        heard = (len(scene.bot.sent_messages(GEORGE)), len(scene.twilio.messages_to(ANA)))

        morning = FakeClock(starts.replace(hour=9, minute=0))
        await scene.drain(morning)
        skipped = await outbox(club, kind="reminder", status=Status.SKIPPED)
        assert {(r.person_id, r.payload["kind"]) for r in skipped} == {
            (ids["George"], "morning"),
            (ids["Ana"], "morning"),
        }
        assert {r.last_error for r in skipped} == {"said not coming"}

        await remind_now_from_telegram(scene, starts, morning)
        await scene.drain(morning)
        assert await outbox(club, kind="reminder", status=Status.PENDING) == []
        after = (len(scene.bot.sent_messages(GEORGE)), len(scene.twilio.messages_to(ANA)))
        assert after == heard  # nothing since their answer


async def test_a_session_that_changed_since_reminds_them_again(database_url: str) -> None:
    async with coordinator_club(database_url, quiet_hours="20:00-09:00") as scene:
        tg, club = scene.tg, scene.club
        ids, starts = await next_weeks_tuesday_club(scene)
        async with club.units() as uow:
            for name in ("George", "Ana"):
                await uow.sessions.set_answer(ids["session"], ids[name], "not_coming", ids[name])
            await uow.commit()

        morning = FakeClock(starts.replace(hour=9, minute=0))
        follow_changes_with(club, planner_for(club, morning))
        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "change_session")
        await tg.say(COORDINATOR, f"{starts.day} {starts:%B}")
        await tg.press(COORDINATOR, "new_place")
        await tg.say(COORDINATOR, "The Library")
        await tg.say(COORDINATOR, "SE27 0HR")
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.changed")]
        told = {row.person_id for row in await outbox(club, kind="notice")}
        assert told == {ids["George"], ids["Ana"]}

        await remind_now_from_telegram(scene, starts, morning)
        await scene.drain(morning)
        [changed, reminder] = [m["text"] for m in scene.bot.sent_messages(GEORGE)]
        assert changed.startswith("The Tuesday Club has changed.") and "The Library" in changed
        assert reminder.startswith("Your next session is music at the Tuesday Club.")
        [texted, reminded] = [m.body for m in scene.twilio.messages_to(ANA)]
        assert texted.startswith("A sessão Tuesday Club mudou.")
        assert "The Library, SE27 0HR." in reminded and "1 sim, 2 nao" in reminded
