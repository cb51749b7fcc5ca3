"""A double tap has one effect and one reply. Every kind of button is pressed twice at once
(each reminder answer, "Talk to a person", a feedback face, sending a notice, starting a
poll and voting in it), through the Telegram webhook and through `Dialogue.handle`, on
both databases; on PostgreSQL, presses handled by two processes take turns too.

Each input waits, after reading the person's conversation, until the other has read it
as well (or half a second has passed): without turns, both would answer the same open
question every time, rather than now and then."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

import bot.service.dialogue as dialogue_module
from bot.bootstrap import Club, build_club
from bot.channels.telegram.render import message_text
from bot.service.positions import load_position
from conversations import Input
from storage import UnitOfWork
from storage.models import (
    Broadcast,
    Feedback,
    HelpRequest,
    Poll,
    PollAnswer,
    SessionAnswer,
    utc_now,
)
from storage.models import Position as PositionRow
from storage.outbox import Delivery
from tests.club_rows import count, rows
from tests.clubs import add_person as person
from tests.clubs import telegram_club
from tests.coordinator_support import FAST, add_session
from tests.fakes.clock import FakeClock, dispatcher_for, planner_for
from tests.telegram_support import TelegramClub, add_coordinator, callback_key

TOM, CORA = 8101, 8900
MEET_SECONDS = 0.5
JSONDict = dict[str, Any]
Press = Callable[[TelegramClub, int, JSONDict, list[str]], Awaitable[list[str]]]


@pytest.fixture(autouse=True)
def reads_meet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each input waits after reading the conversation until another has read it too."""
    readers: list[str] = []
    both_read = asyncio.Event()

    async def read_then_wait(uow: UnitOfWork, address: str) -> PositionRow | None:
        found = await load_position(uow, address)
        readers.append(address)
        if len(readers) % 2 == 0:
            both_read.set()
        with contextlib.suppress(TimeoutError):  # the other waits for this one's turn
            await asyncio.wait_for(both_read.wait(), MEET_SECONDS)
        both_read.clear()
        return found

    monkeypatch.setattr(dialogue_module, "load_position", read_then_wait)


async def by_webhook(tg: TelegramClub, chat: int, message: JSONDict, keys: list[str]) -> list[str]:
    """The presses posted to the webhook at once; returns the words sent in reply."""
    mark = tg.mark(chat)
    updates = [
        tg.fake.push_callback(chat, message["message_id"], tg.button(message, key)) for key in keys
    ]
    assert await asyncio.gather(*(tg.post(update) for update in updates)) == [200] * len(keys)
    return tg.replies(chat, mark)


async def by_dialogue(tg: TelegramClub, chat: int, message: JSONDict, keys: list[str]) -> list[str]:
    """The presses handed to `Dialogue.handle` at once; returns the words of the replies."""
    inputs = []
    for key in keys:
        data = tg.button(message, key)
        inputs.append(Input.choice(callback_key(data), int(data.partition(":")[0][1:])))
    ids = iter(range(len(tg.fake.calls) * 1000, 10**9))
    handled = await asyncio.gather(
        *(
            tg.club.dialogue.handle(f"telegram:{chat}", said, once=f"telegram:{next(ids)}")
            for said in inputs
        )
    )
    catalogue = tg.club.catalogue
    return [
        message_text(catalogue, answer.language, reply)
        for answer in handled
        for reply in answer.replies
    ]


@contextlib.asynccontextmanager
async def club_with_tom(database_url: str) -> AsyncIterator[tuple[TelegramClub, int]]:
    async with telegram_club(database_url, webhook=True, **FAST) as tg:
        await add_coordinator(tg.club, CORA, "Cora")
        tom = await person(tg.club, "Tom", telegram_id=TOM)
        yield tg, tom


async def send_due(tg: TelegramClub, later: timedelta = timedelta(0)) -> None:
    senders = {"telegram": tg.club.senders["telegram"]}
    dispatcher = dispatcher_for(tg.club, FakeClock(utc_now() + later), senders)
    while await dispatcher.run_once():
        pass


async def a_reminder(tg: TelegramClub, tom: int) -> tuple[int, JSONDict]:
    """A session in three days and Tom's reminder of it, sent."""
    session = await add_session(tg.club, utc_now() + timedelta(days=3))
    async with tg.club.units() as uow:
        payload = {"session": session, "member": tom, "kind": "day_before"}
        key = f"reminder:{session}:{tom}:{utc_now().timestamp()}"
        await uow.outbox.enqueue(
            [Delivery(tom, "telegram", "reminder", key, utc_now(), payload, session)]
        )
        await uow.commit()
    await send_due(tg)
    return session, tg.question(TOM)


async def answers_to(club: Club, session: int) -> list[str]:
    async with club.units() as uow:
        query = select(SessionAnswer.answer).where(SessionAnswer.session_id == session)
        return list(await uow.session.scalars(query))


async def reminder_answers_take_effect_once(tg: TelegramClub, tom: int, press: Press) -> None:
    for answer in ("coming", "not_coming"):
        session, reminder = await a_reminder(tg, tom)
        [thanks] = await press(tg, TOM, reminder, [f"s{session}m{tom}.{answer}"] * 2)
        assert thanks == tg.words(f"reminder.thanks_{answer}")
        assert await answers_to(tg.club, session) == [answer]

    alerts = tg.mark(CORA)
    session, reminder = await a_reminder(tg, tom)
    [thanks] = await press(tg, TOM, reminder, [f"s{session}m{tom}.need_help"] * 2)
    assert thanks == tg.words("reminder.thanks_need_help")
    assert await answers_to(tg.club, session) == ["need_help"]
    assert [r.kind for r in await rows(tg.club, HelpRequest)] == ["lift"]
    assert len(tg.replies(CORA, alerts)) == 1

    alerts = tg.mark(CORA)
    session, reminder = await a_reminder(tg, tom)
    [asked] = await press(tg, TOM, reminder, ["person"] * 2)
    assert asked.startswith(tg.words("help.requested"))
    assert await count(tg.club, HelpRequest) == 2
    assert len(tg.replies(CORA, alerts)) == 1


async def feedback_takes_effect_once(tg: TelegramClub, tom: int, press: Press) -> None:
    await add_session(tg.club, utc_now() - timedelta(hours=5), coming=[tom])
    assert await planner_for(tg.club, FakeClock(utc_now())).plan() > 0
    await send_due(tg, later=timedelta(days=1))
    question = tg.question(TOM)
    assert question["text"].startswith("How was the Music Club")
    [next_question] = await press(tg, TOM, question, ["happy"] * 2)
    assert next_question.startswith(tg.words("feedback.enjoyed"))
    assert [f.face for f in await rows(tg.club, Feedback)] == ["happy"]


async def a_notice_goes_once(tg: TelegramClub, press: Press) -> None:
    await tg.say(CORA, "/notice")
    await tg.say(CORA, "The hall is closed on Friday.")
    await tg.press(CORA, "words_only")
    await tg.press(CORA, "to_everyone")
    replies = await press(tg, CORA, tg.question(CORA), ["send_notice"] * 2)
    progress = [words for words in replies if words.startswith("Sent to ")]  # edited as it goes
    assert [words for words in replies if words not in progress] == [tg.words("notice.sending")]
    assert await count(tg.club, Broadcast) == 1


async def a_poll_starts_once_and_takes_one_vote(tg: TelegramClub, press: Press) -> None:
    await tg.say(CORA, "/choose")
    assert await press(tg, CORA, tg.question(CORA), ["ask_now"] * 2) == [tg.words("poll.asking")]
    assert await count(tg.club, Poll) == 1
    await send_due(tg, later=timedelta(minutes=1))
    poll = tg.question(TOM)
    vote = callback_key(poll["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    [thanks] = await press(tg, TOM, poll, [vote] * 2)  # then the feedback question again
    assert thanks.startswith(tg.words("poll.thanks"))
    assert len(await rows(tg.club, PollAnswer)) == 1


@pytest.mark.parametrize("press", [by_webhook, by_dialogue], ids=["webhook", "dialogue"])
async def test_every_kind_of_button_pressed_twice_at_once_counts_once(
    database_url: str, press: Press
) -> None:
    async with club_with_tom(database_url) as (tg, tom):
        await reminder_answers_take_effect_once(tg, tom, press)
        await feedback_takes_effect_once(tg, tom, press)
        await a_notice_goes_once(tg, press)
        await a_poll_starts_once_and_takes_one_vote(tg, press)
        assert tg.fake.unanswered_callbacks() == []


async def test_presses_handled_by_two_processes_take_turns_through_the_database(
    postgres_url: str,
) -> None:
    """Two processes each have their own turns in memory: only the database's lock on the
    person's conversation keeps their presses apart."""
    async with club_with_tom(postgres_url) as (tg, tom):
        other = build_club(tg.club.settings)  # a second web process on the same database
        try:
            for answer in ("coming", "need_help"):
                session, reminder = await a_reminder(tg, tom)
                data = tg.button(reminder, f"s{session}m{tom}.{answer}")
                said = Input.choice(callback_key(data), int(data.partition(":")[0][1:]))
                handled = await asyncio.gather(
                    *(
                        club.dialogue.handle(f"telegram:{TOM}", said, once=f"telegram:{n}")
                        for n, club in enumerate((tg.club, other), start=session * 10)
                    )
                )
                assert sorted(len(a.replies) for a in handled) == [0, 1]
                assert await answers_to(tg.club, session) == [answer]
            assert await count(tg.club, HelpRequest) == 1
        finally:
            await other.close()


async def test_a_turn_holds_before_the_person_has_any_conversation(postgres_url: str) -> None:
    """The database's lock is on the address, so it holds for someone with no position row
    yet (a first message), where locking the row would lock nothing."""
    order: list[str] = []
    second_has_turn = asyncio.Event()
    async with telegram_club(postgres_url) as tg:

        async def first() -> None:
            async with tg.club.units() as uow:
                await uow.records.take_turn("telegram:1")
                turn_taken.set()
                with contextlib.suppress(TimeoutError):  # the other waits for our commit
                    await asyncio.wait_for(second_has_turn.wait(), MEET_SECONDS)
                order.append("first")
                await uow.commit()

        async def second() -> None:
            await turn_taken.wait()
            async with tg.club.units() as uow:
                await uow.records.take_turn("telegram:1")
                order.append("second")
                second_has_turn.set()

        turn_taken = asyncio.Event()
        await asyncio.gather(first(), second())
    assert order == ["first", "second"]
