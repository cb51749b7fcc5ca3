"""Inputs per second through the engine and the SQLite unit of work, for 1,000 people.

Each simulated person registers by typing numbers and answers every activity, day and
reminder question: the same path a person takes in the console or by text message.
Run: python -m benchmarks.engine_benchmark [--people 1000] [--runs 3] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchmarks.common import current_rss_mb, median, peak_rss_mb, scratch_club
from bot.service.dialogue import Dialogue
from conversations import Input

SCRIPT = [
    "/start", "1", "1", "Person", "1", "2", "1",  # English, a member, here, no speech, consent
    "1", "1", "2", "3", "1", "1", "2", "1", "1", "3", "1", "1", "2",  # activities, in threes
    "1", "2", "1", "3",  # the club's three days, then reminders on both
]  # fmt: skip
"""Register as a member, chat here, no speech, consent, then all preferences."""


async def one_person(dialogue: Dialogue, number: int) -> int:
    address = f"console:bench-{number}"
    for line in SCRIPT:
        said = Input.command(line) if line.startswith("/") else Input.typed(line)
        await dialogue.handle(address, said)
    return len(SCRIPT)


async def one_run(
    people: int, concurrency: int, database_url: str | None = None
) -> tuple[float, int]:
    async with scratch_club(database_url) as club:
        gate = asyncio.Semaphore(concurrency)

        async def paced(number: int) -> int:
            async with gate:
                return await one_person(club.dialogue, number)

        started = time.perf_counter()
        counts = await asyncio.gather(*(paced(n) for n in range(people)))
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, sum(counts)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a fresh SQLite file"
    )
    options = parser.parse_args()
    rates = []
    inputs = 0
    for _ in range(options.runs):
        rate, inputs = await one_run(options.people, options.concurrency, options.database_url)
        rates.append(rate)
    where = "PostgreSQL" if options.database_url else "SQLite"
    print(f"{where}; people: {options.people}, inputs per run: {inputs}, runs: {options.runs}")
    print(f"inputs per second (median): {median(rates):.0f}  all: {[round(r) for r in rates]}")
    print(f"memory at the end: {current_rss_mb():.1f} MB resident; peak {peak_rss_mb():.1f} MB")


if __name__ == "__main__":
    asyncio.run(main())
