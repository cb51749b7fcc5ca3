"""Keeping inside Twilio's per-number window by when texts really reached Twilio.

The rate limiter books evenly spaced moments. On a busy machine one request can reach
Twilio tens of milliseconds after its moment (its task woke late, or it waited on the way)
while the next ones arrive on time, and then one too many land in some one-second window
of Twilio's count. `SendWindow` holds a send until the one a window's worth back has had
its answer (so it has certainly arrived) a full window ago. When requests go on time and
are answered quickly, the limiter's own spacing is the longer wait and this never holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

__all__ = ["SendWindow"]


class SendWindow:
    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._count = max(1, int(per_second))
        self._span = self._count / per_second
        """`count` texts at most in any `span` seconds (5 in 1 s; 1 in 2 s at 0.5 a second)."""
        self._answered: deque[asyncio.Future[float]] = deque(maxlen=self._count)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait, if need be, then send inside the block; its end marks the answer."""
        async with self._lock:
            if len(self._answered) == self._count:
                answered = await self._answered[0]
                wait = answered + self._span - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            self._answered.append(done)
        try:
            yield
        finally:
            done.set_result(self._clock())
