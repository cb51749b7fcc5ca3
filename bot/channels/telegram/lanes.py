"""The dispatcher's own connections to the Bot API: a few bots, one connection each.

Requests sharing one httpx pool race for a connection as it is freed: the pool hands it
to every request that arrives in that turn of the event loop, and all but one retry
(about one retry a request when sending flat out, a tenth of the CPU a message). A bot
for each request in flight, each with a pool of one connection, never races. The bots
are made on the first send, so a club that sends nothing opens nothing.

Only sending flat out (a local Bot API server, or the benchmark with limits off). At a
paced rate the words go one at a time anyway, nothing races, and the application's bot
carries every send over its own pool (`Lanes.sharing`), with no extra connections.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.app import DEFAULT_API
from bot.channels.telegram.sending import TIMEOUT_SECONDS
from config import Settings

__all__ = ["Lanes", "sending_bots"]


class Lanes:
    """Bots, each lent to one send at a time."""

    def __init__(self, make: Callable[[], list[Bot]], owned: bool = True) -> None:
        self._make = make
        self._owned = owned
        self._bots: list[Bot] = []
        self._free: asyncio.Queue[Bot] | None = None

    @classmethod
    def sharing(cls, bot: Bot, count: int) -> Lanes:
        """`count` sends at once, all through `bot` and its pool (closed by its owner)."""
        return cls(lambda: [bot] * count, owned=False)

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[Bot]:
        if self._free is None:
            self._bots = self._make()
            self._free = asyncio.Queue()
            for bot in self._bots:
                self._free.put_nowait(bot)
        bot = await self._free.get()
        try:
            yield bot
        finally:
            self._free.put_nowait(bot)

    async def close(self) -> None:
        for bot in self._bots if self._owned else ():
            await bot.request.shutdown()
        self._bots, self._free = [], None


def sending_bots(settings: Settings, count: int) -> Callable[[], list[Bot]]:
    """Makes `count` bots for `settings`' Bot API, one connection each, sharing one TLS
    context (loading the certificate authorities takes a tenth of a second); a plain
    HTTP address (a local Bot API server) needs none."""
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token
    base = settings.telegram_base_url or DEFAULT_API

    def make() -> list[Bot]:
        tls: ssl.SSLContext | bool = (
            httpx.create_ssl_context() if base.startswith("https:") else False
        )
        bots = []
        for _ in range(count):
            request = HTTPXRequest(
                connection_pool_size=1,
                read_timeout=TIMEOUT_SECONDS,
                write_timeout=TIMEOUT_SECONDS,
                connect_timeout=TIMEOUT_SECONDS,
                httpx_kwargs={"verify": tls},
            )
            bots.append(
                Bot(
                    token,
                    base_url=f"{base}/bot",
                    base_file_url=f"{base}/file/bot",
                    request=request,
                    get_updates_request=request,
                )
            )
        return bots

    return make
