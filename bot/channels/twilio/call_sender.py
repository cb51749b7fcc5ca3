"""The dispatcher's phone-call sender: rings the person; when they answer, Twilio asks
POST /twilio/voice for what to say, which speaks the question opened for them. A message
that asks nothing (a notice) has no question to open, so its words go with the call.

Everything the call may say is spoken and cached before the number is rung (the
question, each answer's read-back, the kind "Sorry"), so when the person answers the
first words start at once instead of after seconds of silence while speech is made."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from twilio.rest import Client

from bot.channels.twilio.errors import FAILURES, TOO_LATE, result_of
from bot.channels.twilio.listening import answers_of, left_message, read_back
from bot.channels.twilio.voice import AudioUrl, spoken_with_keys, twiml_for
from bot.outbox.delivery import Outcome, Outgoing, SendResult
from bot.outbox.rate_limit import RateLimiter
from conversations import Catalogue, Reply, text
from storage.models import utc_now

__all__ = ["CallSender"]

RING_SECONDS = 40
"""Answering machines wait for the greeting to end (DetectMessageEnd), then hear the
whole reminder (`call_answers.py`)."""


class CallSender:
    channel = "voice"

    def __init__(
        self,
        client: Client,
        from_number: str,
        public_url: str,
        limiter: RateLimiter,
        clock: Callable[[], datetime] = utc_now,
        *,
        catalogue: Catalogue,
        audio: AudioUrl,
    ) -> None:
        self._calls = client.calls
        """Loaded now: twilio-python imports its REST modules on first use (~0.15 s),
        which would hold up the first paced send and bunch the next ones after it."""
        self._from = from_number
        self._public_url = public_url
        self._limiter = limiter
        self._clock = clock
        self._catalogue = catalogue
        self._audio = audio

    @property
    def interval(self) -> float:
        """Seconds between two sends (0 when unlimited)."""
        return self._limiter.interval

    async def send(self, message: Outgoing) -> SendResult:
        if message.expires_at is not None and message.expires_at <= self._clock():
            # Held up past the start: the dispatcher skips it next time. Not PERMANENT,
            # which would close this way to the person for good.
            return SendResult(Outcome.RETRY, error=TOO_LATE)
        says: dict[str, object] = {"url": f"{self._public_url}/twilio/voice?round=1"}
        if not message.reply.choices:
            says = {"twiml": await self._words(message)}
        else:
            await self._ready(message.reply, message.language)
        await self._limiter.acquire("voice")
        try:
            call = await self._calls.create_async(
                to=message.handle,
                from_=self._from,
                **says,
                method="POST",
                status_callback=f"{self._public_url}/twilio/status",
                status_callback_event=["completed"],
                timeout=RING_SECONDS,
                machine_detection="DetectMessageEnd",
            )
        except FAILURES as error:
            return result_of(error)
        return SendResult(Outcome.SENT, provider_id=str(call.sid))

    async def _ready(self, question: Reply, language: str) -> None:
        """Make (or find) the audio of everything the call may say first, side by side."""
        replies = [question, Reply((text("voice.not_caught"),)), left_message(question)]
        for digit in range(1, len(answers_of(question)) + 1):
            checking = read_back(question, str(digit))
            if checking is not None:
                replies.append(checking)
        words = [spoken_with_keys(self._catalogue, language, reply) for reply in replies]
        await asyncio.gather(*(self._audio(said, language) for said in words))

    async def _words(self, message: Outgoing) -> str:
        """TwiML that speaks a notice (the club's recording, or Twilio's voice), then ends."""
        return await twiml_for(
            self._catalogue, message.language, [message.reply], "", None, self._audio
        )
