"""The dispatcher's text-message sender: one or more texts through Twilio, within the
number's rate, never delivered after the session has started."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.delivery import Outcome, Outgoing, SendResult
from bot.rate_limit import RateLimiter
from bot.twilio.errors import outcome_for
from bot.twilio.sms_text import render_sms, split_text
from config import Catalogue
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
    ) -> None:
        self._client = client
        self._sender = sender
        self._catalogue = catalogue
        self._limiter = limiter
        self._status_callback = status_callback
        self._clock = clock

    async def send(self, message: Outgoing) -> SendResult:
        extra: dict[str, object] = {}
        if message.expires_at is not None:
            seconds = int((message.expires_at - self._clock()).total_seconds())
            if seconds < 1:
                return SendResult(Outcome.PERMANENT, error="too late: the session has started")
            extra["validity_period"] = min(seconds, LONGEST_VALIDITY_SECONDS)
        if self._status_callback:
            extra["status_callback"] = self._status_callback
        words = render_sms(self._catalogue, message.language, message.reply)
        sids: list[str] = []
        for piece in split_text(words):
            await self._limiter.acquire("sms")
            try:
                created = await self._client.messages.create_async(
                    to=message.handle, body=piece, **self._sender, **extra
                )
            except TwilioRestException as error:
                outcome, reason = outcome_for(error.code, error.status)
                if sids:  # part of it went: retrying would repeat that part
                    return SendResult(Outcome.SENT, provider_id=sids[0], error=reason)
                return SendResult(outcome, error=reason, retry_after=_wait(error.status))
            except (httpx.TransportError, TimeoutError) as error:
                if sids:
                    return SendResult(Outcome.SENT, provider_id=sids[0], error="partly sent")
                return SendResult(Outcome.RETRY, error=type(error).__name__)
            sids.append(str(created.sid))
        return SendResult(Outcome.SENT, provider_id=sids[0] if sids else None)


def _wait(status: int | None) -> float | None:
    return 1.0 if status == 429 else None
