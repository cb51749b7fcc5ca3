"""A club wired through the real composition root, talking to the fake Twilio REST API.

`twilio_club(database_url)` starts a `FakeTwilioApi`, builds the club with
`build_club(Settings(...))` pointed at it (TWILIO_BASE_URL) and prepares the demo club.
Tests then play Twilio's side: `text` posts a signed inbound text to the real web app,
`answer`, `press` and `stay_silent` follow a phone call through its TwiML, `report`
posts a delivery report, and `dispatch` runs the outbox dispatcher, whose texts and calls
land in the fake. Everything the coordinators are told is kept in `told`.

Webhooks are posted in process (`httpx.ASGITransport`) to the URL Twilio would use, built
from PUBLIC_URL, and signed there by twilio's own `RequestValidator`.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from bot.bootstrap import Club, build_club
from bot.outbox.dispatcher import Dispatcher
from config import Settings
from conversations import Text
from storage.models import (
    Base,
    ChannelState,
    ClubSession,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonDay,
    Position,
    SessionAnswer,
    utc_now,
)
from storage.outbox import Delivery
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi, PlacedCall, Webhook

__all__ = [
    "CLUB_NUMBER",
    "LANDLINE",
    "MOBILE",
    "PUBLIC_URL",
    "SMS_URL",
    "STATUS_URL",
    "VOICE_URL",
    "Told",
    "TwilioClub",
    "Twiml",
    "add_phone_person",
    "add_session",
    "answer_of",
    "channel_states",
    "every",
    "help_requests",
    "position",
    "preferences_of",
    "queue_reminder",
    "replies",
    "rows",
    "series_ids_of",
    "states",
    "twilio_club",
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

    async def stay_silent(self, call: PlacedCall, twiml: Twiml) -> Twiml:
        """No key within the Gather's timeout: Twilio follows the Redirect after it."""
        assert twiml.redirect is not None, f"nothing follows silence in {twiml.xml}"
        return Twiml.of(await self._gathered(call, twiml.redirect, None))

    async def _gathered(self, call: PlacedCall, url: str, digits: str | None) -> Webhook:
        direction = "outbound-api" if call.from_ == CLUB_NUMBER else "inbound"
        _, form = self.fake.signed_voice(
            url,
            call.sid,
            call.from_,
            call.to,
            digits,
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


async def add_phone_person(
    club: Club,
    name: str,
    phone: str,
    *,
    landline: bool = False,
    channels: str = "sms,voice",
    roles: Sequence[str] = ("member",),
    telegram_id: int | None = None,
    series: Sequence[int] = (),
    language: str = "en",
) -> int:
    """Someone imported straight into storage (as a spreadsheet import would)."""
    async with club.units() as uow:
        person = Person(
            name=name,
            phone=phone,
            phone_is_landline=landline,
            telegram_id=telegram_id,
            channels=channels,
            language=language,
            consent_given_by_name=name,
        )
        await uow.people.add(person, list(roles))
        uow.session.add_all(PersonDay(person_id=person.id, series_id=s) for s in series)
        await uow.commit()
        return person.id


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


async def queue_reminder(
    club: Club,
    person_id: int,
    session_id: int,
    *,
    channel: str | None = None,
    member_id: int | None = None,
    kind: str = "day_before",
    due: datetime | None = None,
) -> None:
    """A reminder row as the planner makes it, due now, on the person's first channel."""
    async with club.units() as uow:
        person = await uow.people.get(person_id)
        assert person is not None
        member = member_id or person_id
        payload = {"session": session_id, "member": member, "kind": kind}
        key = f"reminder:{session_id}:{member}:{person_id}:{kind}"
        first = channel or person.channel_order[0]
        await uow.outbox.enqueue(
            [Delivery(person_id, first, "reminder", key, due or utc_now(), payload, session_id)]
        )
        await uow.commit()


async def answer_of(club: Club, session_id: int, member_id: int) -> str | None:
    async with club.units() as uow:
        found = await uow.session.get(SessionAnswer, (session_id, member_id))
        return None if found is None else found.answer


async def channel_states(club: Club, person_id: int) -> dict[str, str]:
    async with club.units() as uow:
        return await uow.people.unreachable_channels(person_id)


async def help_requests(club: Club) -> list[HelpRequest]:
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(HelpRequest).order_by(HelpRequest.id)))
        uow.session.expunge_all()
        return found


Row = TypeVar("Row", bound=Base)


async def every(club: Club, model: type[Row]) -> list[Row]:
    """Every row of a table, readable after the unit of work ends."""
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(model)))
        uow.session.expunge_all()
        return found


async def position(club: Club, address: str) -> Position | None:
    async with club.units() as uow:
        found = await uow.records.position(address)
        uow.session.expunge_all()
        return found


async def preferences_of(club: Club, person_id: int) -> dict[str, str]:
    async with club.units() as uow:
        return await uow.people.preferences(person_id)


async def series_ids_of(club: Club, person_id: int) -> set[int]:
    async with club.units() as uow:
        return await uow.people.series_ids(person_id)


async def rows(club: Club, **where: object) -> list[OutboxMessage]:
    async with club.units() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        found = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return found


async def states(club: Club) -> list[ChannelState]:
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(ChannelState)))
        uow.session.expunge_all()
        return found


@contextlib.asynccontextmanager
async def twilio_club(
    database_url: str, *, telegram: bool = False, **overrides: Any
) -> AsyncIterator[TwilioClub]:
    """The whole stack: fake Twilio REST API, settings, `build_club`, the demo club; with
    `telegram`, the fake Bot API too (in `bot_api`), for fallbacks across providers."""
    token = overrides.pop("twilio_auth_token", None)
    async with FakeTwilioApi(auth_token=token) as fake, contextlib.AsyncExitStack() as stack:
        bot_api = await stack.enter_async_context(FakeBotApi()) if telegram else None
        if bot_api is not None:
            overrides["telegram_bot_token"] = bot_api.token
            overrides["telegram_base_url"] = f"http://127.0.0.1:{bot_api.port}"
        settings = Settings(  # type: ignore[call-arg]
            database_url=database_url,
            twilio_account_sid=fake.account_sid,
            twilio_auth_token=fake.auth_token,
            twilio_from_number=CLUB_NUMBER,
            twilio_base_url=fake.base_url,
            public_url=overrides.pop("public_url", PUBLIC_URL),
            tts_engine=overrides.pop("tts_engine", "off"),
            twilio_per_second=overrides.pop("twilio_per_second", FAST_RATE),
            _env_file=None,
            **overrides,
        )
        club = build_club(settings)
        told = Told(club)
        club.alerts.add_sink(told)
        try:
            await club.prepare(demo=True)
            if club.telegram is not None:
                await club.telegram.application.initialize()
                stack.push_async_callback(club.telegram.application.shutdown)
            yield TwilioClub(fake, club, told, bot_api)
        finally:
            await stack.aclose()
            await club.close()
