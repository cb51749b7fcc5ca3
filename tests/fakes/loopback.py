"""Serving a fake far end: a Starlette app on 127.0.0.1 at a free port, in the test's own
event loop, started and stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

__all__ = ["LoopbackServer"]


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers, so Ctrl-C still reaches the test runner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


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
            timeout_graceful_shutdown=5,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"the {self._name} stopped while starting")
            await asyncio.sleep(0.005)
        return port

    async def stop(self) -> None:
        """Shut uvicorn down, forcing it after ten seconds."""
        if self._task is None or self._server is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=10)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        finally:
            self._task = None
            self._server = None
