"""The composition root: settings, storage, the engine, speech and channels are wired here.

Tests build the club through the same function, pointing its settings at fake far ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from telegram import Message
from twilio.rest import Client

from bot.channels.console.sender import ConsoleSender
from bot.channels.speech import SpeechCache, speech_engine_for
from bot.channels.telegram.alerts import TelegramAlerts
from bot.channels.telegram.app import ClubApplication, build_application, route_updates
from bot.channels.telegram.channel import TelegramChannel, VoiceMaker
from bot.channels.telegram.lanes import Lanes, sending_bots
from bot.channels.telegram.sender import REQUESTS_IN_FLIGHT, TelegramSender, flat_out
from bot.channels.twilio.alerts import TextAlerts
from bot.channels.twilio.call_sender import CallSender
from bot.channels.twilio.http import BaseUrlHttpClient
from bot.channels.twilio.pacing import SendWindow
from bot.channels.twilio.sms_sender import SmsSender
from bot.channels.twilio.webhooks import TwilioWebhooks
from bot.channels.web import TelegramWebhook, make_web_app
from bot.outbox.composer import Composer
from bot.outbox.delivery import Sender
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.planner import ReminderPlanner
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.reminder_times import ReminderTimes
from bot.report.delivery import ReportDelivery
from bot.service.alerts import CoordinatorAlerts
from bot.service.broadcast_progress import ProgressWatch
from bot.service.demo_club import seed_activities, seed_demo_club
from bot.service.dialogue import BroadcastListener, Dialogue, SessionListener
from config import Settings
from conversations import (
    Catalogue,
    Engine,
    all_flows,
)
from storage import UnitOfWorkFactory, migrate, open_database, split_address
from storage.models import utc_now

__all__ = ["Club", "TelegramParts", "build_club"]

log = logging.getLogger(__name__)

WELCOME_DELAY = timedelta(seconds=20)
"""Local mode: how soon after registering a newcomer sees their first reminder."""


@dataclass
class TelegramParts:
    application: ClubApplication
    channel: TelegramChannel
    webhook: bool
    lanes: Lanes
    """The dispatcher's own connections, closed with the club."""


@dataclass
class TwilioParts:
    http: BaseUrlHttpClient
    webhooks: TwilioWebhooks


@dataclass
class Club:
    settings: Settings
    catalogue: Catalogue
    database: AsyncEngine
    units: UnitOfWorkFactory
    dialogue: Dialogue
    alerts: CoordinatorAlerts
    speech: SpeechCache | None
    planner: ReminderPlanner
    composer: Composer
    senders: dict[str, Sender] = field(default_factory=dict)
    telegram: TelegramParts | None = None
    twilio: TwilioParts | None = None
    progress: ProgressWatch | None = None

    def dispatcher(self, clock: Callable[[], datetime] = utc_now) -> Dispatcher:
        """The outbox dispatcher over every channel this club can send on."""
        welcome = WELCOME_DELAY if self.settings.local_mode else None
        return Dispatcher(
            self.units,
            self.composer,
            self.senders,
            self.alerts,
            self.planner,
            clock=clock,
            welcome_after=welcome,
        )

    async def prepare(self, demo: bool) -> None:
        """Migrate, add the standard activities, and in local mode the demo club."""
        await migrate(self.database)
        async with self.units() as uow:
            await seed_activities(uow)
            if demo:
                await seed_demo_club(uow, datetime.now(self.settings.zone).date())
            await uow.commit()

    async def healthy(self) -> bool:
        try:
            async with self.database.connect() as connection:
                await connection.execute(sql("SELECT 1"))
        except Exception:
            log.warning("health check: storage unavailable")
            return False
        return True

    async def audio(self, key: str) -> bytes | None:
        clip = await self.speech.clip(key) if self.speech else None
        return clip.mp3 if clip else None

    def web_app(self) -> Starlette:
        webhook = None
        if self.telegram is not None and self.telegram.webhook:
            assert self.settings.telegram_webhook_secret is not None
            webhook = TelegramWebhook(self.telegram.channel, self.settings.telegram_webhook_secret)
        twilio = self.twilio.webhooks if self.twilio else None
        return make_web_app(self.healthy, webhook, self.audio, twilio)

    async def audio_url(
        self, words: str, language: str, for_person: int | None = None
    ) -> str | None:
        """Where Twilio can fetch these words spoken (for this person: see SpeechCache),
        or None to use Twilio's own voice."""
        public = self.settings.public_url
        if self.speech is None or public is None:
            return None
        info = self.catalogue.info.get(language) or self.catalogue.info["en"]
        try:
            clip = await self.speech.speak(
                words, info.speech, info.speech_tld, for_person=for_person
            )
        except Exception:
            log.exception("speech for a call could not be made")
            return None
        return f"{public}/audio/{clip.key}.mp3"

    async def close(self) -> None:
        if self.twilio is not None:
            await self.twilio.http.close()
        if self.telegram is not None:
            await self.telegram.lanes.close()
        await self.database.dispose()


def voice_maker(speech: SpeechCache, catalogue: Catalogue) -> VoiceMaker:
    """Voice notes in the person's language; a speech failure never holds up the text."""

    async def make(words: str, language: str, slow: bool) -> tuple[bytes, float] | None:
        info = catalogue.info.get(language) or catalogue.info["en"]
        try:
            note = await speech.voice_note(words, info.speech, info.speech_tld, slow=slow)
        except Exception:
            log.exception("a voice note could not be made")
            return None
        return note.ogg, note.seconds

    return make


def session_follow_up(planner: ReminderPlanner) -> SessionListener:
    """After a coordinator's change: tell those coming, or send reminders (short notice);
    a session that moved has its reminders planned again for its new time (now if it is
    soon, else when the planner's turn comes)."""

    async def follow_up(event: str, session_id: int) -> None:
        if event in {"cancelled", "changed"}:
            await planner.announce(session_id, event)
        elif event == "moved":  # its unsent reminders were withdrawn with the change
            await planner.announce(session_id, "changed", moved=True)
            await planner.plan()
        elif event == "remind":
            await planner.remind_now(session_id)
        else:
            await planner.plan()

    return follow_up


def build_club(settings: Settings) -> Club:
    catalogue = Catalogue.load()
    database = open_database(settings.database_url)
    units = UnitOfWorkFactory(database)
    alerts = CoordinatorAlerts(units, settings.zone)
    engine = Engine(all_flows(catalogue.language_list()), catalogue.vocabulary, catalogue.label)
    dialogue = Dialogue(engine, units, settings.club_name, settings.zone, alerts.help_needed)
    speech_engine = speech_engine_for(settings.tts_engine)
    speech = SpeechCache(units, speech_engine) if speech_engine else None
    quiet_start, quiet_end = settings.quiet
    times = ReminderTimes(
        day_before=settings.reminder_day_before_at,
        morning=settings.reminder_morning_at,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )
    planner = ReminderPlanner(units, settings.zone, times)
    dialogue.on_session = session_follow_up(planner)
    composer = Composer(engine, settings.club_name, settings.zone)
    club = Club(settings, catalogue, database, units, dialogue, alerts, speech, planner, composer)
    if settings.telegram_enabled:
        club.telegram = _telegram(club)
    if settings.twilio_enabled:
        club.twilio = _twilio(club)
    if settings.local_mode:
        club.senders["console"] = ConsoleSender(catalogue)
    club.progress = ProgressWatch(units, catalogue)
    dialogue.channels = club.senders
    dialogue.on_broadcast = _progress_follower(club)
    reports = ReportDelivery(units, catalogue, settings.club_name, settings.zone)
    if club.telegram is not None:
        reports.telegram = club.telegram.application.bot
    dialogue.on_report = reports
    return club


def _progress_follower(club: Club) -> BroadcastListener:
    """Shows the coordinator who sent a notice how it is going, where they sent it from."""

    async def follow(broadcast_id: int, address: str) -> None:
        channel, handle = split_address(address)
        assert club.progress is not None
        if channel == "telegram" and club.telegram is not None:
            bot = club.telegram.application.bot
            chat = int(handle)

            async def say(words: str) -> object:
                return await bot.send_message(chat, words)

            async def edit(message: object, words: str) -> None:
                if isinstance(message, Message):
                    await bot.edit_message_text(words, chat_id=chat, message_id=message.message_id)

            club.progress.follow(broadcast_id, say, edit)
        elif channel == "console":

            async def show(words: str) -> object:
                print(f"\n{words}")
                return None

            club.progress.follow(broadcast_id, show, None)

    return follow


def _twilio(club: Club) -> TwilioParts:
    settings = club.settings
    assert settings.twilio_auth_token and settings.twilio_from_number and settings.public_url
    http = BaseUrlHttpClient(settings.twilio_base_url)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    limiter = RateLimiter(settings.twilio_per_second, None)
    origin = (
        {"messaging_service_sid": settings.twilio_messaging_service_sid}
        if settings.twilio_messaging_service_sid
        else {"from_": settings.twilio_from_number}
    )
    status = f"{settings.public_url}/twilio/status"
    window = SendWindow(settings.twilio_per_second)
    club.senders["sms"] = SmsSender(client, origin, club.catalogue, limiter, status, window=window)
    club.senders["voice"] = CallSender(
        client,
        settings.twilio_from_number,
        settings.public_url,
        limiter,
        catalogue=club.catalogue,
        audio=club.audio_url,
    )
    club.alerts.add_sink(
        TextAlerts(
            client,
            origin,
            club.catalogue,
            club.units,
            limiter,
            settings.telegram_enabled,
            window,
        )
    )
    webhooks = TwilioWebhooks(
        settings.twilio_auth_token,
        settings.public_url,
        settings.twilio_from_number,
        club.dialogue,
        club.catalogue,
        club.units,
        club.alerts,
        club.composer,
        club.senders,
        club.audio_url,
        settings.club_name,
    )
    return TwilioParts(http, webhooks)


def _telegram(club: Club) -> TelegramParts:
    settings = club.settings
    webhook = settings.public_url is not None and settings.telegram_webhook_secret is not None
    application = build_application(settings, polling=not webhook)
    voices = voice_maker(club.speech, club.catalogue) if club.speech else None
    channel = TelegramChannel(
        application.bot, club.dialogue, club.catalogue, club.units, club.alerts, voices
    )
    route_updates(application, channel)
    club.alerts.add_sink(TelegramAlerts(application.bot, club.catalogue, club.units))
    limiter = RateLimiter(settings.telegram_per_second, settings.telegram_per_chat_per_second)
    lanes = (
        Lanes(sending_bots(settings, REQUESTS_IN_FLIGHT))
        if flat_out(limiter)
        else Lanes.sharing(application.bot, REQUESTS_IN_FLIGHT)
    )
    club.senders["telegram"] = TelegramSender(lanes, club.catalogue, limiter, voices)
    return TelegramParts(application, channel, webhook, lanes)
