"""Opening the database: SQLite (embedded default) or PostgreSQL, and its migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["is_sqlite", "migrate", "open_database"]

MIGRATIONS = Path(__file__).with_name("migrations")
for _driver in ("aiosqlite", "asyncpg", "sqlalchemy.engine"):
    # They log statements with their values (names, numbers, words people typed) below
    # WARNING: never written, whatever level the rest of the logging is set to.
    logging.getLogger(_driver).setLevel(logging.WARNING)
SQLITE_BUSY_SECONDS = 5


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def open_database(url: str, **options: Any) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy wait. A statement's
    values are left out of its errors' messages: they are names, numbers and words people
    typed, and an error may be logged."""
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (Alembic), inside one connection."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
