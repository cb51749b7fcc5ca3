"""Settings: sensible defaults, and one plain line naming the variable when a value is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import Settings, SettingsError, load_settings

PROJECT = Path(__file__).resolve().parent.parent


def test_defaults_run_the_club_locally() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///club.sqlite3"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.tts_engine == "gtts"
    assert settings.club_name == "Healthy Living Club"
    assert settings.zone == ZoneInfo("Europe/London")
    assert settings.telegram_bot_token is None
    assert settings.public_url is None
    assert settings.local_mode is True
    assert settings.telegram_enabled is False
    assert settings.twilio_enabled is False


def test_values_come_from_the_environment_and_dot_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        'CLUB_NAME="Norwood Memory Club"\nPORT=8080\nCLUB_TIMEZONE=Europe/Lisbon\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PORT", "9000")
    settings = load_settings()
    assert settings.club_name == "Norwood Memory Club"
    assert settings.port == 9000, "the environment wins over .env"
    assert settings.club_timezone == "Europe/Lisbon"


def test_blank_credentials_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "")
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.local_mode is True


def test_complete_credentials_leave_local_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+447700900000")
    monkeypatch.setenv("PUBLIC_URL", "https://club.example.org/")
    settings = load_settings()
    assert settings.twilio_enabled is True
    assert settings.local_mode is False
    assert settings.public_url == "https://club.example.org"


BAD_VALUES = [
    ({"DATABASE_URL": "sqlite:///club.sqlite3"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://club@localhost/club"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql+psycopg2://club@localhost/club"}, "DATABASE_URL"),
    ({"CLUB_TIMEZONE": "Mars/Olympus_Mons"}, "CLUB_TIMEZONE"),
    ({"CLUB_TIMEZONE": "Europe/Londn"}, "CLUB_TIMEZONE"),
    ({"PORT": "0"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"PORT": "eighty"}, "PORT"),
    ({"PUBLIC_URL": "club.example.org"}, "PUBLIC_URL"),
    ({"TELEGRAM_BASE_URL": "ftp://bots.example.org"}, "TELEGRAM_BASE_URL"),
    ({"TWILIO_BASE_URL": "localhost:8080"}, "TWILIO_BASE_URL"),
    ({"TTS_ENGINE": "loud"}, "TTS_ENGINE"),
    ({"TWILIO_ACCOUNT_SID": "ACsecret0001"}, "TWILIO_AUTH_TOKEN"),
    ({"TWILIO_ACCOUNT_SID": "ACsecret0001", "TWILIO_AUTH_TOKEN": "tok"}, "TWILIO_FROM_NUMBER"),
    ({"TWILIO_AUTH_TOKEN": "tok", "TWILIO_FROM_NUMBER": "+44"}, "TWILIO_ACCOUNT_SID"),
    ({"TELEGRAM_WEBHOOK_SECRET": "s3cret-value"}, "PUBLIC_URL"),
]


@pytest.mark.parametrize(("environment", "named"), BAD_VALUES, ids=str)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{named}: "), message
    assert len(message) > len(named) + 5, "it says what is wrong"
    for secret in ("ACsecret0001", "s3cret-value", "tok"):
        if secret in environment.values():
            assert secret not in message, "a credential is never repeated back"


def test_a_bad_value_in_dot_env_is_named_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=123456\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^PORT: "):
        load_settings()


def test_settings_are_frozen() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("DATABASE_URL", "sqlite:///club.sqlite3", "DATABASE_URL"),
        ("CLUB_TIMEZONE", "Nowhere/Special", "CLUB_TIMEZONE"),
        ("PORT", "99999", "PORT"),
        ("TELEGRAM_WEBHOOK_SECRET", "abc", "PUBLIC_URL"),
    ],
)
def test_the_service_will_not_start_with_a_bad_value(
    tmp_path: Path, name: str, value: str, named: str
) -> None:
    environment = {
        key: val
        for key, val in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_", "PUBLIC_", "CLUB_", "PORT"))
    }
    environment[name] = value
    environment["PYTHONPATH"] = str(PROJECT)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"Cannot start: {named}: "), lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "club.sqlite3").exists(), "nothing was created"
