"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), the club built on it, and a guard that fails any test reaching
past this machine."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Club
from config import Settings
from conversations import MESSAGES, Catalogue
from storage import migrate, open_database
from storage.models import Base
from tests.clubs import club_settings, prepared_club, twilio_club
from tests.twilio_support import TwilioClub

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject) spreads the whole suite over the machine's cores, a worker
    each; tests named on the command line run in this one process, quick to start and
    easy to step through."""
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return 0
    return os.cpu_count() or 1


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


@pytest.fixture(scope="session")
def one_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A certificate file holding one authority, for httpx's SSL_CERT_FILE.

    Every httpx client (a club has two to eleven: its bots, its lanes, Twilio) reads the
    trusted authorities when it is made, all 150 of certifi's in 50 ms. Tests speak plain
    HTTP to fakes on 127.0.0.1 and may reach nothing else, so one authority serves.
    """
    bundle = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    path = tmp_path_factory.mktemp("certificates") / "one.pem"
    path.write_text(bundle[: bundle.index(end) + len(end)] + "\n", encoding="ascii")
    return path


@pytest.fixture(scope="session", autouse=True)
def catalogue_read_once() -> Iterator[None]:
    """`Catalogue.load` parses five TOML files (30 ms) for every club a test builds; the
    files do not change during a run, so each folder is read once (again if one changes)."""
    load = Catalogue.load.__func__  # type: ignore[attr-defined]
    read: dict[tuple[Path, tuple[tuple[str, int], ...]], Catalogue] = {}

    def load_once(cls: type[Catalogue], folder: Path = MESSAGES) -> Catalogue:
        key = (folder, tuple((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.toml")))
        if key not in read:
            read[key] = load(cls, folder)
        return read[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Catalogue, "load", classmethod(load_once))
        yield


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, one_certificate: Path
) -> None:
    """No test reads the developer's `.env` or provider credentials; httpx trusts the one
    authority of `one_certificate`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(one_certificate))
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TWILIO_")) or name in {
            "DATABASE_URL",
            "PUBLIC_URL",
            "TTS_ENGINE",
            "CLUB_NAME",
            "CLUB_TIMEZONE",
        }:
            monkeypatch.delenv(name)


TEMPLATE_NAME = "club.sqlite3"


async def _migrated(url: str) -> None:
    engine = open_database(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the whole run; each test gets a copy of it, not a
    run of every migration (the copy is what `migrate` would have left)."""
    path = tmp_path_factory.mktemp("template") / TEMPLATE_NAME
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    assert not path.with_name(f"{path.name}-wal").exists(), "the template is not checkpointed"
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    copy = folder / TEMPLATE_NAME
    shutil.copyfile(template, copy)
    return f"sqlite+aiosqlite:///{copy}"


class Postgres:
    """The PostgreSQL database in TEST_DATABASE_URL: migrated once, then emptied of rows
    before each test (TRUNCATE), which is several times quicker than migrating again.

    Run by several pytest-xdist workers, each has a database of its own beside it (the
    name with "_gw0", "_gw1" added), made when first wanted.
    """

    def __init__(self, url: str, worker: str | None) -> None:
        given = make_url(url)
        self.url = url
        if worker is not None:
            self.url = given.set(database=f"{given.database}_{worker}").render_as_string(False)
        self._made = worker is None
        self._at_head = False

    async def _made_once(self) -> None:
        if self._made:
            return
        name = make_url(self.url).database
        server = create_async_engine(
            make_url(self.url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        try:
            async with server.connect() as connection:
                found = await connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if not found:
                    await connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await server.dispose()
        self._made = True

    async def rows_wiped(self) -> str:
        if not self._at_head:
            await self.schema_wiped()
            await _migrated(self.url)
            self._at_head = True
            return self.url
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()
        return self.url

    async def schema_wiped(self) -> str:
        """No tables at all (for the tests of the migrations themselves)."""
        await self._made_once()
        self._at_head = False
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()
        return self.url


POSTGRES = Postgres(POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER")) if POSTGRES_URL else None


@pytest.fixture(params=DATABASES)
async def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> str:
    """A migrated database with no rows: a copy of the SQLite template in a temporary
    folder, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return sqlite_copy(sqlite_template, tmp_path)
    assert POSTGRES is not None
    return await POSTGRES.rows_wiped()


@pytest.fixture(params=DATABASES)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all, for the tests of the migrations."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / TEMPLATE_NAME}"
    assert POSTGRES is not None
    return await POSTGRES.schema_wiped()


@pytest.fixture
async def postgres_url() -> str:
    """A migrated PostgreSQL database with no rows, for tests of what only PostgreSQL
    does (several processes on one store); skipped without TEST_DATABASE_URL."""
    if POSTGRES is None:
        pytest.skip("PostgreSQL is the store for several processes: set TEST_DATABASE_URL")
    return await POSTGRES.rows_wiped()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database with no rows, for tests that run on SQLite only."""
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return club_settings(database_url)


@pytest.fixture
async def club(settings: Settings) -> AsyncIterator[Club]:
    """The club wired through the real composition root, with the demo club seeded."""
    async with prepared_club(settings) as built:
        yield built


@pytest.fixture
async def tc(database_url: str) -> AsyncIterator[TwilioClub]:
    """The club on the fake Twilio REST API, with the demo club (see `twilio_club`)."""
    async with twilio_club(database_url) as club:
        yield club
