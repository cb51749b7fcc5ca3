"""Coordinators without Telegram hear about help requests, opt-outs, newcomers and people
who cannot be reached by a text message, straight away."""

from __future__ import annotations

import contextlib
import logging
from functools import partial

from twilio.rest import Client

from bot.channels.twilio.errors import Refused, call
from bot.channels.twilio.pacing import SendWindow
from bot.channels.twilio.sms_text import gsm_safe, split_text
from bot.outbox.account_trouble import AccountTrouble
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
    of texts, and is not told on Telegram already (while Telegram refuses the club's
    token, those on Telegram are texted too)."""

    def __init__(
        self,
        client: Client,
        sender: dict[str, str],
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        limiter: RateLimiter,
        telegram_enabled: bool,
        trouble: AccountTrouble,
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
        self._trouble = trouble
        self._window = window

    async def send(self, message: Text, attachment: str) -> None:
        async with self._units() as uow:
            coordinators: list[tuple[str, str]] = []
            telegram = self._telegram_enabled and not self._trouble.refused("telegram")
            for person in await uow.people.with_role("coordinator"):
                number = handle_on(person, "sms")
                on_telegram = telegram and person.telegram_id is not None
                if number is None or on_telegram:
                    continue
                if "sms" in await uow.people.unreachable_channels(person.id):
                    continue
                coordinators.append((number, person.language))
        for number, language in coordinators:
            words = gsm_safe(self._catalogue.render(language, message))
            for piece in split_text(words):
                try:
                    await call(partial(self._text, number, piece))
                except Refused as refused:
                    log.warning("a coordinator could not be texted: %s", refused.result.error)
                    break

    async def _text(self, number: str, words: str) -> None:
        await self._limiter.acquire("sms")
        async with self._window.turn() if self._window else contextlib.nullcontext():
            await self._messages.create_async(to=number, body=words, **self._sender)
