"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set) and a guard that fails any test reaching past this machine."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Club, build_club
from config import Settings

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


class InternetBlocked(RuntimeError):
    """A test tried to reach beyond 127.0.0.1; tests talk only to local fakes."""


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise InternetBlocked(f"tests may not connect to {address[0]}")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _is_local(host if isinstance(host, str) else host.decode()):
        raise InternetBlocked(f"tests may not look up {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    yield


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's `.env` or provider credentials."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TWILIO_")) or name in {
            "DATABASE_URL",
            "PUBLIC_URL",
            "TTS_ENGINE",
            "CLUB_NAME",
            "CLUB_TIMEZONE",
        }:
            monkeypatch.delenv(name)


async def fresh_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite in a temporary folder, or a wiped PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'club.sqlite3'}"
    assert POSTGRES_URL is not None
    await fresh_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, tts_engine="offline", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def club(settings: Settings) -> AsyncIterator[Club]:
    """The club wired through the real composition root, with the demo club seeded."""
    built = build_club(settings)
    await built.prepare(demo=True)
    yield built
    await built.close()
