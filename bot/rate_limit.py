"""Sending within a provider's limits: so many a second overall, and per recipient.

A sliding one-second window, like the limits Telegram and the fakes enforce, with a
small margin so that messages arriving a little bunched up still fit.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

__all__ = ["RateLimiter"]

MARGIN_SECONDS = 0.02
WINDOW_SECONDS = 1.0


class RateLimiter:
    def __init__(
        self,
        per_second: float | None,
        per_key_per_second: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = int(per_second) if per_second else None
        self._per_key = int(per_key_per_second) if per_key_per_second else None
        self._clock = clock
        self._sent: deque[float] = deque()
        self._by_key: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """The provider asked us to wait (429 with retry_after): hold everything."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_for(self, key: str, now: float) -> float:
        window = WINDOW_SECONDS + MARGIN_SECONDS
        wait = max(0.0, self._paused_until - now)
        sent = self._sent
        while sent and sent[0] <= now - window:
            sent.popleft()
        if self._overall is not None and len(sent) >= self._overall:
            wait = max(wait, sent[len(sent) - self._overall] + window - now)
        mine = self._by_key.get(key)
        if mine is not None:
            while mine and mine[0] <= now - window:
                mine.popleft()
            if self._per_key is not None and len(mine) >= self._per_key:
                wait = max(wait, mine[len(mine) - self._per_key] + window - now)
        return wait

    async def acquire(self, key: str) -> None:
        """Wait until one more message to `key` fits both limits, then count it."""
        while True:
            async with self._lock:
                now = self._clock()
                wait = self._wait_for(key, now)
                if wait <= 0:
                    self._sent.append(now)
                    if self._per_key is not None:
                        self._by_key.setdefault(key, deque()).append(now)
                    self._forget_idle(now)
                    return
            await asyncio.sleep(wait)

    def _forget_idle(self, now: float) -> None:
        if len(self._by_key) < 10_000:
            return
        idle = [key for key, sent in self._by_key.items() if not sent or sent[-1] < now - 2]
        for key in idle:
            del self._by_key[key]
