"""Playing Twilio's side against the fake Twilio REST API, in a club that
`tests.clubs.twilio_club` built pointed at it (TWILIO_BASE_URL), with the demo club:
`text` posts a signed inbound text to the real web app, `answer`, `press`, `say` and
`stay_silent` follow a phone call through its TwiML, `report` posts a delivery report,
and `dispatch` runs the outbox dispatcher, whose texts and calls land in the fake.
Everything the coordinators are told is kept in `told`.

Webhooks are posted in process (`httpx.ASGITransport`) to the URL Twilio would use,
built from PUBLIC_URL, and signed there by twilio's own `RequestValidator`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from bot.bootstrap import Club
from bot.outbox.dispatcher import Dispatcher
from conversations import Text
from storage.models import (
    ClubSession,
    utc_now,
)
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi, PlacedCall, Webhook

__all__ = [
    "CLUB_NUMBER",
    "FAST_RATE",
    "LANDLINE",
    "MOBILE",
    "PUBLIC_URL",
    "SMS_URL",
    "STATUS_URL",
    "VOICE_URL",
    "Told",
    "TwilioClub",
    "Twiml",
    "add_session",
    "replies",
]

PUBLIC_URL = "https://club.example.org"
SMS_URL = f"{PUBLIC_URL}/twilio/sms"
VOICE_URL = f"{PUBLIC_URL}/twilio/voice"
STATUS_URL = f"{PUBLIC_URL}/twilio/status"
CLUB_NUMBER = "+447700900001"
MOBILE = "+447700900123"
LANDLINE = "+442079460018"
"""020 7946 0018: Ofcom's drama range for London landlines."""
FAST_RATE = 100.0
"""Texts and calls a second in tests that do not look at pacing."""


@dataclass
class Told:
    """An alert sink: what the coordinators were told, in English."""

    club: Club | None = None
    words: list[str] = field(default_factory=list)

    async def send(self, message: Text, attachment: str) -> None:
        assert self.club is not None
        self.words.append(self.club.catalogue.render("en", message))


@dataclass
class Twiml:
    """A TwiML answer to a call, read back: what is said or played, the Gather (if any),
    the Redirect on silence and whether the call ends."""

    xml: str
    root: ET.Element

    @classmethod
    def of(cls, webhook: Webhook) -> Twiml:
        assert webhook.status_code == 200, f"{webhook.status_code}: {webhook.text}"
        return cls(webhook.text, ET.fromstring(webhook.text))

    @property
    def verbs(self) -> list[str]:
        return [child.tag for child in self.root]

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def said(self) -> list[str]:
        """Every <Say> in order, inside a Gather or not."""
        return [element.text or "" for element in self.root.iter("Say")]

    @property
    def played(self) -> list[str]:
        return [element.text or "" for element in self.root.iter("Play")]

    @property
    def redirect(self) -> str | None:
        found = self.root.find("Redirect")
        return None if found is None else found.text

    @property
    def action(self) -> str:
        assert self.gather is not None, self.xml
        return self.gather.attrib["action"]

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None


@dataclass
class TwilioClub:
    fake: FakeTwilioApi
    club: Club
    told: Told
    bot_api: FakeBotApi | None = None
    _app: Starlette | None = None

    @property
    def app(self) -> Starlette:
        if self._app is None:
            self._app = self.club.web
        return self._app

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    # ----------------------------------------------------------------- texts in

    async def text(
        self, number: str, body: str, *, sid: str | None = None, to: str = CLUB_NUMBER, **extra: Any
    ) -> Webhook:
        """`number` texts `body` to the club; Twilio posts it, signed, to /twilio/sms."""
        _, form = self.fake.signed_sms(SMS_URL, number, to, body, sid, **extra)
        return await self.fake.post_signed(SMS_URL, form, transport=self.transport())

    async def chat(self, number: str, body: str) -> str:
        """Text in and return the club's reply, all its <Message>s joined."""
        webhook = await self.text(number, body)
        assert webhook.status_code == 200, f"{webhook.status_code}: {webhook.text}"
        return " | ".join(replies(webhook))

    async def post(
        self, url: str, params: dict[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        """POST a form to the app with the given signature (none when None)."""
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        async with httpx.AsyncClient(transport=self.transport()) as client:
            return await client.post(url, data=params, headers=headers)

    # ---------------------------------------------------------------- phone calls

    async def answer(self, call: PlacedCall) -> Twiml:
        """The person picks up: Twilio fetches the call's Url, signed."""
        return Twiml.of(await self.fake.answer_call(call.sid, transport=self.transport()))

    async def press(self, call: PlacedCall, twiml: Twiml, digits: str) -> Twiml:
        """A key pressed within the Gather: Twilio posts Digits to its action."""
        return Twiml.of(await self._gathered(call, twiml.action, digits))

    async def say(
        self, call: PlacedCall, twiml: Twiml, words: str, confidence: float = 0.92
    ) -> Twiml:
        """Words said within the Gather: Twilio posts SpeechResult and Confidence."""
        return Twiml.of(await self._gathered(call, twiml.action, None, words, confidence))

    async def stay_silent(self, call: PlacedCall, twiml: Twiml) -> Twiml:
        """No key within the Gather's timeout: Twilio follows the Redirect after it."""
        assert twiml.redirect is not None, f"nothing follows silence in {twiml.xml}"
        return Twiml.of(await self._gathered(call, twiml.redirect, None))

    async def _gathered(
        self,
        call: PlacedCall,
        url: str,
        digits: str | None,
        speech: str | None = None,
        confidence: float = 0.92,
    ) -> Webhook:
        direction = "outbound-api" if call.from_ == CLUB_NUMBER else "inbound"
        _, form = self.fake.signed_voice(
            url,
            call.sid,
            call.from_,
            call.to,
            digits,
            speech=speech,
            confidence=confidence,
            Direction=direction,
            CallStatus="in-progress",
        )
        return await self.fake.post_signed(url, form, transport=self.transport())

    async def ring_club(
        self, number: str, call_sid: str = "CA" + "1" * 32
    ) -> tuple[PlacedCall, Twiml]:
        """`number` rings the club's number: Twilio asks /twilio/voice what to say."""
        _, form = self.fake.signed_voice(VOICE_URL, call_sid, number, CLUB_NUMBER)
        webhook = await self.fake.post_signed(VOICE_URL, form, transport=self.transport())
        call = PlacedCall(
            sid=call_sid,
            to=CLUB_NUMBER,
            from_=number,
            url=VOICE_URL,
            twiml=None,
            method="POST",
            status_callback=None,
            status_callback_method="POST",
            status_callback_events=[],
            timeout=None,
            machine_detection=None,
            status="in-progress",
            date_created=datetime.now(UTC),
            time=0.0,
            params={},
        )
        return call, Twiml.of(webhook)

    # ------------------------------------------------------------ delivery reports

    async def report(self, sid: str, status: str, code: int | None = None) -> Webhook:
        """Twilio's delivery report for a message, signed, to its StatusCallback."""
        webhook = await self.fake.deliver_status(sid, status, code, transport=self.transport())
        assert webhook.status_code == 200, f"{webhook.status_code}: {webhook.text}"
        return webhook

    async def call_report(self, sid: str, status: str) -> Webhook:
        webhook = await self.fake.deliver_call_status(sid, status, transport=self.transport())
        assert webhook.status_code == 200, f"{webhook.status_code}: {webhook.text}"
        return webhook

    # ----------------------------------------------------------------- the outbox

    def dispatcher(self, clock: Any = utc_now) -> Dispatcher:
        return self.club.dispatcher(clock)

    async def dispatch(self, clock: Any = utc_now) -> int:
        """Send everything due now; returns how many rows were handled."""
        dispatcher = self.dispatcher(clock)
        handled = 0
        while found := await dispatcher.run_once():
            handled += found
        return handled


def replies(webhook: Webhook) -> list[str]:
    """The texts a TwiML messaging answer sends back."""
    assert webhook.status_code == 200, f"{webhook.status_code}: {webhook.text}"
    root = ET.fromstring(webhook.text)
    assert root.tag == "Response"
    return [element.text or "" for element in root.iter("Message")]


# ---------------------------------------------------------------------- storage


async def add_session(
    club: Club, starts_in: timedelta = timedelta(hours=3), title: str = "Thursday Club"
) -> int:
    """A one-off session at the top of the hour after `starts_in` from now (the real
    clock, which the senders use for validity periods)."""
    soon = utc_now() + starts_in
    starts = soon.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    async with club.units() as uow:
        meeting = await uow.sessions.add(
            ClubSession(
                series_id=None,
                title=title,
                activity_key="art",
                place="Norwood Community Hall",
                postcode="SE27 9JU",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        await uow.commit()
        session_id = meeting.id
    club.dialogue.shape.forget()  # the engine sees the new session at once
    return session_id
