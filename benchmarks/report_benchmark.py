"""The committee's report for a year: a 150-person club and a 20,000-person one.

Builds a year of sessions, answers, attendance, feedback, preferences, help requests and
outbox rows with bulk inserts, then times gathering the report (the SQL) and rendering
it (text, CSV, HTML, PNG), and measures the peak memory Python allocates while doing so.
Times are medians of --runs untraced runs (wall clock, and CPU time for each rendering,
which a busy shared machine moves far less); memory is the median peak of as many traced
runs (tracemalloc slows the code it watches, so it is kept out of the timings).
Run: python -m benchmarks.report_benchmark [--sizes 150,20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from benchmarks.common import median, peak_rss_mb, scratch_club
from bot.bootstrap import Club
from bot.report import (
    Period,
    Report,
    gather_report,
    render_csv,
    render_html,
    render_png,
    render_text,
)
from storage.models import (
    AttendanceRecord,
    Base,
    ChannelState,
    ClubSession,
    Feedback,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonRole,
    Preference,
    SessionAnswer,
)

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
MADE_AT = datetime(2027, 1, 1, 9, tzinfo=UTC)
"""The report is made after the year, so every session of 2026 has been held."""
CHUNK = 20_000
ANSWER_SHARE = 0.15
"""Each member answers a session's reminder with this chance."""
LANGUAGES = ["en"] * 14 + ["pt", "pt", "es", "pl", "fr", "yo"]
FACES = ["happy", "happy", "happy", "unsure", "unhappy", None]
REASONS = ["blocked", "opted out", "unreachable", "unknown number"]


@dataclass(frozen=True)
class Sizes:
    people: int
    sessions: int
    answers: int
    attendance: int
    feedback: int
    outbox: int


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


async def _insert(club: Club, model: type[Base], rows: Iterator[dict[str, Any]]) -> int:
    """Bulk inserts in chunks (executemany), far faster than adding objects one by one."""
    written = 0
    for batch in _chunks(rows):
        async with club.units() as uow:
            await uow.session.execute(insert(model), batch)
            await uow.commit()
        written += len(batch)
    return written


def _meetings() -> list[dict[str, Any]]:
    """Two weekly sessions and a monthly Sunday one, for 2025 and 2026."""
    found = []
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        starts = None
        if day.weekday() in {1, 3}:
            starts = datetime(day.year, day.month, day.day, 10, 30, tzinfo=UTC)
        elif day.weekday() == 6 and day.day <= 7:
            starts = datetime(day.year, day.month, day.day, 14, 0, tzinfo=UTC)
        if starts is not None:
            title = {1: "Tuesday Club", 3: "Thursday Club", 6: "Crafternoon"}[day.weekday()]
            activity = {1: "music", 3: "art", 6: "crafts"}[day.weekday()]
            found.append(
                {
                    "title": title,
                    "activity_key": activity,
                    "place": "Norwood Community Hall",
                    "postcode": "SE27 9JU",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "cancelled_at": starts - timedelta(days=2) if day.day == 13 else None,
                }
            )
        day += timedelta(days=1)
    return found


async def build_club_year(club: Club, people: int, seed: int = 7) -> Sizes:
    """A club of `people` with two years of life in it (the report reads one)."""
    chance = random.Random(seed)
    created = datetime(2024, 12, 1, tzinfo=UTC)
    first_id = 1000
    ids = range(first_id, first_id + people)
    await _insert(
        club,
        Person,
        (
            {
                "id": pid,
                "name": f"Person {pid}",
                "phone": f"+4477009{pid:05d}",
                "channels": "sms,voice",
                "language": chance.choice(LANGUAGES),
                "created_at": created,
            }
            for pid in ids
        ),
    )
    members = [pid for pid in ids if pid % 10 < 7]
    roles = {
        pid: "member" if pid % 10 < 7 else "carer" if pid % 10 < 9 else "volunteer" for pid in ids
    }
    await _insert(club, PersonRole, ({"person_id": p, "role": r} for p, r in roles.items()))
    async with club.units() as uow:
        activity_ids = [a.id for a in await uow.club.activities()]
    year_start = datetime(2025, 1, 1, tzinfo=UTC)
    await _insert(
        club,
        Preference,
        (
            {
                "person_id": pid,
                "activity_id": activity,
                "answer": chance.choice(["yes", "yes", "unsure", "no"]),
                "updated_at": year_start + timedelta(days=chance.randrange(700)),
            }
            for pid in members
            for activity in chance.sample(activity_ids, 5)
        ),
    )
    meetings = _meetings()
    await _insert(club, ClubSession, iter(meetings))
    async with club.units() as uow:
        session_ids = [
            s.id
            for s in await uow.sessions.between(year_start, datetime(2027, 1, 1, tzinfo=UTC), True)
        ]
    answers: list[tuple[int, int]] = [
        (sid, pid) for sid in session_ids for pid in members if chance.random() < ANSWER_SHARE
    ]
    await _insert(
        club,
        SessionAnswer,
        (
            {
                "session_id": sid,
                "person_id": pid,
                "answer": "not_coming" if chance.random() < 0.15 else "coming",
                "answered_at": year_start,
            }
            for sid, pid in answers
        ),
    )
    came = [(sid, pid) for sid, pid in answers if chance.random() < 0.85]
    await _insert(
        club,
        AttendanceRecord,
        (
            {"session_id": sid, "person_id": pid, "attended": chance.random() < 0.9}
            for sid, pid in came
        ),
    )
    said = [(sid, pid) for sid, pid in came if chance.random() < 0.6]
    feedback = await _insert(
        club,
        Feedback,
        (
            {
                "session_id": sid,
                "person_id": pid,
                "face": chance.choice(FACES),
                "carer_helped": chance.random() < 0.3,
                "enjoyed_activity": chance.choice(["music", "art", "crafts", None]),
                "comment": "It was lovely to sing together" if chance.random() < 0.03 else None,
                "named_with_consent": chance.random() < 0.5,
                "created_at": year_start,
            }
            for sid, pid in said
        ),
    )
    await _insert(
        club,
        HelpRequest,
        (
            {
                "person_id": chance.choice(members),
                "kind": chance.choice(["talk", "lift", "lift", "voice_note"]),
                "where": "benchmark",
                "created_at": year_start + timedelta(days=chance.randrange(730)),
            }
            for _ in range(max(people // 4, 10))
        ),
    )
    unreachable = chance.sample(list(ids), max(people // 100, 2))
    await _insert(
        club,
        ChannelState,
        (
            {
                "person_id": pid,
                "channel": "sms",
                "reason": chance.choice(REASONS),
                "changed_at": year_start + timedelta(days=chance.randrange(730)),
            }
            for pid in unreachable
        ),
    )
    outbox = await _insert(
        club,
        OutboxMessage,
        (
            {
                "person_id": chance.choice(ids),
                "channel": chance.choice(["sms", "voice"]),
                "kind": "reminder",
                "payload": {},
                "idempotency_key": f"bench-{n}",
                "due_at": year_start + timedelta(hours=chance.randrange(730 * 24)),
                "status": "failed" if chance.random() < 0.02 else "delivered",
                "last_error": chance.choice(REASONS),
                "attempts": 1,
            }
            for n in range(people * 5)
        ),
    )
    return Sizes(people, len(meetings), len(answers), len(came), feedback, outbox)


async def _analyse(club: Club) -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would give a live club."""
    if club.database.dialect.name == "postgresql":
        async with club.database.begin() as connection:
            await connection.execute(text("ANALYZE"))


async def _gather(club: Club) -> Report:
    async with club.units() as uow:
        return await gather_report(
            uow, club.catalogue, club.settings.club_name, club.settings.zone, YEAR, now=MADE_AT
        )


RENDERERS: dict[str, Callable[[Report], str | bytes]] = {
    "text": render_text,
    "csv": render_csv,
    "html": render_html,
    "png": render_png,
}


async def _timed(club: Club, runs: int) -> dict[str, float]:
    """Median seconds for gathering and for each rendering, and each rendering's median
    CPU seconds ("cpu text"...): on a shared machine the CPU time moves far less."""
    times: dict[str, list[float]] = {"gather": []}
    for _ in range(runs):
        started = time.perf_counter()
        report = await _gather(club)
        times["gather"].append(time.perf_counter() - started)
        for name, render in RENDERERS.items():
            started, cpu = time.perf_counter(), time.process_time()
            render(report)
            times.setdefault(name, []).append(time.perf_counter() - started)
            times.setdefault(f"cpu {name}", []).append(time.process_time() - cpu)
    return {name: median(values) for name, values in times.items()}


async def _peak_mb(club: Club, runs: int) -> float:
    """Median peak of Python allocations while gathering and rendering every form."""
    peaks = []
    for _ in range(runs):
        tracemalloc.start()
        report = await _gather(club)
        for render in RENDERERS.values():
            render(report)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return median(peaks)


async def one_size(people: int, runs: int, database_url: str | None) -> list[str]:
    async with scratch_club(database_url) as club:
        started = time.perf_counter()
        sizes = await build_club_year(club, people)
        await _analyse(club)
        built = time.perf_counter() - started
        report = await _gather(club)
        times = await _timed(club, runs)
        peak = await _peak_mb(club, runs)
    rendering = " / ".join(f"{times[name] * 1000:.0f}" for name in RENDERERS)
    cpu = " / ".join(f"{times[f'cpu {name}'] * 1000:.0f}" for name in RENDERERS)
    return [
        f"{people:,}",
        f"{sizes.sessions}",
        f"{sizes.answers:,}",
        f"{sizes.feedback:,}",
        f"{sizes.outbox:,}",
        f"{len(report.sessions)}",
        f"{times['gather'] * 1000:.0f}",
        rendering,
        cpu,
        f"{peak:.1f}",
        f"{built:.0f}",
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="150,20000", help="club sizes, such as 150,20000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a fresh SQLite file"
    )
    options = parser.parse_args()
    header = [
        "people",
        "sessions (2 years)",
        "answers",
        "feedback",
        "outbox rows",
        "held in 2026",
        "gather ms",
        "text/csv/html/png ms",
        "the same, CPU ms",
        "peak MB (traced)",
        "build s",
    ]
    rows = []
    for size in (int(part) for part in options.sizes.split(",")):
        rows.append(await one_size(size, options.runs, options.database_url))
    where = "PostgreSQL" if options.database_url else "SQLite"
    print(f"The committee's report for 2026, {where}; medians of {options.runs} runs.")
    print(_table(header, rows))
    print(f"Process peak resident memory (including building the data): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
