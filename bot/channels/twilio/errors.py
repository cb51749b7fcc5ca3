"""How the club calls Twilio, decided here for every call: texts and calls from the outbox,
coordinators' texts, and the delivery reports Twilio sends back.

What an error means (`outcome_for`): a way closed to one person (opted out, no such
number, a landline) moves them to their next channel; a passing failure is tried again;
a refusal of the club's own account (wrong credentials, a suspended account, a number or
country the account may not use) is the club's problem and marks nobody. A text sent
while someone waits (`call`: a coordinator's alert) is tried again here, in process; the
outbox's sends are tried once, and their waiting is kept in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import wait_exponential
from twilio.base.exceptions import TwilioRestException

from bot.outbox.delivery import Outcome, SendResult
from bot.outbox.retrying import tried

__all__ = [
    "FAILURES",
    "OPTED_OUT",
    "TIMEOUT_SECONDS",
    "TOO_LATE",
    "Refused",
    "call",
    "outcome_for",
    "result_of",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

OPTED_OUT = 21610
PERMANENT = {
    21610: "opted out",
    21211: "not a valid number",
    21614: "not a mobile number",
    21612: "cannot reach this number",
    30003: "unreachable",
    30005: "unknown number",
    30006: "landline or unreachable carrier",
    30004: "message blocked",
    30007: "filtered as spam",
}
PASSING = {30001: "queue overflow", 20429: "too many requests", 30008: "unknown error"}
ACCOUNT = {
    20003: "the club's Twilio credentials were refused",
    20005: "the club's Twilio account is not active",
    30002: "the club's Twilio account is suspended",
    21212: "the club's number is not valid for sending",
    21606: "the club's number cannot send this message",
    21661: "the club's number cannot send texts",
    21608: "a trial account reaches only verified numbers",
    21219: "a trial account reaches only verified numbers",
    21408: "the club's account may not send to that country",
    21215: "the club's account may not call that country",
}
UNAUTHORISED = 401
SERVER_ERROR = 500
TOO_MANY = 429
TOO_LATE = "too late: the session has started"
"""Not sent because the moment passed while it waited; the number itself is fine."""
TIMEOUT_SECONDS = 15.0
"""A request to Twilio that takes longer has timed out (a passing failure)."""
FAILURES = (TwilioRestException, httpx.TransportError, TimeoutError)
"""What a call to Twilio raises when it does not go."""
TRIES = 3
FIRST_BACKOFF_SECONDS = 1.0


def outcome_for(code: int | None, http_status: int | None = None) -> tuple[Outcome, str]:
    """The one reading of a Twilio error code (or, without one, its HTTP status)."""
    if code in ACCOUNT:
        return Outcome.ACCOUNT, ACCOUNT[code]
    if http_status == UNAUTHORISED:
        return Outcome.ACCOUNT, ACCOUNT[20003]
    if code in PERMANENT:
        return Outcome.PERMANENT, PERMANENT[code]
    if code in PASSING:
        return Outcome.RETRY, PASSING[code]
    if http_status is not None and http_status >= SERVER_ERROR:
        return Outcome.RETRY, f"server error {http_status}"
    if http_status == TOO_MANY:
        return Outcome.RETRY, "too many requests"
    return Outcome.PERMANENT, f"refused ({code or http_status})"


def result_of(error: BaseException) -> SendResult:
    """A send that raised one of `FAILURES`, as the outbox records it."""
    if isinstance(error, TwilioRestException):
        outcome, reason = outcome_for(error.code, error.status)
        wait = 1.0 if error.status == TOO_MANY else None
        return SendResult(outcome, error=reason, retry_after=wait)
    return SendResult(Outcome.RETRY, error=type(error).__name__)


class Refused(Exception):
    """A call to Twilio that did not go, with what that means."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


async def call(request: Callable[[], Awaitable[T]], tries: int = TRIES) -> T:
    """Make a call for someone waiting: passing failures are tried again after a growing
    pause, `tries` times in all; raises Refused with what it means when it does not go."""
    try:
        return await tried(
            request, tries, wait_exponential(multiplier=FIRST_BACKOFF_SECONDS), _passing
        )
    except FAILURES as error:
        raise Refused(result_of(error)) from None


def _passing(error: BaseException) -> bool:
    return isinstance(error, FAILURES) and result_of(error).outcome is Outcome.RETRY
