"""The dispatcher's own connections to the Bot API: made on the first send, each lent to
one send at a time, closed when the club closes (and opened afresh if used again)."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.channels.telegram.lanes import Lanes, sending_bots
from config import Settings
from tests.clubs import club_settings
from tests.fakes.telegram_api import FakeBotApi


def _settings(fake: FakeBotApi) -> Settings:
    return club_settings("sqlite+aiosqlite:///:memory:", bot_api=fake)


async def test_the_bots_are_made_on_the_first_send_and_closed_after() -> None:
    made: list[list[Bot]] = []
    async with FakeBotApi() as fake:
        make = sending_bots(_settings(fake), 2)

        def counted() -> list[Bot]:
            made.append(make())
            return made[-1]

        lanes = Lanes(counted)
        assert made == []  # a club that sends nothing opens nothing
        for chat in (1001, 1002, 1003):
            async with lanes.lane() as bot:
                await bot.send_message(chat, "Singing is on Thursday")
        assert len(made) == 1
        assert len(made[0]) == 2
        sent = [call.params["chat_id"] for call in fake.calls if call.method == "sendMessage"]
        assert sent == [1001, 1002, 1003]
        await lanes.close()
        for bot in made[0]:
            with pytest.raises(NetworkError, match="not initialized"):
                await bot.send_message(1001, "Singing is on Thursday")
        async with lanes.lane() as bot:  # used again after closing, it opens afresh
            await bot.send_message(1004, "Singing is on Thursday")
        assert len(made) == 2
        await lanes.close()


async def test_a_bot_goes_to_one_send_at_a_time() -> None:
    async with FakeBotApi() as fake:
        lanes = Lanes(sending_bots(_settings(fake), 2))
        holding: list[Bot] = []
        release = asyncio.Event()

        async def hold() -> None:
            async with lanes.lane() as bot:
                holding.append(bot)
                await release.wait()

        first = [asyncio.create_task(hold()) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert len(holding) == 2  # the third waits for a bot to come back
        assert holding[0] is not holding[1]
        release.set()
        await asyncio.gather(*first)
        assert len(holding) == 3
        assert holding[2] in holding[:2]
        await lanes.close()


async def test_paced_sends_share_the_application_bot_and_leave_it_open() -> None:
    async with FakeBotApi() as fake:
        [bot] = sending_bots(_settings(fake), 1)()
        lanes = Lanes.sharing(bot, 3)
        async with lanes.lane() as first, lanes.lane() as second:
            assert first is bot
            assert second is bot
        await lanes.close()
        await bot.send_message(1001, "Singing is on Thursday")  # its owner closes it
        assert [call.params["chat_id"] for call in fake.calls] == [1001]
        await bot.request.shutdown()
