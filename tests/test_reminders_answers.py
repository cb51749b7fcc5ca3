"""Answering a reminder: by pressing a button, by typing "yes" or a digit, changing it later
with an old button, a carer answering for the member, too late after the session, asking
for a lift (the coordinator is told), and the follow-up left out once answered."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.bootstrap import Club
from bot.outbox.delivery import Outgoing
from conversations import Input
from conversations.model import Text
from storage.models import ClubSession, HelpRequest, SessionAnswer, utc_now
from storage.outbox import Delivery
from tests.club_data import add_carer, add_person, add_series
from tests.club_rows import outbox
from tests.fakes.clock import FakeClock, dispatcher_for, local, planner_for
from tests.fakes.sender import RecordingSender

THURSDAY = 3


class AlertLog:
    """A coordinator's sink that keeps what it was told."""

    def __init__(self) -> None:
        self.told: list[Text] = []

    async def send(self, message: Text, attachment: str) -> None:
        self.told.append(message)


class Scene:
    """A Thursday series with Ann (and her carer Ian), Bob, and Dee (whose carer Eve gets
    her reminders), planned and sent by a dispatcher on a fake clock."""

    def __init__(self, club: Club) -> None:
        self.club = club
        self.clock = FakeClock(local(2026, 12, 2, 8, 0))
        self.sender = RecordingSender("telegram")
        self.ids: dict[str, int] = {}
        self.alerts = AlertLog()
        club.alerts.add_sink(self.alerts)
        club.dialogue.clock = self.clock

    async def build(self) -> Scene:
        club = self.club
        series = await add_series(club, "Singing", THURSDAY, time(10, 30), time(12, 30))
        self.ids["Ann"] = await add_person(club, "Ann", telegram_id=1001, series=[series])
        self.ids["Ian"] = await add_carer(club, "Ian", self.ids["Ann"], telegram_id=2001)
        self.ids["Bob"] = await add_person(club, "Bob", telegram_id=1002, series=[series])
        self.ids["Dee"] = await add_person(club, "Dee", channels="", series=[series])
        self.ids["Eve"] = await add_carer(club, "Eve", self.ids["Dee"], telegram_id=2002)
        await planner_for(club, self.clock).plan()
        self.session = next(r.session_id for r in await outbox(club) if r.session_id)
        return self

    async def send_due(self, at: datetime) -> list[Outgoing]:
        self.clock.set(at)
        self.club.dialogue.shape.forget()
        before = len(self.sender.sent)
        dispatcher = dispatcher_for(self.club, self.clock, {"telegram": self.sender})
        while await dispatcher.run_once():
            pass
        return self.sender.sent[before:]

    def last_to(self, telegram_id: int) -> Outgoing:
        return self.sender.to(str(telegram_id))[-1]

    def key(self, member: str, answer: str) -> str:
        return f"s{self.session}m{self.ids[member]}.{answer}"

    async def press(self, telegram_id: int, key: str, reminder: Outgoing) -> list[str]:
        said = Input.choice(key, reminder.reply.question_id)
        answer = await self.club.dialogue.handle(f"telegram:{telegram_id}", said)
        return [part.key for reply in answer.replies for part in reply.texts]

    async def type(self, telegram_id: int, words: str) -> list[str]:
        answer = await self.club.dialogue.handle(f"telegram:{telegram_id}", Input.typed(words))
        return [part.key for reply in answer.replies for part in reply.texts]

    async def answers(self) -> dict[int, tuple[str, int | None]]:
        async with self.club.units() as uow:
            rows = await uow.session.scalars(
                select(SessionAnswer).where(SessionAnswer.session_id == self.session)
            )
            return {row.person_id: (row.answer, row.answered_by_id) for row in rows}


DAY_BEFORE = local(2026, 12, 2, 11, 0)
FOLLOW_UP = local(2026, 12, 2, 16, 0)
MORNING = local(2026, 12, 3, 9, 0)


async def test_the_reminder_asks_with_three_buttons_and_plain_words(club: Club) -> None:
    scene = await Scene(club).build()
    sent = await scene.send_due(DAY_BEFORE)
    assert sorted(m.handle for m in sent) == ["1001", "1002", "2001", "2002"]
    ann = scene.last_to(1001)
    keys = [choice.key for choice in ann.reply.choices]
    assert keys == [
        scene.key("Ann", "coming"),
        scene.key("Ann", "not_coming"),
        scene.key("Ann", "need_help"),
        "person",
    ]
    assert [t.key for t in ann.reply.texts] == [
        "reminder.day_before",
        "reminder.place",
        "reminder.ask",
    ]
    words = club.catalogue.render("en", ann.reply.texts[0])
    assert words == (
        "Just a reminder: music at the Singing. It is on Thursday 3 December, "
        "at 10:30 in the morning."
    )
    assert club.catalogue.render("en", ann.reply.texts[1]) == (
        "You will find it at St Luke's Hall, SE27 9JU."
    )

    for_dee = scene.last_to(2002)
    assert for_dee.reply.texts[-1].key == "reminder.ask_for"
    assert for_dee.reply.texts[-1].params["name"] == "Dee"
    assert for_dee.reply.choices[0].key == scene.key("Dee", "coming")
    assert ann.expires_at == local(2026, 12, 3, 10, 30)


async def test_answered_by_a_button_by_yes_and_by_a_digit(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    ann = scene.last_to(1001)
    assert await scene.press(1001, scene.key("Ann", "coming"), ann) == ["reminder.thanks_coming"]
    assert await scene.type(1002, "yes") == ["reminder.thanks_coming"]
    assert await scene.type(2002, "3") == ["reminder.thanks_need_help"]
    answers = await scene.answers()
    assert answers == {
        scene.ids["Ann"]: ("coming", scene.ids["Ann"]),
        scene.ids["Bob"]: ("coming", scene.ids["Bob"]),
        scene.ids["Dee"]: ("need_help", scene.ids["Eve"]),
    }


async def test_a_digit_and_no_answer_the_morning_reminder_too(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    await scene.send_due(MORNING)
    assert scene.last_to(1002).reply.texts[0].key == "reminder.morning"
    assert await scene.type(1002, "2") == ["reminder.thanks_not_coming"]
    assert await scene.type(1001, "no") == ["reminder.thanks_not_coming"]
    answers = await scene.answers()
    assert answers[scene.ids["Bob"]][0] == answers[scene.ids["Ann"]][0] == "not_coming"


async def test_the_answer_can_be_changed_later_with_an_old_button(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    reminder = scene.last_to(1001)
    said = await scene.press(1001, scene.key("Ann", "not_coming"), reminder)
    assert said == ["reminder.thanks_not_coming"]
    scene.clock.advance(timedelta(hours=3))
    # "I can come after all": the Yes button on the same reminder, pressed later.
    said = await scene.press(1001, scene.key("Ann", "coming"), reminder)
    assert said == ["reminder.thanks_coming"]
    assert (await scene.answers())[scene.ids["Ann"]] == ("coming", scene.ids["Ann"])


async def test_the_member_and_the_carer_can_both_answer(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    ann, ian = scene.ids["Ann"], scene.ids["Ian"]
    assert scene.last_to(2001).reply.texts[-1].params["name"] == "Ann"
    await scene.press(1001, scene.key("Ann", "coming"), scene.last_to(1001))
    assert (await scene.answers())[ann] == ("coming", ann)
    await scene.press(2001, scene.key("Ann", "not_coming"), scene.last_to(2001))
    assert (await scene.answers())[ann] == ("not_coming", ian)


async def test_a_carer_cannot_answer_for_someone_they_do_not_care_for(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    said = await scene.press(2002, scene.key("Ann", "coming"), scene.last_to(2002))
    assert "reminder.thanks_coming" not in said
    assert scene.ids["Ann"] not in await scene.answers()


async def test_a_press_after_the_session_ended_says_so_kindly(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    reminder = scene.last_to(1001)
    scene.clock.set(local(2026, 12, 3, 12, 31))
    said = await scene.press(1001, scene.key("Ann", "coming"), reminder)
    assert said == ["reminder.finished"]
    assert scene.ids["Ann"] not in await scene.answers()


async def test_help_getting_there_tells_the_coordinator_who_and_for_which_session(
    club: Club,
) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    said = await scene.press(1001, scene.key("Ann", "need_help"), scene.last_to(1001))
    assert said == ["reminder.thanks_need_help"]
    async with club.units() as uow:
        requests = [
            (r.kind, r.session_id, r.person_id)
            for r in await uow.session.scalars(select(HelpRequest))
        ]
    assert requests == [("lift", scene.session, scene.ids["Ann"])]
    assert [m.key for m in scene.alerts.told] == ["coordinator.lift"]
    told = club.catalogue.render("en", scene.alerts.told[0])
    assert told == (
        "🚗 Ann needs help getting to the Singing. It is on Thursday 3 December, "
        "at 10:30 in the morning."
    )


async def test_help_getting_there_asked_by_a_carer_names_the_member_and_the_carer(
    club: Club,
) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    said = await scene.press(2002, scene.key("Dee", "need_help"), scene.last_to(2002))
    assert said == ["reminder.thanks_need_help"]
    async with club.units() as uow:
        [request] = await uow.session.scalars(select(HelpRequest))
        assert (request.kind, request.person_id) == ("lift", scene.ids["Dee"])
    told = club.catalogue.render("en", scene.alerts.told[0])
    assert told.startswith("🚗 Dee (their carer Eve asked) needs help getting to the Singing.")


async def test_the_follow_up_is_left_out_once_answered(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    await scene.press(1001, scene.key("Ann", "coming"), scene.last_to(1001))
    await scene.press(2002, scene.key("Dee", "not_coming"), scene.last_to(2002))
    follow_ups = await scene.send_due(FOLLOW_UP)
    # Ann answered (so Ian's copy is left out too), and Eve answered for Dee.
    assert [m.handle for m in follow_ups] == ["1002"]
    assert follow_ups[0].reply.texts[0].key == "reminder.followup"
    skipped = await outbox(club, kind="followup", status="skipped")
    assert {r.person_id for r in skipped} == {scene.ids[n] for n in ("Ann", "Ian", "Eve")}
    assert {r.last_error for r in skipped} == {"already answered"}


async def test_an_old_button_still_counts_once_the_morning_reminder_is_open(club: Club) -> None:
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    day_before = scene.last_to(1001)
    await scene.send_due(MORNING)  # Ann did not answer the day before

    assert scene.last_to(1001).reply.texts[0].key == "reminder.morning"
    said = await scene.press(1001, scene.key("Ann", "coming"), day_before)
    assert "reminder.thanks_coming" in said
    assert (await scene.answers())[scene.ids["Ann"]] == ("coming", scene.ids["Ann"])


async def test_a_reminder_for_a_session_added_a_moment_ago_can_be_answered(club: Club) -> None:
    """The engine keeps the calendar for a few seconds between inputs: a session added
    within them is still found when its reminder is answered."""
    scene = await Scene(club).build()
    await scene.send_due(DAY_BEFORE)
    await scene.type(1001, "hello")  # the calendar is read now, and kept
    starts = (DAY_BEFORE + timedelta(days=2)).astimezone(utc_now().tzinfo)
    async with club.units() as uow:
        outing = await uow.sessions.add(
            ClubSession(
                title="Gallery visit",
                activity_key="outings",
                place="Dulwich Picture Gallery",
                postcode="SE21 7AD",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        payload = {"session": outing.id, "member": scene.ids["Ann"], "kind": "day_before"}
        key = f"reminder:{outing.id}:{scene.ids['Ann']}:now"
        ann = scene.ids["Ann"]
        await uow.outbox.enqueue(
            [Delivery(ann, "telegram", "reminder", key, DAY_BEFORE, payload, outing.id)]
        )
        await uow.commit()
    dispatcher = dispatcher_for(club, scene.clock, {"telegram": scene.sender})
    assert await dispatcher.run_once() == 1
    reminder = scene.last_to(1001)
    said = await scene.press(1001, f"s{outing.id}m{scene.ids['Ann']}.coming", reminder)
    assert said == ["reminder.thanks_coming"]
    async with club.units() as uow:
        assert (await uow.sessions.answers(outing.id)) == {scene.ids["Ann"]: "coming"}
