"""In-process retries, by tenacity, for provider calls made while someone waits (a reply,
a coordinator's alert). Each channel's sending policy says which failures pass and how
long to pause; the outbox's own retries are kept in the database (`bot.outbox.policy`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import WaitBaseT

__all__ = ["tried"]

T = TypeVar("T")


async def tried(
    request: Callable[[], Awaitable[T]],
    tries: int,
    pause: WaitBaseT,
    passing: Callable[[BaseException], bool],
    before_pause: Callable[[RetryCallState], None] | None = None,
) -> T:
    """`request`, again after each `passing` failure, `tries` times in all; the last
    failure (or one that does not pass) is raised as it came."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(tries),
        wait=pause,
        retry=retry_if_exception(passing),
        before_sleep=before_pause,
        reraise=True,
    )
    async for attempt in retrying:  # a lambda is not a coroutine function: await it here
        with attempt:
            return await request()
    raise AssertionError("tenacity stops by raising")
