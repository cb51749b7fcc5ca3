"""Twilio's webhooks: texts in, phone calls answered by keypad, and delivery reports.

Every request is checked against X-Twilio-Signature (`form.signed_form`); anything forged
gets 403 and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.twilio.call_answers import CallAnswers, goodbye
from bot.channels.twilio.errors import outcome_for
from bot.channels.twilio.form import inbound_key, signed_form
from bot.channels.twilio.sms_text import render_sms
from bot.channels.twilio.voice import AudioUrlFor
from bot.outbox.account_trouble import AccountTrouble
from bot.outbox.composer import Composer
from bot.outbox.delivery import Outcome
from bot.outbox.not_answered import NOT_ANSWERED, tell_carers
from bot.outbox.policy import Failure, settle_failure
from bot.service.alerts import CoordinatorAlerts
from bot.service.dialogue import Dialogue
from conversations import (
    Catalogue,
    Input,
    Reply,
    text,
)
from storage import UnitOfWorkFactory
from storage.models import utc_now
from storage.outbox import Status

__all__ = ["TwilioWebhooks"]

log = logging.getLogger(__name__)

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO"}
DONE = {"delivered", "read", "completed"}
FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}
"""Reports that settle a row; "queued", "sent", "ringing" and the like change nothing, so a
late "sent" after "delivered" is ignored: a row's state only moves forward."""
XML = "application/xml"


def _empty_twiml() -> Response:
    return Response(str(MessagingResponse()), media_type=XML)


class TwilioWebhooks:
    def __init__(
        self,
        auth_token: str,
        public_url: str,
        club_number: str | None,
        dialogue: Dialogue,
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        alerts: CoordinatorAlerts,
        composer: Composer,
        channels: Collection[str],
        audio_url: AudioUrlFor,
        club_name: str,
        trouble: AccountTrouble,
    ) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url
        self._club_number = club_number
        self._dialogue = dialogue
        self._catalogue = catalogue
        self._units = units
        self._alerts = alerts
        self._composer = composer
        self._channels = channels
        self._club_name = club_name
        self._trouble = trouble
        self._calls = CallAnswers(
            self._validator, public_url, dialogue, catalogue, units, alerts, audio_url, club_name
        )

    async def sms(self, request: Request) -> Response:
        form = await signed_form(request, self._validator, self._public_url)
        if form is None:
            return PlainTextResponse("Forbidden", status_code=403)
        sender, sid = form.phone("From"), form.provider_id("MessageSid")
        if not sender or not sid or not self._for_us(form.value("To")):
            return _empty_twiml()
        word = form.value("Body").strip().upper()
        address = f"sms:{sender}"
        if word in OPT_OUT:
            await self._opt_out(address, sid)
            return _empty_twiml()
        replies: list[Reply]
        if word in OPT_IN | HELP_WORDS:
            if word in OPT_IN:
                await self._opt_in(address)
            key = "sms.opted_in" if word in OPT_IN else "sms.help"
            replies = [Reply((text(key, club=self._club_name),))]
            language = await self._language_of(address) or "en"
        else:
            body = form.value("Body")
            media = (form.number("NumMedia") or 0) > 0
            said = Input.other() if media and not body.strip() else Input.typed(body)
            await self._note_newcomer(address, "sms", sender)
            answer = await self._dialogue.handle(address, said, once=f"sms:{inbound_key(sid)}")
            if answer.duplicate:
                return _empty_twiml()
            replies, language = answer.replies, answer.language
        response = MessagingResponse()
        for reply in replies:
            response.message(render_sms(self._catalogue, language, reply))
        return Response(str(response), media_type=XML)

    def _for_us(self, to: str) -> bool:
        return self._club_number is None or not to or to == self._club_number

    async def _opt_out(self, address: str, sid: str) -> None:
        async with self._units() as uow:
            if not await uow.records.first_sighting("sms", inbound_key(sid)):
                return
            person = await uow.people.by_address(address)
            newly = person is not None and await uow.people.mark_unreachable(
                person.id, "sms", "opted out"
            )
            name = person.name if person else ""
            await uow.commit()
        if newly:
            await self._alerts.tell(text("coordinator.opted_out", who=name))

    async def _opt_in(self, address: str) -> None:
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            if person is not None:
                await uow.people.mark_reachable(person.id, "sms")
            await uow.commit()

    async def _note_newcomer(self, address: str, channel: str, number: str) -> None:
        """The first message from an unknown number: the coordinator hears of it."""
        async with self._units() as uow:
            known = await uow.people.by_address(address) is not None
            started = await uow.records.position(address) is not None
        if not known and not started:
            await self._alerts.tell(
                text("coordinator.new_number", channel=text(f"channel.{channel}"), number=number)
            )

    async def voice(self, request: Request) -> Response:
        return await self._calls.voice(request)

    async def _person_of(self, address: str) -> tuple[int, str] | None:
        """The person's id and language, or None for a number the club does not know."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            return None if person is None else (person.id, person.language)

    async def _language_of(self, address: str) -> str | None:
        known = await self._person_of(address)
        return known[1] if known else None

    def apologies(self) -> dict[str, Response]:
        """What a text and a call are answered when something unexpected went wrong (the
        web app's last resort): a kind line, never Twilio's "an application error"."""
        sorry = MessagingResponse()
        sorry.message(self._catalogue.render("en", text("common.busy")))
        return {
            "/twilio/sms": Response(str(sorry), media_type=XML),
            "/twilio/voice": goodbye(self._catalogue, "common.busy", "en", self._club_name),
        }

    async def status(self, request: Request) -> Response:
        form = await signed_form(request, self._validator, self._public_url)
        if form is None:
            return PlainTextResponse("Forbidden", status_code=403)
        sid = form.provider_id("MessageSid", "CallSid")
        reported = (form.value("MessageStatus") or form.value("CallStatus")).lower()
        if sid and reported in DONE | FAILED:
            lost = await self._settle(sid, reported, form.number("ErrorCode"))
            if lost is not None:
                await self._alerts.unreachable(*lost)
        return PlainTextResponse("ok")

    async def _settle(self, sid: str, reported: str, code: int | None) -> tuple[str, str] | None:
        """Move the row's state forward only; a failure is settled as the outbox's policy
        says (tried again later, moved to the person's next channel, or kept while the
        club's account is refused)."""
        now = utc_now()
        lost = nobody = None
        async with self._units() as uow:
            row = await uow.outbox.by_provider_id(sid)
            if row is None or row.status in {Status.DELIVERED, Status.FAILED}:
                return None
            if reported in DONE:
                await uow.outbox.settle(row.id, Status.DELIVERED)
                failure = None
            else:
                outcome, reason = outcome_for(code) if code else (Outcome.RETRY, reported)
                failure = Failure(row.id, row.channel, row.attempts, outcome, reason, reported=True)
                lost = await settle_failure(uow, self._composer, self._channels, failure, now)
                if lost is not None and row.channel == "voice" and reported in NOT_ANSWERED:
                    nobody = await tell_carers(uow, row, now)
            await uow.commit()
        if nobody is not None:
            await self._alerts.tell(text("coordinator.not_answered", who=nobody))
        if failure is not None and failure.outcome is Outcome.ACCOUNT:
            told = self._trouble.noticed(failure.channel, failure.reason)
            if told is not None:
                await self._alerts.tell(told)
        return lost
