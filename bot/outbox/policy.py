"""What the outbox does when a send fails, decided here for every channel: try again
later (when, and how many times), move the message to the person's next channel, or keep
it while the club's own account is refused. The dispatcher settles refusals here, and
Twilio's delivery reports settle theirs here too.

In-process retries (a timeout tried again at once) belong to each channel's sending
policy; this is the outbox's patience, kept in the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox.composer import Composer
from bot.outbox.delivery import Outcome
from bot.outbox.fallback import fall_back
from bot.outbox.replies import REPLY
from storage import UnitOfWork
from storage.outbox import Status

__all__ = ["ACCOUNT_WAIT", "Failure", "RetryPolicy", "policy_for", "settle_failure"]


@dataclass(frozen=True)
class RetryPolicy:
    """How one channel's passing failures are tried again from the outbox."""

    most_attempts: int = 6
    """Sends refused in passing before the message moves to the person's next channel."""
    first_backoff: timedelta = timedelta(seconds=5)
    """The wait after the first refusal, doubling each time (unless the provider says)."""
    most_reported: int = 3
    """Sends reported failed in passing (undelivered, a call not answered) before moving on."""
    after_report: timedelta = timedelta(0)
    """The wait after such a report."""


POLICIES = {"voice": RetryPolicy(most_reported=2, after_report=timedelta(minutes=30))}
"""A call not answered is rung once more after half an hour (then the person's carer is
told: `not_answered.py`); a text not delivered is tried again at once."""
DEFAULT = RetryPolicy()
ACCOUNT_WAIT = timedelta(minutes=5)
"""While the club's own account is refused, each message waits this long between tries."""


def policy_for(channel: str) -> RetryPolicy:
    return POLICIES.get(channel, DEFAULT)


@dataclass(frozen=True)
class Failure:
    """A send that did not go (or was reported lost), as the channel read it."""

    row_id: int
    channel: str
    attempts: int
    outcome: Outcome
    reason: str
    retry_after: float | None = None
    reported: bool = False
    """Told by a delivery report, after the provider had taken the message."""
    person_id: int | None = None
    kind: str = ""


async def settle_failure(
    uow: UnitOfWork,
    composer: Composer,
    channels: Collection[str],
    failure: Failure,
    now: datetime,
) -> tuple[str, str] | None:
    """Try again later, keep the message for the club's account, or fall back. Returns
    (person's name, failed channel) when the coordinators must hear of a fall back."""
    policy = policy_for(failure.channel)
    if failure.outcome is Outcome.ACCOUNT:  # nobody is marked: the club must act
        await uow.outbox.keep_for_later(failure.row_id, now + ACCOUNT_WAIT, failure.reason)
        await _in_line(uow, failure)
        return None
    most = policy.most_reported if failure.reported else policy.most_attempts
    if failure.outcome is Outcome.RETRY and failure.attempts < most:
        await uow.outbox.settle(
            failure.row_id, Status.PENDING, error=failure.reason, due_at=now + _wait(failure)
        )
        await _in_line(uow, failure)
        return None
    permanent = failure.outcome is Outcome.PERMANENT
    return await fall_back(uow, composer, channels, failure.row_id, failure.reason, permanent, now)


async def _in_line(uow: UnitOfWork, failure: Failure) -> None:
    """A reply that waits again keeps its place: the person's later replies wait behind."""
    if failure.kind == REPLY and failure.person_id is not None:
        await uow.outbox.keep_in_line(failure.row_id, failure.person_id, REPLY)


def _wait(failure: Failure) -> timedelta:
    policy = policy_for(failure.channel)
    if failure.reported:
        return policy.after_report
    if failure.retry_after is not None:
        return timedelta(seconds=failure.retry_after)
    return policy.first_backoff * (1 << max(0, failure.attempts - 1))
