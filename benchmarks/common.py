"""Small helpers the benchmarks share: medians, memory readings, a scratch club."""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Club, build_club
from config import Settings

__all__ = [
    "cpu_seconds",
    "current_rss_mb",
    "ensure_database",
    "median",
    "peak_rss_mb",
    "postgres_pids",
    "scratch_club",
    "wipe_postgres",
]


def median(values: list[float]) -> float:
    return statistics.median(values)


def current_rss_mb() -> float:
    """The process's resident memory now, from /proc (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pids: Iterable[int]) -> float:
    """CPU time (user and system, all threads) the processes have used so far, from
    /proc (Linux); a process that has gone counts nothing."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except FileNotFoundError:
            continue
        fields = stat.rpartition(")")[2].split()  # after the name, fields start at the 3rd
        total += int(fields[11]) + int(fields[12])  # the 14th and 15th: utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends run the queries)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text(encoding="ascii").strip()
            except (FileNotFoundError, PermissionError):
                continue
            if name.startswith("postgres"):
                found.append(int(entry.name))
    return found


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, if the server does not have it yet."""
    server, _, name = url.rpartition("/")
    engine = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        known = await connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not known:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def wipe_postgres(url: str) -> None:
    """Benchmarks start from an empty schema; never point this at a real club's database."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@asynccontextmanager
async def scratch_club(database_url: str | None = None) -> AsyncIterator[Club]:
    """A demo club on a fresh SQLite file (or the given database), closed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        settings = Settings(database_url=url, tts_engine="off", _env_file=None)  # type: ignore[call-arg]
        if database_url and database_url.startswith("postgresql"):
            await wipe_postgres(database_url)
        club = build_club(settings)
        await club.prepare(demo=True)
        try:
            yield club
        finally:
            await club.close()
