"""Coordinators without Telegram hear about help requests, opt-outs, newcomers and people
who cannot be reached by a text message, straight away."""

from __future__ import annotations

import contextlib
import logging

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.twilio.pacing import SendWindow
from bot.channels.twilio.sms_text import gsm_safe, split_text
from bot.outbox.rate_limit import RateLimiter
from conversations import (
    Catalogue,
    Text,
)
from storage import UnitOfWorkFactory
from storage.people import handle_on

__all__ = ["TextAlerts"]

log = logging.getLogger(__name__)


class TextAlerts:
    """An alert sink: texts each coordinator who has a mobile number, has not opted out
    of texts, and is not told on Telegram already."""

    def __init__(
        self,
        client: Client,
        sender: dict[str, str],
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        limiter: RateLimiter,
        telegram_enabled: bool,
        window: SendWindow | None = None,
    ) -> None:
        self._messages = client.messages
        """Loaded now: twilio-python imports its REST modules on first use (~0.15 s),
        which would hold up the first paced send and bunch the next ones after it."""
        self._sender = sender
        self._catalogue = catalogue
        self._units = units
        self._limiter = limiter
        self._telegram_enabled = telegram_enabled
        self._window = window

    async def send(self, message: Text, attachment: str) -> None:
        async with self._units() as uow:
            coordinators: list[tuple[str, str]] = []
            for person in await uow.people.with_role("coordinator"):
                number = handle_on(person, "sms")
                on_telegram = self._telegram_enabled and person.telegram_id is not None
                if number is None or on_telegram:
                    continue
                if "sms" in await uow.people.unreachable_channels(person.id):
                    continue
                coordinators.append((number, person.language))
        for number, language in coordinators:
            words = gsm_safe(self._catalogue.render(language, message))
            for piece in split_text(words):
                await self._limiter.acquire("sms")
                try:
                    async with self._window.turn() if self._window else contextlib.nullcontext():
                        await self._messages.create_async(to=number, body=piece, **self._sender)
                except (TwilioRestException, httpx.TransportError, TimeoutError) as error:
                    log.warning("a coordinator could not be texted: %s", type(error).__name__)
                    break
