"""Local mode: someone who registers in the console chat sees a reminder of the club's next
session arrive in the same chat within a minute, and can answer it there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import WELCOME_DELAY, Club
from bot.outbox.dispatcher import LEASE, Dispatcher
from bot.service.dialogue import Answer
from conversations import Hint, Input
from storage.models import Person, utc_now
from storage.outbox import Delivery, Terminal
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


async def _until_shown(
    dispatcher: Dispatcher, clock: FakeClock, capsys: pytest.CaptureFixture[str], heading: str
) -> str:
    """Run the dispatcher second by second until `heading` shows; what the terminal shows."""
    started, shown = clock.now, ""
    while heading not in shown:
        assert clock.now - started <= MINUTE, f"no {heading} within a minute"
        await dispatcher.plan_if_due()
        await dispatcher.run_once()
        clock.advance(timedelta(seconds=1))
        shown += capsys.readouterr().out
    return shown


async def test_a_console_newcomer_sees_a_reminder_within_a_minute(
    local_club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    club = local_club
    await _register(club, "Pat")
    clock = FakeClock(utc_now())
    # as `python -m bot run` wires it in local mode: the main terminal is "you"
    dispatcher = club.dispatcher(clock=clock, terminal=Terminal("you", and_nameless=True))
    assert WELCOME_DELAY < MINUTE
    shown = await _until_shown(dispatcher, clock, capsys, "[Message for Pat]")
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
    assert "[Message for Pat]" not in capsys.readouterr().out


async def test_a_carer_who_chose_texts_sees_the_text_in_her_own_chat_and_answers_it_there(
    local_club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot chat --as Maria` in local mode: Maria chose text messages, so the
    reminder about George comes as the text message she would get, in her terminal."""
    club = local_club
    maria = "console:Maria"
    answer = await club.dialogue.handle(maria, Input.command("start"))
    for said in ("lang_en", "carer", "Maria", "George", "no", "sms", "07700 900123", "no"):
        question = answer.replies[-1]
        if question.hint is Hint.CHOICE:
            assert said in [choice.key for choice in question.choices], question
            answer = await club.dialogue.handle(maria, Input.choice(said, question.question_id))
        else:
            answer = await club.dialogue.handle(maria, Input.typed(said))
    answer = await club.dialogue.handle(
        maria, Input.choice("consent_yes", answer.replies[-1].question_id)
    )
    assert "registration.done" in [t.key for reply in answer.replies for t in reply.texts]
    clock = FakeClock(utc_now())
    main_terminal = club.dispatcher(clock=clock, terminal=Terminal("you", and_nameless=True))
    await main_terminal.plan_if_due()
    clock.advance(WELCOME_DELAY)
    assert await main_terminal.run_once() == 0  # Maria's message waits for her own chat
    own = club.dispatcher(clock=clock, terminal=Terminal("Maria"))
    shown = await _until_shown(own, clock, capsys, "[Text message to Maria]")
    assert "Is George coming?" in shown and "1 yes" in shown
    [row] = await outbox(club, kind="reminder")
    assert (row.channel, row.status) == ("sms", "sent")
    club.dialogue.shape.forget()
    answer = await club.dialogue.handle(maria, Input.typed("1"))
    assert "reminder.thanks_coming" in [t.key for reply in answer.replies for t in reply.texts]
    async with club.units() as uow:
        george = await uow.session.scalar(select(Person).where(Person.name == "George"))
        assert george is not None
        assert await uow.sessions.answers(row.session_id or 0) == {george.id: "coming"}


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
