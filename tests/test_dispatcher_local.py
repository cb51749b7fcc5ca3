"""Local mode: someone who registers in the console chat sees a reminder of the club's next
session arrive in the same chat within a minute, and can answer it there."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import WELCOME_DELAY, Club
from bot.channels.console.sender import ConsoleSender
from bot.outbox.dispatcher import LEASE
from bot.service.dialogue import Answer
from conversations import Input
from storage.models import Person, utc_now
from storage.outbox import Delivery
from tests.club_rows import outbox
from tests.clubs import club_settings, prepared_club
from tests.fakes.clock import FakeClock, dispatcher_for
from tests.fakes.sender import RecordingSender

ADDRESS = "console:you"
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def local_club(sqlite_url: str) -> AsyncIterator[Club]:
    settings = club_settings(sqlite_url, tts_engine="off")
    assert settings.local_mode
    async with prepared_club(settings) as club:
        yield club


async def _press(club: Club, answer: Answer, key: str) -> Answer:
    question = answer.replies[-1]
    assert key in [choice.key for choice in question.choices], question
    return await club.dialogue.handle(ADDRESS, Input.choice(key, question.question_id))


async def _register(club: Club, name: str) -> None:
    """A member signs up in the terminal: buttons (numbers) and their name typed."""
    answer = await club.dialogue.handle(ADDRESS, Input.command("start"))
    if "lang_en" in [choice.key for choice in answer.replies[-1].choices]:
        answer = await _press(club, answer, "lang_en")
    answer = await _press(club, answer, "member")
    answer = await club.dialogue.handle(ADDRESS, Input.typed(name))
    answer = await _press(club, answer, "here")
    answer = await _press(club, answer, "no")
    answer = await _press(club, answer, "consent_yes")
    assert "registration.done" in [t.key for reply in answer.replies for t in reply.texts]


async def test_a_console_newcomer_sees_a_reminder_within_a_minute(local_club: Club) -> None:
    club = local_club
    screen = io.StringIO()
    club.senders["console"] = ConsoleSender(club.catalogue, screen)
    await _register(club, "Pat")
    registered = utc_now()
    clock = FakeClock(registered)
    dispatcher = club.dispatcher(clock=clock)  # as `python -m bot run` wires it in local mode
    assert WELCOME_DELAY < MINUTE
    while "[Message for you]" not in screen.getvalue():
        assert clock.now - registered <= MINUTE, "no reminder within a minute"
        await dispatcher.plan_if_due()
        await dispatcher.run_once()
        clock.advance(timedelta(seconds=1))
    shown = screen.getvalue()
    assert "Your next session is" in shown and "Norwood Community Hall, SE27 9JU" in shown
    assert "1." in shown and "Are you coming?" in shown
    [row] = await outbox(club, kind="reminder")
    assert (row.channel, row.status) == ("console", "sent")
    # Typing the number of the first answer, as the console asks. (The chat's picture of
    # the calendar is a few seconds old: in real time the reminder comes 20 seconds later.)
    club.dialogue.shape.forget()
    answer = await club.dialogue.handle(ADDRESS, Input.typed("1"))
    said = [t.key for reply in answer.replies for t in reply.texts]
    # Thanked, then back to the question the reminder interrupted.
    assert said == ["reminder.thanks_coming", "preferences.offer"]
    # Only once, however long the dispatcher keeps looking.
    for _ in range(3):
        clock.advance(timedelta(seconds=10))
        await dispatcher.plan_if_due()
        await dispatcher.run_once()
    assert screen.getvalue().count("[Message for you]") == 1


@dataclass
class _OneASecond(RecordingSender):
    """A channel paced at one message a second, as texts are by default."""

    interval: float = 1.0


async def test_a_slow_channel_claims_only_what_it_sends_well_within_a_lease(
    local_club: Club,
) -> None:
    """Claimed rows wait in memory for their turn: a batch a slow channel could not finish
    before the lease ran out would be claimed again and sent twice."""
    club = local_club
    async with club.units() as uow:
        person = await uow.session.scalar(select(Person.id))
        assert person is not None
        now = utc_now()
        await uow.outbox.enqueue(
            [Delivery(person, "console", "test", f"slow-{n}", now, {}) for n in range(40)]
        )
        await uow.commit()
    slow = _OneASecond("console")
    dispatcher = dispatcher_for(club, FakeClock(utc_now()), {"console": slow})
    claimed = await dispatcher.run_once()
    assert claimed * slow.interval <= LEASE.total_seconds() / 4
    assert claimed == int(LEASE.total_seconds() / 8)
    assert await dispatcher.run_once() == claimed
