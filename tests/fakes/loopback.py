"""Serving a fake far end: a Starlette app on 127.0.0.1 at a free port, in the test's own
event loop, started and stopped cleanly and at once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette

__all__ = ["LoopbackFake", "LoopbackServer"]

DRAIN_SECONDS = 10.0
"""How long open connections may take to finish their answers when the server stops."""
DRAIN_LOOK_SECONDS = 0.002


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers (so Ctrl-C still reaches the test runner) and
    without its clock: uvicorn looks for "should exit" every 0.1 s and then sleeps another
    0.1 s on the way out, a fifth of a second for every test that starts a fake."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopping = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        await self.on_tick(0)  # the Date header, set once
        await self.stopping.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown, looking far more often than every 0.1 s."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_SECONDS
        while self.server_state.connections or self.server_state.tasks:
            if loop.time() >= deadline:
                for task in self.server_state.tasks:
                    task.cancel()
                break
            await asyncio.sleep(DRAIN_LOOK_SECONDS)
        for server in self.servers:
            await server.wait_closed()


class LoopbackServer:
    def __init__(self, app: Starlette, name: str) -> None:
        self._app = app
        self._name = name
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def start(self) -> int:
        """Serve and wait until ready; returns the port the OS gave."""
        if self._task is not None:
            raise RuntimeError(f"the {self._name} is already running")
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
        # when the listening socket says TCP, and without it every answer waits ~40 ms for
        # a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"the {self._name} stopped while starting")
            await asyncio.sleep(0.001)
        return port

    async def stop(self) -> None:
        """Stop accepting, let open answers finish (ten seconds at most), and return."""
        if self._task is None or self._server is None:
            return
        self._server.stopping.set()
        try:
            await self._task
        finally:
            self._task = None
            self._server = None


class LoopbackFake:
    """A fake far end served by a `LoopbackServer`: started and stopped (or `async with`),
    at the port the OS gave. `closing` is set when it stops, for requests it holds."""

    def __init__(self, app: Starlette, name: str) -> None:
        self._loopback = LoopbackServer(app, name)
        self._name = name
        self._closing = asyncio.Event()
        self._port: int | None = None

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port, in this event loop, and wait until ready."""
        self._closing = asyncio.Event()
        self._port = await self._loopback.start()

    def _release(self) -> None:
        """Let go of held requests as the fake stops (more than `closing` being set)."""

    async def stop(self) -> None:
        """Release held requests, then shut the server down."""
        if not self._loopback.running:
            return
        self._closing.set()
        self._release()
        await self._loopback.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port the OS gave at start, so parallel tests never collide."""
        if self._port is None:
            raise RuntimeError(f"the {self._name} is not started")
        return self._port
