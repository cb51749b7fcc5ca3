"""An error no handler expected must not break the next, innocent request on the same
keep-alive connection (issue 12, item 2).

Starlette's ServerErrorMiddleware answers 500 and raises the error again; uvicorn then
closes the connection of an app that raised after starting its answer, so the request
Telegram sent next on it was reset. Served here by a real uvicorn on 127.0.0.1, with one
httpx connection: the broken update gets 200 (sent again, it would break again) and the
next update on the same connection is answered as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from telegram import Update

from bot.channels.web import SECRET_HEADER
from tests.inbound_support import inbound_club, watched_logs
from tests.telegram_support import SECRET

ANN = 7201


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port of 127.0.0.1; yields its base URL. The socket
    listens before uvicorn starts, so a request made at once waits to be accepted."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        listening.close()


def local_port(response: httpx.Response) -> int:
    """The client's end of the connection that carried `response`."""
    stream: Any = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


async def test_an_unexpected_error_leaves_the_connection_to_the_next_update(
    database_url: str,
) -> None:
    async with inbound_club(database_url) as inbound:
        assert inbound.tw.club.telegram is not None and inbound.tw.bot_api is not None
        channel = inbound.tw.club.telegram.channel
        handle = channel.handle_update
        broken = inbound.tw.bot_api.push_message(ANN, "a message that meets a bug")

        async def breaks_on_one(update: Update, retry_later: bool = False) -> bool:
            if update.update_id == broken["update_id"]:
                raise RuntimeError("a bug, with words Ann typed")
            return await handle(update, retry_later=retry_later)

        channel.handle_update = breaks_on_one  # type: ignore[method-assign]
        innocent = inbound.tw.bot_api.push_message(ANN, "/start")
        headers = {SECRET_HEADER: SECRET}
        with watched_logs() as logs:
            async with (
                served(inbound.tw.app) as url,
                httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1)) as client,
            ):
                first = await client.post("/telegram", json=broken, headers=headers)
                first_port = local_port(first)
                second = await client.post("/telegram", json=innocent, headers=headers)
                second_port = local_port(second)

        assert (first.status_code, second.status_code) == (200, 200)
        assert first_port == second_port  # one connection, kept alive
        assert inbound.tw.bot_api.sent_messages(ANN), "the innocent update was answered"
        [unexpected] = [line for line in logs.lines() if "unexpected" in line]
        assert "RuntimeError at bot/channels/web.py:" in unexpected
        assert logs.tracebacks() == []
        assert logs.mentioning(["a bug", "Ann typed", "meets a bug"]) == []
