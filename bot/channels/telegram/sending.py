"""Calling the Bot API through its failures: flood waits, timeouts, server errors, blocks."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

__all__ = ["ChatUnreachable", "retry_seconds", "with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")

TRIES = 4
FIRST_BACKOFF_SECONDS = 0.5
LONGEST_FLOOD_WAIT_SECONDS = 60.0


class ChatUnreachable(Exception):
    """The person blocked the bot or the chat is gone: stop using Telegram for them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_seconds(error: RetryAfter) -> float:
    """The flood wait Telegram asked for, in seconds."""
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta; both work
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def with_retries(call: Callable[[], Awaitable[T]], tries: int = TRIES) -> T | None:
    """Run `call`, waiting out 429s and backing off on timeouts and 5xx.

    Returns None when Telegram refuses the request itself (400) or every try failed;
    raises ChatUnreachable on 403, so the caller can fall back to another channel.
    """
    backoff = FIRST_BACKOFF_SECONDS
    for attempt in range(1, tries + 1):
        try:
            return await call()
        except RetryAfter as error:
            await asyncio.sleep(min(max(retry_seconds(error), 0.0), LONGEST_FLOOD_WAIT_SECONDS))
        except Forbidden as error:
            raise ChatUnreachable(
                "blocked" if "blocked" in error.message else "forbidden"
            ) from None
        except BadRequest as error:
            log.warning("Telegram refused a request: %s", type(error).__name__)
            return None
        except (TimedOut, NetworkError) as error:
            if attempt == tries:
                log.warning("Telegram unreachable after %d tries: %s", tries, type(error).__name__)
                return None
            await asyncio.sleep(backoff)
            backoff *= 2
    return None
