"""Issue 18, item 3: cancelling a session told nobody who had not had a reminder yet.

The coordinator cancels next week's Tuesday Club on Telegram late in the evening. Everyone
who comes on Tuesdays is told (by their days, before any reminder), each in their own
language on their own channel, at eight the next morning: George in English on Telegram,
Ana in Portuguese by text, Dee through her carer Cath. Bob, who said he is not coming, and
Hal, who comes on Thursdays, are not told.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import update

from bot.service.calendar import meetings_between
from conversations import text
from conversations.calendar import at_local
from conversations.when import when_params
from storage.models import Person, PersonDay
from storage.outbox import Status
from tests.club_data import add_series
from tests.club_rows import outbox
from tests.clubs import add_person as person
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene
from tests.fakes.clock import FakeClock, follow_changes_with, planner_for

GEORGE, CATH = 1001, 1003
ANA, BOB = "+447700900201", "+447700900202"


async def comes_on(scene: Scene, person_id: int, series: int, language: str = "en") -> None:
    async with scene.club.units() as uow:
        uow.session.add(PersonDay(person_id=person_id, series_id=series))
        await uow.session.execute(
            update(Person).where(Person.id == person_id).values(language=language)
        )
        await uow.commit()


async def the_tuesday_club(scene: Scene) -> tuple[dict[str, int], datetime]:
    """The Tuesday Club and its people; returns them and when next week's meeting starts."""
    club = scene.club
    zone = club.settings.zone
    tuesdays = await add_series(club, "Tuesday Club", 1, time(13, 30), time(15, 30))
    thursdays = await add_series(club, "Thursday Club", 3, time(10, 30), time(12, 30))
    ids = {
        "George": await person(club, "George", telegram_id=GEORGE),
        "Ana": await person(club, "Ana", phone=ANA),
        "Bob": await person(club, "Bob", phone=BOB),
        "Dee": await person(club, "Dee"),
        "Hal": await person(club, "Hal", telegram_id=1004),
    }
    dee = ids["Dee"]
    ids["Cath"] = await person(club, "Cath", roles=("carer",), telegram_id=CATH, cares_for=dee)
    for name in ("George", "Bob", "Dee"):
        await comes_on(scene, ids[name], tuesdays)
    await comes_on(scene, ids["Ana"], tuesdays, language="pt")
    await comes_on(scene, ids["Hal"], thursdays)
    today = datetime.now(zone).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
    starts = at_local(tuesday, time(13, 30), zone)
    async with club.units() as uow:  # the calendar holds the next weeks' meetings
        await uow.sessions.materialise(meetings_between(today, zone))
        [meeting] = await uow.sessions.between(starts, starts + timedelta(minutes=1))
        ids["session"] = meeting.id
        await uow.sessions.set_answer(meeting.id, ids["Bob"], "not_coming", ids["Bob"])
        await uow.commit()
    return ids, starts


async def test_cancelling_tells_everyone_who_comes_that_day_in_their_language(
    database_url: str,
) -> None:
    async with coordinator_club(database_url, quiet_hours="20:00-09:00") as scene:
        tg, club = scene.tg, scene.club
        zone = club.settings.zone
        ids, starts = await the_tuesday_club(scene)
        assert await outbox(club, kind="reminder") == []  # nobody has been reminded yet
        evening = at_local(starts.astimezone(zone).date() - timedelta(days=3), time(22, 40), zone)
        follow_changes_with(club, planner_for(club, FakeClock(evening)))

        await tg.say(COORDINATOR, "/sessions")
        await tg.press(COORDINATOR, "change_session")
        await tg.say(COORDINATOR, f"{starts.astimezone(zone).day} {starts.astimezone(zone):%B}")
        await tg.press(COORDINATOR, "cancel_it")
        await tg.press(COORDINATOR, "yes")
        assert tg.replies(COORDINATOR) == [tg.words("sessions.cancelled")]

        notices = await outbox(club, kind="notice")
        told = {row.person_id: row.channel for row in notices}
        assert told == {ids["George"]: "telegram", ids["Ana"]: "sms", ids["Cath"]: "telegram"}
        morning = at_local(evening.astimezone(zone).date() + timedelta(days=1), time(8), zone)
        assert {row.due_at.replace(tzinfo=UTC) for row in notices} == {morning}

        await scene.drain(FakeClock(morning))
        assert {row.status for row in await outbox(club, kind="notice")} == {Status.SENT}
        when = when_params(starts, zone)
        said = {
            language: club.catalogue.render(
                language, text("notice.cancelled", title="Tuesday Club", **when)
            )
            for language in ("en", "pt")
        }
        assert said["en"].startswith("Sorry, there is no Tuesday Club on Tuesday ")
        assert said["pt"].startswith("Desculpe, a sessão Tuesday Club de terça-feira, ")
        for chat in (GEORGE, CATH):
            assert [m["text"] for m in scene.bot.sent_messages(chat)] == [said["en"]]
        assert [m.body for m in scene.twilio.messages_to(ANA)] == [said["pt"]]
        assert scene.twilio.messages_to(BOB) == []
        assert scene.bot.sent_messages(1004) == []
