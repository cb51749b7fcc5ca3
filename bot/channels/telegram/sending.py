"""How the club calls the Bot API, decided here for every call: replies, coordinators'
alerts, a notice's progress, the committee's report and the dispatcher's sends.

What a failure means (`verdict_for`): a flood wait, a timeout or a server error passes;
a blocked or vanished chat closes Telegram to that person; a refused token is the club's
problem, never the person's. A call made while someone waits (`call`) is tried again here,
in process: flood waits are waited out (up to a minute), timeouts and server errors after
a growing pause, a few times in all. The dispatcher tries each row once and leaves the
waiting to the outbox, whose backoff is kept in the database.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning
from tenacity import RetryCallState

from bot.outbox.delivery import Outcome, SendResult
from bot.outbox.retrying import tried

__all__ = [
    "LONGEST_FLOOD_WAIT_SECONDS",
    "TIMEOUT_SECONDS",
    "Refused",
    "Verdict",
    "call",
    "result_of",
    "retry_seconds",
    "verdict_for",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_SECONDS = 15.0
"""Connecting, writing and reading: a request that takes longer has timed out."""
TRIES = 4
FIRST_BACKOFF_SECONDS = 0.5
LONGEST_FLOOD_WAIT_SECONDS = 60.0
"""A longer flood wait is not waited out in process: the call is given up as passing."""
CHAT_GONE = frozenset({"blocked", "forbidden"})


@dataclass(frozen=True)
class Verdict:
    """What a failed call means for the club."""

    outcome: Outcome
    reason: str
    """Short, and free of anything personal: it is logged and kept on outbox rows."""
    retry_after: float | None = None

    @property
    def chat_gone(self) -> bool:
        """The person blocked the bot or the chat is gone: Telegram no longer reaches them."""
        return self.outcome is Outcome.PERMANENT and self.reason in CHAT_GONE

    @property
    def request_refused(self) -> bool:
        """Telegram refused the request itself (a file id it forgot, an edit of nothing)."""
        return self.outcome is Outcome.PERMANENT and not self.chat_gone


class Refused(Exception):
    """A Bot API call that did not go, with what that means."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


def retry_seconds(error: RetryAfter) -> float:
    """The flood wait Telegram asked for, in seconds."""
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta; both work
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def verdict_for(error: TelegramError) -> Verdict:
    """The one reading of a Bot API failure, for every caller."""
    if isinstance(error, RetryAfter):
        return Verdict(Outcome.RETRY, "flood wait", max(0.0, retry_seconds(error)))
    if isinstance(error, InvalidToken):  # 401, or 404 for a token of the wrong shape
        return Verdict(Outcome.ACCOUNT, "the bot's token was refused")
    if isinstance(error, Forbidden):
        return Verdict(Outcome.PERMANENT, "blocked" if "blocked" in error.message else "forbidden")
    if isinstance(error, BadRequest | ChatMigrated):  # BadRequest before its base, NetworkError
        return Verdict(Outcome.PERMANENT, f"refused: {type(error).__name__}")
    return Verdict(Outcome.RETRY, type(error).__name__)  # timeouts, 5xx, the connection


def result_of(error: TelegramError) -> SendResult:
    """A dispatcher's send that failed, as the outbox records it."""
    verdict = verdict_for(error)
    return SendResult(verdict.outcome, error=verdict.reason, retry_after=verdict.retry_after)


async def call(
    request: Callable[[], Awaitable[T]],
    tries: int = TRIES,
    flood: Callable[[float], None] | None = None,
    wait_out_floods: bool = True,
) -> T:
    """Make a Bot API call for someone waiting: passing failures are tried again, `tries`
    times in all (`flood` hears of each flood wait first; without `wait_out_floods`, a
    flood wait is the caller's to keep, and ends the call). Raises Refused with the
    verdict when the call does not go."""
    passing = _passing if wait_out_floods else _passing_no_flood
    telling = None if flood is None else _telling(flood)
    try:
        return await tried(request, tries, _pause, passing, telling)
    except TelegramError as error:
        verdict = verdict_for(error)
        if verdict.outcome is Outcome.RETRY and not isinstance(error, RetryAfter):
            log.warning("Telegram did not take a call after %d tries: %s", tries, verdict.reason)
        raise Refused(verdict) from None


def _passing(error: BaseException) -> bool:
    if not isinstance(error, TelegramError):
        return False
    verdict = verdict_for(error)
    if verdict.retry_after is not None and verdict.retry_after > LONGEST_FLOOD_WAIT_SECONDS:
        return False
    return verdict.outcome is Outcome.RETRY


def _passing_no_flood(error: BaseException) -> bool:
    return not isinstance(error, RetryAfter) and _passing(error)


def _pause(state: RetryCallState) -> float:
    """A flood wait as long as Telegram asked; otherwise a pause that doubles each time."""
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, RetryAfter):
        return max(0.0, retry_seconds(error))
    return float(FIRST_BACKOFF_SECONDS * 2 ** (state.attempt_number - 1))


def _telling(flood: Callable[[float], None]) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RetryAfter):
            flood(retry_seconds(error))

    return before_sleep
