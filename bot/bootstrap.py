"""The composition root: settings, storage, the engine, speech and channels are wired here,
each object built once with everything it needs, and nothing else is done here.

Tests build the club through the same function, pointing its settings at fake far ends.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool
from starlette.applications import Starlette
from twilio.rest import Client

from bot.channels.console.progress import progress_printed
from bot.channels.console.sender import TERMINAL_CHANNELS, TerminalSender
from bot.channels.dashboard import Keys, Site, TryIt, dashboard_routes
from bot.channels.speech import SpeechCache, speech_engine_for
from bot.channels.speech.links import AudioLinks, VoiceNotes
from bot.channels.telegram.alerts import TelegramAlerts
from bot.channels.telegram.app import ClubApplication, build_application, route_updates
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.lanes import Lanes, sending_bots
from bot.channels.telegram.progress import progress_in_chat
from bot.channels.telegram.replying import ChatReplies
from bot.channels.telegram.report import report_in_chat
from bot.channels.telegram.sender import REQUESTS_IN_FLIGHT, TelegramSender, flat_out
from bot.channels.telegram.service import TelegramService
from bot.channels.twilio.alerts import TextAlerts
from bot.channels.twilio.call_sender import CallSender
from bot.channels.twilio.http import BaseUrlHttpClient
from bot.channels.twilio.pacing import SendWindow
from bot.channels.twilio.sms_sender import SmsSender
from bot.channels.twilio.webhooks import TwilioWebhooks
from bot.channels.web import TelegramWebhook, database_health, make_web_app
from bot.outbox.account_trouble import AccountTrouble
from bot.outbox.composer import Composer
from bot.outbox.delivery import Sender
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.planner import ReminderPlanner
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.reminder_times import ReminderTimes
from bot.report.delivery import ReportChannel, ReportDelivery, printed_report
from bot.service.after_commit import AfterCommit
from bot.service.alerts import AlertSink, CoordinatorAlerts, PrintedAlerts
from bot.service.broadcast_progress import ProgressShown, ProgressWatch
from bot.service.dialogue import Dialogue
from bot.service.setup import prepare_club
from config import Settings
from conversations import Catalogue, Engine, all_flows
from storage import UnitOfWorkFactory, open_database
from storage.models import utc_now
from storage.outbox import Terminal

__all__ = ["Club", "TwilioParts", "build_club"]

SANDBOX = "sqlite+aiosqlite://"
"""The practice chat's club: in memory, one connection, gone when the service stops."""
WELCOME_DELAY = timedelta(seconds=20)
"""Local mode: how soon after registering a newcomer sees their first reminder."""


@dataclass(frozen=True)
class TwilioParts:
    client: Client
    http: BaseUrlHttpClient
    origin: dict[str, str]
    """Where texts come from: the club's number, or its Messaging Service."""
    limiter: RateLimiter
    """Texts and calls from the club's number share its pace."""
    window: SendWindow


@dataclass(frozen=True)
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
    senders: Mapping[str, Sender]
    progress: ProgressWatch
    web: Starlette
    trouble: AccountTrouble
    """Accounts a provider refuses now: the dispatcher and the channels share it."""
    site: Site
    """The coordinator's web page's parts (its sign-in links are made with them)."""
    sandbox: AsyncEngine
    """The web page's practice chat's own club, in memory (see `TryIt`)."""
    telegram: TelegramService | None = None
    twilio: TwilioParts | None = None
    webhooks: TwilioWebhooks | None = None

    def dispatcher(
        self, clock: Callable[[], datetime] = utc_now, terminal: Terminal | None = None
    ) -> Dispatcher:
        """The outbox dispatcher over every channel this club can send on; in local mode,
        for one terminal chat."""
        welcome = WELCOME_DELAY if self.settings.local_mode else None
        return Dispatcher(
            self.units,
            self.composer,
            self.senders,
            self.alerts,
            self.planner,
            clock=clock,
            welcome_after=welcome,
            terminal=terminal,
            trouble=self.trouble,
        )

    async def prepare(self, demo: bool) -> None:
        await prepare_club(self.units, self.settings.zone, demo)

    async def close(self) -> None:
        if self.twilio is not None:
            await self.twilio.http.close()
        if self.telegram is not None:
            await self.telegram.lanes.close()
        await self.sandbox.dispose()
        await self.database.dispose()


def build_club(settings: Settings) -> Club:
    catalogue = Catalogue.load()
    database = open_database(settings.database_url)
    units = UnitOfWorkFactory(database)
    engine = Engine(all_flows(catalogue.language_list()), catalogue.vocabulary, catalogue.label)
    speech_engine = speech_engine_for(settings.tts_engine)
    speech = SpeechCache(units, speech_engine) if speech_engine else None
    voices = VoiceNotes(speech, catalogue) if speech else None
    planner = ReminderPlanner(units, settings.zone, _reminder_times(settings))
    composer = Composer(engine, settings.club_name, settings.zone, terminal=settings.local_mode)
    application = (
        build_application(settings, polling=not _webhook(settings))
        if settings.telegram_enabled
        else None
    )
    lanes = _lanes(settings, application)
    twilio = _twilio(settings)
    played = speech if settings.twilio_voice == "play" else None  # else Twilio's voice speaks
    audio = AudioLinks(played, catalogue, settings.public_url or "")
    senders = _senders(settings, catalogue, voices, lanes, twilio, audio)
    trouble = AccountTrouble()
    alerts = CoordinatorAlerts(
        units, settings.zone, _alert_sinks(settings, catalogue, units, application, twilio, trouble)
    )
    progress = ProgressWatch(units, catalogue, _progress_shown(application))
    reports = ReportDelivery(
        units, catalogue, settings.club_name, settings.zone, _reports_shown(application)
    )
    after = AfterCommit(alerts.help_needed, planner.follow_change, progress.follow_notice, reports)
    dialogue = Dialogue(
        engine,
        units,
        settings.club_name,
        settings.zone,
        after,
        channels=tuple(senders),
        quiet_hours=planner.after_quiet_hours,
    )
    telegram = None
    if application is not None and lanes is not None:
        pace = timedelta(seconds=_telegram_limiter(settings).key_interval)
        replies = ChatReplies(application.bot, catalogue, units, alerts, trouble, pace, voices)
        channel = TelegramChannel(application.bot, dialogue, catalogue, units, alerts, replies)
        route_updates(application, channel)
        webhook_url = f"{settings.public_url}/telegram" if _webhook(settings) else None
        telegram = TelegramService(
            application, channel, lanes, catalogue, webhook_url, settings.telegram_webhook_secret
        )
    webhooks = None
    if twilio is not None:
        assert settings.twilio_auth_token and settings.public_url
        webhooks = TwilioWebhooks(
            settings.twilio_auth_token,
            settings.public_url,
            settings.twilio_from_number,
            dialogue,
            catalogue,
            units,
            alerts,
            composer,
            senders,
            audio,
            settings.club_name,
            trouble,
        )
    site = _dashboard(settings, catalogue, units, tuple(senders), planner)
    sandbox = open_database(SANDBOX, poolclass=StaticPool)
    practice = UnitOfWorkFactory(sandbox)
    try_it = TryIt(
        site,
        Dialogue(engine, practice, settings.club_name, settings.zone, AfterCommit()),
        practice,
        settings.zone,
    )
    web = make_web_app(
        database_health(database),
        _telegram_webhook(telegram),
        speech.mp3 if speech else None,
        webhooks,
        dashboard_routes(site, try_it),
    )
    return Club(
        settings,
        catalogue,
        database,
        units,
        dialogue,
        alerts,
        speech,
        planner,
        composer,
        senders,
        progress,
        web,
        trouble,
        site,
        sandbox,
        telegram,
        twilio,
        webhooks,
    )


def _dashboard(
    settings: Settings,
    catalogue: Catalogue,
    units: UnitOfWorkFactory,
    channels: tuple[str, ...],
    planner: ReminderPlanner,
) -> Site:
    """Without DASHBOARD_SECRET the key is new at each start: links and sessions last
    until the service stops."""
    secret = settings.dashboard_secret or secrets.token_urlsafe(32)
    return Site(
        units,
        catalogue,
        Keys(secret),
        settings.club_name,
        settings.zone,
        settings.public_url or f"http://{settings.host}:{settings.port}",
        channels,
        planner.after_quiet_hours,
    )


def _webhook(settings: Settings) -> bool:
    return settings.public_url is not None and settings.telegram_webhook_secret is not None


def _reminder_times(settings: Settings) -> ReminderTimes:
    quiet_start, quiet_end = settings.quiet
    return ReminderTimes(
        day_before=settings.reminder_day_before_at,
        morning=settings.reminder_morning_at,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )


def _telegram_limiter(settings: Settings) -> RateLimiter:
    return RateLimiter(settings.telegram_per_second, settings.telegram_per_chat_per_second)


def _lanes(settings: Settings, application: ClubApplication | None) -> Lanes | None:
    """The dispatcher's Telegram connections: its own when sending flat out, else the
    application's bot (see `bot/channels/telegram/lanes.py`)."""
    if application is None:
        return None
    if flat_out(_telegram_limiter(settings)):
        return Lanes(sending_bots(settings, REQUESTS_IN_FLIGHT))
    return Lanes.sharing(application.bot, REQUESTS_IN_FLIGHT)


def _twilio(settings: Settings) -> TwilioParts | None:
    if not settings.twilio_enabled:
        return None
    http = BaseUrlHttpClient(settings.twilio_base_url)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    origin = (
        {"messaging_service_sid": settings.twilio_messaging_service_sid}
        if settings.twilio_messaging_service_sid
        else {"from_": settings.twilio_from_number or ""}
    )
    limiter = RateLimiter(settings.twilio_per_second, None)
    return TwilioParts(client, http, origin, limiter, SendWindow(settings.twilio_per_second))


def _senders(
    settings: Settings,
    catalogue: Catalogue,
    voices: VoiceNotes | None,
    lanes: Lanes | None,
    twilio: TwilioParts | None,
    audio: AudioLinks,
) -> dict[str, Sender]:
    """Every channel the club can send on, by name."""
    senders: dict[str, Sender] = {}
    if lanes is not None:
        limiter = _telegram_limiter(settings)
        senders["telegram"] = TelegramSender(lanes, catalogue, limiter, voices)
    if twilio is not None:
        assert settings.twilio_from_number and settings.public_url
        status = f"{settings.public_url}/twilio/status"
        senders["sms"] = SmsSender(
            twilio.client, twilio.origin, catalogue, twilio.limiter, status, window=twilio.window
        )
        senders["voice"] = CallSender(
            twilio.client,
            settings.twilio_from_number,
            settings.public_url,
            twilio.limiter,
            catalogue=catalogue,
            audio=audio,
        )
    if settings.local_mode:
        senders |= {name: TerminalSender(name, catalogue) for name in TERMINAL_CHANNELS}
    return senders


def _alert_sinks(
    settings: Settings,
    catalogue: Catalogue,
    units: UnitOfWorkFactory,
    application: ClubApplication | None,
    twilio: TwilioParts | None,
    trouble: AccountTrouble,
) -> list[AlertSink]:
    """Every way the coordinators can be told; in local mode, this terminal."""
    sinks: list[AlertSink] = []
    if application is not None:
        sinks.append(TelegramAlerts(application.bot, catalogue, units))
    if twilio is not None:
        sinks.append(
            TextAlerts(
                twilio.client,
                twilio.origin,
                catalogue,
                units,
                twilio.limiter,
                settings.telegram_enabled,
                trouble,
                twilio.window,
            )
        )
    if settings.local_mode:
        sinks.append(PrintedAlerts(catalogue))
    return sinks


def _progress_shown(application: ClubApplication | None) -> dict[str, ProgressShown]:
    """How a notice's progress reaches the coordinator, by the channel they wrote from."""
    shown: dict[str, ProgressShown] = {"console": progress_printed()}
    if application is not None:
        shown["telegram"] = progress_in_chat(application.bot)
    return shown


def _reports_shown(application: ClubApplication | None) -> dict[str, ReportChannel]:
    """How the committee's report reaches whoever asked, by their channel (the terminal
    prints it)."""
    shown = {"console": printed_report}
    if application is not None:
        shown["telegram"] = report_in_chat(application.bot)
    return shown


def _telegram_webhook(telegram: TelegramService | None) -> TelegramWebhook | None:
    if telegram is None or telegram.secret is None or not telegram.webhook:
        return None
    return TelegramWebhook(telegram.channel, telegram.secret)
