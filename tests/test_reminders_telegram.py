"""A reminder end to end on Telegram: a member who signed up with the buttons gets it from
the dispatcher, answers with its button, and changes the answer later with the other one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox.delivery import Sender
from storage.models import SessionAnswer, utc_now
from tests.club_data import queue_reminder
from tests.clubs import telegram_club
from tests.coordinator_support import add_session
from tests.fakes.clock import FakeClock, dispatcher_for
from tests.telegram_support import person_by_telegram, register_by_buttons

CHAT = 4242


async def test_a_reminder_is_answered_with_its_buttons_and_changed_later(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        club = tg.club
        await register_by_buttons(tg, CHAT, "Ann")
        ann = await person_by_telegram(club, CHAT)
        assert ann is not None
        starts = utc_now().replace(microsecond=0) + timedelta(days=3)
        session_id = await add_session(club, starts, title="Singing")
        await queue_reminder(club, ann.id, session_id, channel="telegram")
        senders: dict[str, Sender] = {"telegram": club.senders["telegram"]}
        dispatcher = dispatcher_for(club, FakeClock(utc_now()), senders)
        assert await dispatcher.run_once() == 1

        reminder = tg.question(CHAT)
        assert "Singing" in reminder["text"] and "Are you coming?" in reminder["text"]
        await tg.press(CHAT, f"s{session_id}m{ann.id}.coming", reminder)
        assert tg.replies(CHAT)[0].startswith(tg.words("reminder.thanks_coming"))
        # Later: "I can't come after all", with the other button on the same message.
        await tg.press(CHAT, f"s{session_id}m{ann.id}.not_coming", reminder)
        assert tg.replies(CHAT)[0].startswith(tg.words("reminder.thanks_not_coming"))
        async with club.units() as uow:
            answers = [
                (a.answer, a.answered_by_id)
                for a in await uow.session.scalars(
                    select(SessionAnswer).where(SessionAnswer.session_id == session_id)
                )
            ]
        assert answers == [("not_coming", ann.id)]
        assert not tg.fake.unanswered_callbacks()
