"""Local mode: the web app (and so the coordinator's web page) served beside the terminal
chat, with a sign-in link for the demo coordinator printed as it starts, so a newcomer
opens the page in one click. Ctrl+C and Ctrl+D stay the chat's: uvicorn is not given the
signals. A port already in use is one line, and the chat goes on without the page."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.applications import Starlette

from bot.channels.dashboard import Site, link_for

__all__ = ["DEMO_COORDINATOR_NAME", "web_beside"]

DEMO_COORDINATOR_NAME = "Sam"


class _Quiet(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def web_beside(web: Starlette, site: Site, host: str, port: int) -> AsyncIterator[None]:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError:
        listening.close()
        print(f"The coordinator's web page is not served: port {port} is in use (PORT).")
        yield
        return
    server = _Quiet(uvicorn.Config(web, log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    link = await link_for(site, DEMO_COORDINATOR_NAME)
    if link is not None:
        print(f"The coordinator's web page, signed in as {DEMO_COORDINATOR_NAME}: {link}")
    try:
        yield
    finally:
        server.should_exit = True
        await serving
        listening.close()
