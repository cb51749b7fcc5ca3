"""The dispatcher's text-message sender: one or more texts through Twilio, within the
number's rate, never delivered after the session has started."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from twilio.rest import Client

from bot.channels.twilio.errors import FAILURES, TOO_LATE, result_of
from bot.channels.twilio.pacing import SendWindow
from bot.channels.twilio.sms_text import render_sms, split_text
from bot.outbox.delivery import Outcome, Outgoing, SendResult
from bot.outbox.rate_limit import RateLimiter
from conversations import (
    Catalogue,
)
from storage.models import utc_now

__all__ = ["SmsSender"]

log = logging.getLogger(__name__)

LONGEST_VALIDITY_SECONDS = 36_000
"""Twilio keeps a queued text at most ten hours."""


class SmsSender:
    channel = "sms"

    def __init__(
        self,
        client: Client,
        sender: dict[str, str],
        catalogue: Catalogue,
        limiter: RateLimiter,
        status_callback: str | None,
        clock: Callable[[], datetime] = utc_now,
        window: SendWindow | None = None,
    ) -> None:
        self._messages = client.messages
        """Loaded now: twilio-python imports its REST modules on first use (~0.15 s),
        which would hold up the first paced send and bunch the next ones after it."""
        self._sender = sender
        self._catalogue = catalogue
        self._limiter = limiter
        self._status_callback = status_callback
        self._clock = clock
        self._window = window

    @property
    def interval(self) -> float:
        """Seconds between two sends (0 when unlimited)."""
        return self._limiter.interval

    async def send(self, message: Outgoing) -> SendResult:
        # Our turn first: the validity period then counts the wait for it, and a batch's
        # rendering does not hold up its first text (which would bunch the next ones
        # into Twilio's per-number window).
        await self._limiter.acquire("sms")
        extra: dict[str, object] = {}
        if message.expires_at is not None:
            seconds = int((message.expires_at - self._clock()).total_seconds())
            if seconds < 1:  # held up past the start: the dispatcher will skip it next time
                return SendResult(Outcome.RETRY, error=TOO_LATE)
            extra["validity_period"] = min(seconds, LONGEST_VALIDITY_SECONDS)
        if self._status_callback:
            extra["status_callback"] = self._status_callback
        words = render_sms(self._catalogue, message.language, message.reply)
        sids: list[str] = []
        for index, piece in enumerate(split_text(words)):
            if index:
                await self._limiter.acquire("sms")
            try:
                async with self._window.turn() if self._window else contextlib.nullcontext():
                    created = await self._messages.create_async(
                        to=message.handle, body=piece, **self._sender, **extra
                    )
            except FAILURES as error:
                failed = result_of(error)
                if sids:  # part of it went: retrying would repeat that part
                    return SendResult(Outcome.SENT, provider_id=sids[0], error=failed.error)
                return failed
            sids.append(str(created.sid))
        return SendResult(Outcome.SENT, provider_id=sids[0] if sids else None)
