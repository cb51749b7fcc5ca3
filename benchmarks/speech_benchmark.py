"""Speech timings and memory: `python -m benchmarks.speech_benchmark` from the repo root.

(c) One offline voice note for a typical reminder: espeak-ng, MP3, then OGG/Opus.
(b) A notice to 1,000 people with 3 distinct texts, through the database cache: it must
    synthesise exactly 3 times, whether people are served one by one or all at once.
Figures go in the README; they are never assertions in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import delete

from bot.channels.speech import OfflineSpeech, SpeechCache, mp3_to_ogg_opus
from storage import UnitOfWorkFactory, migrate, open_database
from storage.models import SpeechClip
from tests.fakes.speech import CountingSpeech

REMINDER = (
    "Hello Mary, the music session is on Tuesday 14 May in the morning at half past ten "
    "at Stockwell Hall, SW9 0AB. Are you coming?"
)
NOTICES = [
    REMINDER,
    "The craft afternoon is on Sunday 19 May in the afternoon at two o'clock.",
    "The session on Thursday 16 May is cancelled. We are sorry. See you next week.",
]
PEOPLE = 1_000


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one_voice_note(engine: OfflineSpeech) -> tuple[float, float, float]:
    """Seconds to synthesise MP3, seconds to make OGG/Opus, and the note's length."""
    started = time.perf_counter()
    mp3 = await engine.synthesise(REMINDER, "en", "co.uk", False)
    made = time.perf_counter()
    _ogg, seconds = await asyncio.to_thread(mp3_to_ogg_opus, mp3)
    return made - started, time.perf_counter() - made, seconds


async def voice_note_figures(runs: int) -> list[tuple[str, str]]:
    engine = OfflineSpeech()
    rss_before = max_rss_mb()
    tracemalloc.start()
    cold = await one_voice_note(engine)
    warm = [await one_voice_note(engine) for _ in range(runs)]
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = max_rss_mb()
    totals = [mp3 + ogg for mp3, ogg, _ in warm]
    return [
        ("reminder words", str(len(REMINDER.split()))),
        ("voice note length (s)", f"{warm[0][2]:.2f}"),
        ("first voice note, loads espeak-ng (s)", f"{cold[0] + cold[1]:.3f}"),
        (f"voice note, median of {runs} (s)", f"{statistics.median(totals):.3f}"),
        ("  of which espeak-ng + MP3 (s)", f"{statistics.median(m for m, _, _ in warm):.3f}"),
        ("  of which MP3 to OGG/Opus (s)", f"{statistics.median(o for _, o, _ in warm):.3f}"),
        ("Python heap peak, tracemalloc (MB)", f"{traced_peak / 2**20:.1f}"),
        ("process peak RSS before (MB)", f"{rss_before:.1f}"),
        ("process peak RSS after (MB)", f"{rss_after:.1f}"),
    ]


async def notice_figures(folder: Path) -> list[tuple[str, str]]:
    database = open_database(f"sqlite+aiosqlite:///{folder / 'speech.sqlite3'}")
    await migrate(database)
    units = UnitOfWorkFactory(database)
    rows: list[tuple[str, str]] = []
    try:
        for mode in ("one by one", "all at once"):
            engine = CountingSpeech(OfflineSpeech())
            cache = SpeechCache(units, engine)
            texts = [NOTICES[n % len(NOTICES)] for n in range(PEOPLE)]
            started = time.perf_counter()
            if mode == "one by one":
                for text in texts:
                    await cache.voice_note(text, "en", "co.uk")
            else:
                await asyncio.gather(*(cache.voice_note(text, "en", "co.uk") for text in texts))
            elapsed = time.perf_counter() - started
            rows.append((f"{PEOPLE} people, {mode}: syntheses", str(engine.calls)))
            rows.append((f"{PEOPLE} people, {mode}: wall time (s)", f"{elapsed:.2f}"))
            async with units() as unit:  # empty the cache so the second mode starts cold
                await unit.session.execute(delete(SpeechClip))
                await unit.session.commit()
    finally:
        await database.dispose()
    return rows


async def main(runs: int) -> None:
    rows = await voice_note_figures(runs)
    with tempfile.TemporaryDirectory() as folder:
        rows += await notice_figures(Path(folder))
    rows.append(("process peak RSS at end (MB)", f"{max_rss_mb():.1f}"))
    width = max(len(name) for name, _ in rows)
    print(f"{'speech benchmark':<{width}}  figure")
    print(f"{'-' * width}  ------")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="warm runs for the median")
    asyncio.run(main(parser.parse_args().runs))
