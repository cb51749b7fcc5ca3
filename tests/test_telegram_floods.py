"""Someone writing faster than Telegram lets the club answer one chat (one message a
second): every input is answered, in order, none lost. Replies that cannot go at once wait
in the outbox and the dispatcher sends them at the chat's pace; the person is told once,
kindly, to wait a moment; and past a ceiling of waiting replies, one runaway client's
further inputs are set aside rather than swamping the club."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import replying
from bot.outbox.replies import REPLY
from storage.models import OutboxMessage
from storage.outbox import Status
from tests.club_rows import outbox as rows
from tests.clubs import add_person as person
from tests.clubs import telegram_club
from tests.conftest import POSTGRES
from tests.telegram_support import TelegramClub, keyboard_of

pytestmark = pytest.mark.filterwarnings(  # PTB's own, as it reads a 429's retry_after
    "ignore::telegram.warnings.PTBDeprecationWarning"
)

TOM = 8201
MESSAGES = 60
WAIT_SECONDS = 150.0
"""How long the answers may take to arrive before the test fails (a failure guard only:
at one a second, sixty take about a minute)."""
LOOK_EVERY = 0.2


@pytest.fixture
async def store_url(sqlite_url: str) -> str:
    """The production store when there is one (PostgreSQL), else SQLite: a minute of
    paced sending is enough to show once."""
    if POSTGRES is None:
        return sqlite_url
    return await POSTGRES.rows_wiped()


@contextlib.asynccontextmanager
async def at_telegrams_pace(database_url: str) -> AsyncIterator[TelegramClub]:
    """Webhook mode, Tom registered, and the fake enforcing Telegram's limits."""
    async with telegram_club(database_url, webhook=True) as tg:
        await person(tg.club, "Tom", telegram_id=TOM)
        tg.fake.limits(per_second=30, per_chat_per_second=1)
        yield tg


@contextlib.asynccontextmanager
async def dispatching(tg: TelegramClub) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(tg.club.dispatcher().run(stop, idle_seconds=0.2))
    try:
        yield
    finally:
        stop.set()
        await task


async def write(tg: TelegramClub, count: int) -> None:
    """`count` messages from Tom, each posted as soon as the last was taken: /start, as a
    person does who taps it again and again. Each answer is the menu, asked anew, so its
    buttons carry a question id one higher than the last: the order shows."""
    for _ in range(count):
        update = tg.fake.push_message(TOM, "/start")
        assert await tg.post(update) == 200


async def until_received(tg: TelegramClub, count: int) -> list[dict[str, Any]]:
    """Tom's chat once `count` messages are in it (or the guard's time is up)."""
    for _ in range(int(WAIT_SECONDS / LOOK_EVERY)):
        if len(tg.fake.sent_messages(TOM)) >= count:
            break
        await asyncio.sleep(LOOK_EVERY)
    return tg.fake.sent_messages(TOM)


def question_ids(messages: list[dict[str, Any]]) -> list[int]:
    """The question each answer asks, by the id its buttons carry ("q12:...")."""
    return [
        int(keyboard_of(message)[0][0]["callback_data"].partition(":")[0][1:])
        for message in messages
        if keyboard_of(message)
    ]


async def waiting_replies(tg: TelegramClub) -> list[OutboxMessage]:
    return [
        row
        for row in await rows(tg.club, kind=REPLY)
        if row.status in {Status.PENDING, Status.SENDING}
    ]


async def test_sixty_quick_messages_get_sixty_answers_in_order(store_url: str) -> None:
    async with at_telegrams_pace(store_url) as tg, dispatching(tg):
        await write(tg, MESSAGES)
        received = await until_received(tg, MESSAGES + 1)

    one_moment = tg.words("common.one_moment")
    answers = [message for message in received if message["text"] != one_moment]
    assert len(answers) == MESSAGES
    asked = question_ids(answers)
    assert asked == list(range(asked[0], asked[0] + MESSAGES))  # each its own, in order
    assert [m["text"] for m in received].count(one_moment) == 1
    assert tg.fake.max_sends_in_any_second(TOM) == 1
    assert await waiting_replies(tg) == []
    assert {row.status for row in await rows(tg.club, kind=REPLY)} == {Status.SENT}


async def test_a_runaway_client_is_held_at_the_ceiling(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the ceiling, inputs are set aside (and logged): the club keeps a bounded
    number of replies for one person; those it kept still go, in order."""
    monkeypatch.setattr(replying, "CEILING", 5)
    async with at_telegrams_pace(sqlite_url) as tg:
        with caplog.at_level(logging.WARNING):
            await write(tg, 12)  # no dispatcher yet: the replies pile up
        # The first answer went at once; the next four and "one moment" wait: five, the
        # ceiling, so the seven inputs after them are set aside.
        assert len(await waiting_replies(tg)) == 5
        assert sum("an input was set aside" in r.getMessage() for r in caplog.records) == 7
        assert str(TOM) not in caplog.text and "/start" not in caplog.text
        async with dispatching(tg):
            received = await until_received(tg, 6)
    assert [m["text"] for m in received].count(tg.words("common.one_moment")) == 1
    asked = question_ids(received)
    assert asked == list(range(asked[0], asked[0] + 5))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'club.sqlite3'}"


async def test_a_reply_held_up_by_a_flood_wait_is_not_overtaken(sqlite_url: str) -> None:
    """Telegram asks the dispatcher to wait three seconds before the first kept reply:
    the replies behind it wait behind it, and still arrive in order."""
    async with at_telegrams_pace(sqlite_url) as tg:
        await write(tg, 4)  # the first answered at once; three kept, with "one moment"
        tg.fake.fail_next("sendMessage", "429", chat_id=TOM, retry_after=3)
        async with dispatching(tg):
            received = await until_received(tg, 5)
    assert [m["text"] for m in received].count(tg.words("common.one_moment")) == 1
    asked = question_ids(received)
    assert asked == list(range(asked[0], asked[0] + 4))
