"""Typed settings read from the environment and `.env`.

A bad value must stop the start with one plain line that names the variable, so a
coordinator setting the club up can fix it without reading a traceback.
"""

from __future__ import annotations

from datetime import time
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///club.sqlite3"


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message is one line for a person."""


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    telegram_bot_token: str | None = None
    telegram_base_url: str | None = None
    telegram_webhook_secret: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_base_url: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_per_second: float = 1.0
    public_url: str | None = None
    port: int = 8000
    host: str = "127.0.0.1"
    tts_engine: Literal["gtts", "offline", "off"] = "gtts"
    twilio_voice: Literal["play", "polly"] = "play"
    club_name: str = "Healthy Living Club"
    club_timezone: str = "Europe/London"
    quiet_hours: str = "20:00-09:00"
    reminder_day_before_at: time = time(11, 0)
    reminder_morning_at: time = time(9, 0)
    telegram_per_second: float = 30.0
    telegram_per_chat_per_second: float = 1.0
    dashboard_secret: str | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("club_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("is not a known time zone, such as Europe/London") from error
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_span(cls, value: str) -> str:
        start, _, end = value.partition("-")
        try:
            time.fromisoformat(start.strip())
            time.fromisoformat(end.strip())
        except ValueError as error:
            raise ValueError("must look like 20:00-09:00") from error
        return value

    @field_validator("telegram_per_second", "telegram_per_chat_per_second", "twilio_per_second")
    @classmethod
    def _positive_rate(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be more than 0")
        return value

    @field_validator("port")
    @classmethod
    def _port_range(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be a port number from 1 to 65535")
        return value

    @field_validator("public_url", "telegram_base_url", "twilio_base_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_secret",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_from_number",
        "public_url",
        "telegram_base_url",
        "twilio_base_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _complete_groups(self) -> Settings:
        twilio = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
        }
        given = [name for name, value in twilio.items() if value is not None]
        if given and len(given) < len(twilio):
            missing = next(name for name, value in twilio.items() if value is None)
            raise ValueError(f"{missing}: is needed when {given[0]} is set")
        if given and self.public_url is None:
            raise ValueError("PUBLIC_URL: is needed for Twilio to reach the club's webhooks")
        if self.telegram_webhook_secret is not None and self.public_url is None:
            raise ValueError("PUBLIC_URL: is needed when TELEGRAM_WEBHOOK_SECRET is set")
        return self

    @property
    def quiet(self) -> tuple[time, time]:
        start, _, end = self.quiet_hours.partition("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.club_timezone)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Values no log line may show: the providers' tokens, the webhook's secret, the
        key that signs the coordinator's page's links and cookies, and the database's
        password."""
        return (
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.twilio_auth_token,
            self.dashboard_secret,
            urlsplit(self.database_url).password,
        )

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def twilio_enabled(self) -> bool:
        return None not in (
            self.twilio_account_sid,
            self.twilio_auth_token,
            self.twilio_from_number,
        )

    @property
    def local_mode(self) -> bool:
        """No provider credentials: the club runs on this machine with the console chat."""
        return not (self.telegram_enabled or self.twilio_enabled)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"]:
            reason = f"{str(first['loc'][0]).upper()}: {reason}"
        raise SettingsError(reason) from None
