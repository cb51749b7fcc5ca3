"""The dispatcher's phone-call sender: rings the person; when they answer, Twilio asks
POST /twilio/voice for what to say, which speaks the question opened for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.delivery import Outcome, Outgoing, SendResult
from bot.rate_limit import RateLimiter
from bot.twilio.errors import outcome_for
from storage.models import utc_now

__all__ = ["CallSender"]

RING_SECONDS = 40


class CallSender:
    channel = "voice"

    def __init__(
        self,
        client: Client,
        from_number: str,
        public_url: str,
        limiter: RateLimiter,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._from = from_number
        self._public_url = public_url
        self._limiter = limiter
        self._clock = clock

    async def send(self, message: Outgoing) -> SendResult:
        if message.expires_at is not None and message.expires_at <= self._clock():
            return SendResult(Outcome.PERMANENT, error="too late: the session has started")
        await self._limiter.acquire("voice")
        try:
            call = await self._client.calls.create_async(
                to=message.handle,
                from_=self._from,
                url=f"{self._public_url}/twilio/voice?round=1",
                method="POST",
                status_callback=f"{self._public_url}/twilio/status",
                status_callback_event=["completed"],
                timeout=RING_SECONDS,
            )
        except TwilioRestException as error:
            outcome, reason = outcome_for(error.code, error.status)
            return SendResult(outcome, error=reason)
        except (httpx.TransportError, TimeoutError) as error:
            return SendResult(Outcome.RETRY, error=type(error).__name__)
        return SendResult(Outcome.SENT, provider_id=str(call.sid))
