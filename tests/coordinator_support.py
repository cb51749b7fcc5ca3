"""The coordinator and committee tests' scene (no tests here): a club on both fakes at
once, that `tests.clubs.coordinator_club` built and started Telegram polling in. Tests
play the coordinator on Telegram (`tg.say`, `tg.press`: the buttons the bot really
sent), run the outbox dispatcher (`drain`), answer texts through the signed SMS webhook
(`text_in`), pick up calls and press keys through the signed voice webhook (`pick_up`,
`keys`), and read what each fake received.

The fakes' limits are off and the club's own send rates are raised (see FAST), so the
tests wait on no clock; the benchmark uses the realistic rates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from bot.bootstrap import Club
from bot.outbox.dispatcher import Dispatcher
from storage.models import (
    AuditEntry,
    ClubSession,
    Feedback,
    SessionAnswer,
)
from tests.fakes.clock import FakeClock, dispatcher_for, planner_for
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi, Webhook
from tests.telegram_support import PUBLIC_URL, TelegramClub

__all__ = [
    "CLUB_NUMBER",
    "COORDINATOR",
    "FAST",
    "PROGRESS_SECONDS",
    "PUBLIC_URL",
    "Scene",
    "add_session",
    "audit",
    "button_keys",
    "feedback_rows",
    "said",
]

CLUB_NUMBER = "+447700900001"
COORDINATOR = 7000
WAIT_SECONDS = 30.0
"""How long the progress watches may take to finish once everything is sent."""
PROGRESS_SECONDS = 0.01
"""The live progress message is read again this often (2 seconds in the service)."""
FAST: dict[str, Any] = {
    "twilio_per_second": 500.0,
    "telegram_per_second": 500.0,
    "telegram_per_chat_per_second": 500.0,
    "quiet_hours": "00:00-00:00",
}
"""Send rates far above the fakes' (whose limits are off), so no test waits on pacing;
and no quiet hours, so notices and polls go at once whatever the hour the tests run at
(the quiet hours have their own tests, test_quiet_hours_hold_notices_and_polls.py, with a
clock set by hand)."""


@dataclass
class Scene:
    tg: TelegramClub
    twilio: FakeTwilioApi
    club: Club
    coordinator: int

    @property
    def bot(self) -> FakeBotApi:
        return self.tg.fake

    def dispatcher(self, clock: FakeClock | None = None) -> Dispatcher:
        if clock is None:
            return self.club.dispatcher()
        return dispatcher_for(self.club, clock, self.club.senders)

    async def drain(self, clock: FakeClock | None = None) -> int:
        """Send everything due, as `python -m bot dispatch` would; returns rows handled."""
        dispatcher = self.dispatcher(clock)
        handled = 0
        while found := await dispatcher.run_once():
            handled += found
        return handled

    async def finish(self) -> None:
        """Send what is still queued, so every progress watch sees its notice finish."""
        await self.drain()
        if self.club.progress is not None:
            await asyncio.wait_for(self.club.progress.wait(), WAIT_SECONDS)

    async def plan_feedback(self, at: datetime) -> int:
        """The planner's run at `at` (which queues "how was it?" after sessions)."""
        return await planner_for(self.club, FakeClock(at)).plan()

    async def text_in(self, phone: str, body: str) -> Webhook:
        """A text from `phone` to the club, posted to /twilio/sms with Twilio's signature."""
        url = f"{PUBLIC_URL}/twilio/sms"
        _, form = self.twilio.signed_sms(url, phone, CLUB_NUMBER, body)
        webhook = await self.twilio.post_signed(url, form, transport=self.tg.transport())
        assert webhook.status_code == 200, webhook.text
        return webhook

    def call_to(self, phone: str) -> str:
        """The sid of the newest call the club placed to `phone`."""
        calls = self.twilio.calls_to(phone)
        assert calls, f"no call was placed to {phone}"
        return calls[-1].sid

    async def pick_up(self, phone: str) -> str:
        """The person answers the club's newest call: the TwiML the club answered with."""
        webhook = await self.twilio.answer_call(self.call_to(phone), transport=self.tg.transport())
        assert webhook.status_code == 200, webhook.text
        return webhook.text

    async def keys(self, phone: str, digits: str, round_: int = 2) -> str:
        """A key pressed during the club's newest call to `phone` (a <Gather> result)."""
        sid = self.call_to(phone)
        url = f"{PUBLIC_URL}/twilio/voice?round={round_}&quiet=0"
        _, form = self.twilio.signed_voice(
            url, sid, CLUB_NUMBER, phone, digits, Direction="outbound-api"
        )
        webhook = await self.twilio.post_signed(url, form, transport=self.tg.transport())
        assert webhook.status_code == 200, webhook.text
        return webhook.text

    async def get(self, url: str) -> bytes:
        """GET a path of the club's web app (such as /audio/KEY.mp3), as Twilio would."""
        async with httpx.AsyncClient(transport=self.tg.transport()) as client:
            response = await client.get(url)
        assert response.status_code == 200, response.text
        return response.content

    async def settle_texts(self, status: str = "delivered") -> None:
        """Twilio's delivery reports for every text still unsettled."""
        for webhook in await self.twilio.deliver_all(status, transport=self.tg.transport()):
            assert webhook.status_code == 200, webhook.text


async def add_session(
    club: Club,
    starts_at: datetime,
    *,
    title: str = "Music Club",
    activity: str = "music",
    hours: float = 2.0,
    coming: Sequence[int] = (),
    not_coming: Sequence[int] = (),
) -> int:
    """A one-off session, with answers to its reminder already given."""
    async with club.units() as uow:
        meeting = ClubSession(
            title=title,
            activity_key=activity,
            place="Norwood Community Hall",
            postcode="SE27 9JU",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
        )
        uow.session.add(meeting)
        await uow.session.flush()
        for person_id in coming:
            uow.session.add(
                SessionAnswer(session_id=meeting.id, person_id=person_id, answer="coming")
            )
        for person_id in not_coming:
            uow.session.add(
                SessionAnswer(session_id=meeting.id, person_id=person_id, answer="not_coming")
            )
        await uow.commit()
        session_id = meeting.id
    club.dialogue.shape.forget()  # the engine sees the new session at once
    return session_id


async def feedback_rows(club: Club) -> list[Feedback]:
    async with club.units() as uow:
        found = list(await uow.session.scalars(select(Feedback).order_by(Feedback.id)))
        uow.session.expunge_all()
        return found


async def audit(club: Club, action: str | None = None) -> list[AuditEntry]:
    async with club.units() as uow:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        found = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def button_keys(message: dict[str, Any]) -> list[str]:
    """The choice keys under a Telegram message, in order ("q12:yes" -> "yes")."""
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(button["callback_data"]).partition(":")[2] for row in keyboard for button in row]


def said(scene: Scene, chat_id: int) -> str:
    """Everything the bot wrote in a Telegram chat, as one string."""
    return "\n".join(str(m["text"]) for m in scene.bot.sent_messages(chat_id))
