"""A call's first words: `python -m benchmarks.call_audio_benchmark [--calls 100]`.

`--calls` landline members, each reminded of a session of their own (so every call's
question is different words), are rung by the dispatcher through twilio-python and the
fake Twilio REST API, with offline speech (espeak-ng). Each call is then answered in
turn: the fake posts POST /twilio/voice, the TwiML's first `<Play>` is fetched from
GET /audio/{key}.mp3, and the time from the answer to the first audio byte served is
taken (both requests through the real web app, in process). Twice:

(ready) as the club does it: the call's audio is made before the number is rung;
(on answer) the old way, for comparison: the clips are deleted after ringing, so the
    speech is made while the person waits.

Percentiles are of the `--calls` calls. Figures go in the README, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import delete

from bot.bootstrap import Club, build_club
from config import Settings
from storage.models import ClubSession, SpeechClip, utc_now
from tests.club_data import add_phone_person, queue_reminder
from tests.fakes.twilio_api import FakeTwilioApi

PUBLIC_URL = "https://club.example.org"
CLUB_NUMBER = "+447700900001"


@asynccontextmanager
async def club_with_calls(folder: str) -> AsyncIterator[tuple[Club, FakeTwilioApi]]:
    async with FakeTwilioApi() as fake:
        settings = Settings(  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'calls.sqlite3'}",
            twilio_account_sid=fake.account_sid,
            twilio_auth_token=fake.auth_token,
            twilio_from_number=CLUB_NUMBER,
            twilio_base_url=fake.base_url,
            public_url=PUBLIC_URL,
            twilio_per_second=10_000.0,
            tts_engine="offline",
            _env_file=None,
        )
        club = build_club(settings)
        try:
            await club.prepare(demo=False)
            yield club, fake
        finally:
            await club.close()


async def ring_everyone(club: Club, calls: int) -> float:
    """Members, a session each and a reminder each, then the dispatcher rings them all:
    the seconds the dispatcher took (the audio is made in them)."""
    starts = (utc_now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    for n in range(calls):
        phone = f"+44207946{n:04d}"
        person = await add_phone_person(club, f"Member {n}", phone, landline=True, channels="voice")
        async with club.units() as uow:
            meeting = await uow.sessions.add(
                ClubSession(
                    series_id=None,
                    title=f"Club {n}",
                    activity_key="art",
                    place="Norwood Community Hall",
                    postcode="SE27 9JU",
                    starts_at=starts + timedelta(minutes=15 * n),
                    ends_at=starts + timedelta(minutes=15 * n + 60),
                )
            )
            await uow.commit()
            session = meeting.id
        club.dialogue.shape.forget()
        await queue_reminder(club, person, session)
    began = time.perf_counter()
    dispatcher = club.dispatcher()
    while await dispatcher.run_once():
        pass
    return time.perf_counter() - began


async def first_byte(club: Club, fake: FakeTwilioApi, call_sid: str) -> float:
    """Seconds from the call being answered to the first byte of its first audio."""
    transport = httpx.ASGITransport(app=club.web)
    began = time.perf_counter()
    answered = await fake.answer_call(call_sid, transport=transport)
    play = ET.fromstring(answered.text).find(".//Play")
    assert play is not None and play.text, answered.text
    async with (
        httpx.AsyncClient(transport=transport) as client,
        client.stream("GET", play.text) as audio,
    ):
        assert audio.status_code == 200
        async for _ in audio.aiter_bytes():
            break
    return time.perf_counter() - began


async def run(calls: int, on_answer: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        async with club_with_calls(folder) as (club, fake):
            ringing = await ring_everyone(club, calls)
            if on_answer:
                async with club.units() as uow:
                    await uow.session.execute(delete(SpeechClip))
                    await uow.commit()
            waits = [await first_byte(club, fake, call.sid) for call in fake.call_requests]
    cuts = statistics.quantiles(waits, n=100, method="inclusive")
    return {
        "ringing_s": ringing,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(waits) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    for name, on_answer in (("ready", False), ("on answer", True)):
        figures = asyncio.run(run(args.calls, on_answer))
        print(
            f"{name:>9}: {args.calls} calls rung in {figures['ringing_s']:.1f} s; answered to"
            f" first audio byte p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms,"
            f" max {figures['max_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
