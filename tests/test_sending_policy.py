"""Each provider's one sending policy, on its own: what every failure means, how calls
made while someone waits are tried again (the real python-telegram-bot against the fake
Bot API), how the outbox waits, and a kept reply coming back exactly as the engine made it.
One person's turns are checked here too. (How long the outbox waits is shown where it
waits: tests/test_dispatcher_telegram.py and tests/test_twilio_status.py.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.telegram import sending
from bot.channels.telegram.sending import Refused, call, verdict_for
from bot.channels.twilio.errors import outcome_for
from bot.outbox.delivery import Outcome
from bot.outbox.replies import _reply, _reply_from
from bot.service.turns import Turns
from conversations import HELP_CHOICE, Catalogue, Choice, Meaning, Moment, PartsOf, Reply, text
from tests.fakes.telegram_api import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 4401


@pytest.mark.parametrize(
    ("made", "outcome", "reason"),
    [
        (lambda: RetryAfter(3), Outcome.RETRY, "flood wait"),
        (lambda: InvalidToken("Unauthorized"), Outcome.ACCOUNT, "the bot's token was refused"),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), Outcome.PERMANENT, "blocked"),
        (lambda: Forbidden("Forbidden: user is deactivated"), Outcome.PERMANENT, "forbidden"),
        (
            lambda: BadRequest("Bad Request: chat not found"),
            Outcome.PERMANENT,
            "refused: BadRequest",
        ),
        (lambda: ChatMigrated(-100), Outcome.PERMANENT, "refused: ChatMigrated"),
        (TimedOut, Outcome.RETRY, "TimedOut"),
        (lambda: NetworkError("Bad Gateway"), Outcome.RETRY, "NetworkError"),
    ],
)
def test_every_bot_api_failure_has_one_meaning(
    made: Callable[[], TelegramError], outcome: Outcome, reason: str
) -> None:
    error = made()  # made in the test: PTB warns as a RetryAfter is made
    verdict = verdict_for(error)
    assert (verdict.outcome, verdict.reason) == (outcome, reason)
    assert verdict.chat_gone == (reason in {"blocked", "forbidden"})
    assert verdict.request_refused == reason.startswith("refused")
    assert verdict.retry_after == (3.0 if isinstance(error, RetryAfter) else None)


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        (20003, 401, Outcome.ACCOUNT),
        (None, 401, Outcome.ACCOUNT),
        (30002, None, Outcome.ACCOUNT),
        (21608, 400, Outcome.ACCOUNT),
        (21610, 400, Outcome.PERMANENT),
        (30006, None, Outcome.PERMANENT),
        (30001, None, Outcome.RETRY),
        (20429, 429, Outcome.RETRY),
        (None, 503, Outcome.RETRY),
        (21999, 400, Outcome.PERMANENT),
    ],
)
def test_every_twilio_error_has_one_meaning(
    code: int | None, status: int | None, outcome: Outcome
) -> None:
    assert outcome_for(code, status)[0] is outcome


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "FIRST_BACKOFF_SECONDS", 0.01)


async def test_a_call_for_someone_waiting_is_tried_again_through_passing_failures(
    quick: None,
) -> None:
    async with FakeBotApi() as fake:
        bot = fake.make_bot()
        async with bot:
            fake.fail_next("sendMessage", "502", times=2)
            sent = await call(lambda: bot.send_message(CHAT, "Singing is on Thursday"))
        assert sent.text == "Singing is on Thursday"
        assert [c.status for c in fake.calls if c.method == "sendMessage"] == [502, 502, 200]


async def test_a_flood_wait_ends_the_call_when_the_caller_keeps_the_message() -> None:
    async with FakeBotApi() as fake:
        bot = fake.make_bot()
        async with bot:
            fake.fail_next("sendMessage", "429", retry_after=5)
            with pytest.raises(Refused) as refused:
                await call(lambda: bot.send_message(CHAT, "Hello"), wait_out_floods=False)
        assert (refused.value.verdict.outcome, refused.value.verdict.retry_after) == (
            Outcome.RETRY,
            5.0,
        )
        assert len([c for c in fake.calls if c.method == "sendMessage"]) == 1


async def test_a_refused_token_or_a_blocked_chat_is_never_tried_again(quick: None) -> None:
    async with FakeBotApi() as fake:
        bot = fake.make_bot()
        async with bot:
            fake.block_chat(CHAT)
            with pytest.raises(Refused) as blocked:
                await call(lambda: bot.send_message(CHAT, "Hello"))
            fake.token = "123456789:revoked"
            with pytest.raises(Refused) as revoked:
                await call(lambda: bot.send_message(CHAT + 1, "Hello"))
        assert blocked.value.verdict.chat_gone
        assert revoked.value.verdict.outcome is Outcome.ACCOUNT
        assert len([c for c in fake.calls if c.method == "sendMessage"]) == 2


def test_a_kept_reply_comes_back_as_the_engine_made_it() -> None:
    catalogue = Catalogue.load()
    at = datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Europe/London"))
    when = {"weekday": Moment(at, "weekday"), "date": Moment(at, "date")}
    reply = Reply(
        (
            text(
                "reminder.day_before",
                title="Singing",
                activity=text("activity.music"),
                place="St Luke's Hall",
                postcode="SE27 9JU",
                clock=Moment(at, "clock"),
                part=text("part.morning"),
                **when,
            ),
            text("notice.parts", parts=PartsOf(text("notice.broadcast", club="Club", words="Hi"))),
            text("poll.explain", activities=(text("activity.music"), "a trip")),
        ),
        (
            Choice("s1m2.coming", text("choice.coming"), "✅", Meaning.YES),
            Choice(HELP_CHOICE, text("choice.person"), "🙋"),
        ),
        speak=True,
        question_id=12,
        compact=(
            text(
                "sms.reminder_short",
                title="Singing",
                place="St Luke's Hall",
                postcode="SE27 9JU",
                clock=Moment(at, "clock"),
                part=text("part.morning"),
                ask=text("reminder.ask"),
                **when,
            ),
        ),
    )
    kept = _reply_from(json.loads(json.dumps(_reply(reply))))
    assert (kept.choices, kept.speak, kept.hint, kept.question_id) == (
        reply.choices,
        True,
        reply.hint,
        12,
    )
    for language in catalogue.languages:
        for before, after in zip(
            reply.texts + reply.compact, kept.texts + kept.compact, strict=True
        ):
            assert catalogue.render(language, after) == catalogue.render(language, before)


async def test_one_persons_inputs_take_turns_and_the_turn_is_forgotten_after() -> None:
    turns = Turns()
    order: list[str] = []

    async def first() -> None:
        async with turns.of("telegram:1"), turns.of("telegram:1"):  # the holder enters again
            order.append("first in")
            await asyncio.sleep(0)
            order.append("first out")

    async def second() -> None:
        async with turns.of("telegram:1"):
            order.append("second")

    async def someone_else() -> None:
        async with turns.of("telegram:2"):
            order.append("other")

    await asyncio.gather(first(), second(), someone_else())
    assert order.index("second") > order.index("first out")
    assert order.index("other") < order.index("first out")  # others never wait
    assert len(turns) == 0
