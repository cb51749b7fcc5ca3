"""The speech pipeline with real libraries: espeak-ng, PyAV and gTTS against a fake Google
on 127.0.0.1. No test reaches the internet (the guard in conftest makes it fail)."""

from __future__ import annotations

import array
import asyncio
import base64
import hashlib
import io
import json
import logging
import math
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import av
import gtts.tts
import pytest
from sqlalchemy import func, select

from bot.bootstrap import Club
from bot.channels.speech import (
    AudioError,
    FallbackSpeech,
    GoogleSpeech,
    OfflineSpeech,
    SpeechCache,
    SpeechUnavailable,
    mp3_to_ogg_opus,
    pcm_to_mp3,
    speech_engine_for,
    synthesise_with_maker,
)
from storage.models import Person, SpeechClip, SpeechClipPerson
from tests.fakes.speech import CountingSpeech

REMINDER = (
    "Hello Mary. The music session is on Tuesday 14 May, in the morning at half past ten, "
    "at Stockwell Hall, SW9 0AB. Are you coming?"
)
TEXTS = [REMINDER, "The craft afternoon is on Sunday 19 May.", "The session is cancelled."]


def tone(hertz: float, seconds: float = 0.5, rate: int = 24_000) -> bytes:
    """A real MP3 of a sine tone; different tones tell apart who made a clip."""
    wave = (math.sin(2 * math.pi * hertz * i / rate) for i in range(int(seconds * rate)))
    samples = array.array("h", (int(8000 * value) for value in wave))
    return pcm_to_mp3(samples.tobytes(), rate)


def without_id3(mp3: bytes) -> bytes:
    """Bare MP3 frames, as Google sends them; gTTS joins parts, so no tag may sit between."""
    if not mp3.startswith(b"ID3"):
        return mp3
    size = 0
    for byte in mp3[6:10]:
        size = (size << 7) | byte
    return mp3[10 + size :]


def decode(mp3: bytes) -> tuple[str, int, float, int]:
    """Codec name, sample rate, seconds and loudest sample, by really decoding."""
    with av.open(io.BytesIO(mp3), "r") as container:
        stream = container.streams.audio[0]
        name, rate = stream.codec_context.name, stream.codec_context.sample_rate
        samples, loudest = 0, 0
        for frame in container.decode(audio=0):
            samples += frame.samples
            loudest = max(loudest, _loudest(frame))
    return name, rate, samples / rate, loudest


def _loudest(frame: av.AudioFrame) -> int:
    resampled = av.AudioResampler(format="s16", layout="mono", rate=frame.sample_rate)
    peak = 0
    for out in resampled.resample(frame):
        values = array.array("h", bytes(out.planes[0])[: out.samples * 2])
        peak = max([peak, *(abs(v) for v in values)])
    return peak


@dataclass
class BrokenSpeech:
    """Always fails, as Google does with no internet."""

    name: str = "broken"
    calls: int = 0

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        self.calls += 1
        raise SpeechUnavailable("down")


@dataclass
class GatedSpeech:
    """Waits at a gate, so two 'processes' are caught synthesising the same key at once."""

    audio: bytes
    gate: asyncio.Event
    all_in: asyncio.Event
    started: list[str] = field(default_factory=list)
    name: str = "gated"

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        self.started.append(text)
        if len(self.started) == 2:
            self.all_in.set()
        await self.gate.wait()
        return self.audio


# Offline engine and audio


@pytest.mark.parametrize(
    ("language", "tld"), [("en", "co.uk"), ("pt", "pt"), ("es", "es"), ("pl", "pl"), ("fr", "fr")]
)
async def test_offline_engine_makes_real_mp3(language: str, tld: str) -> None:
    mp3 = await OfflineSpeech().synthesise(REMINDER, language, tld, False)
    codec, rate, seconds, loudest = decode(mp3)
    assert codec.startswith("mp3")
    assert rate == 22_050
    assert 3 < seconds < 30
    assert loudest > 1000  # speech, not silence


async def test_slow_offline_speech_is_longer() -> None:
    engine = OfflineSpeech()
    normal = decode(await engine.synthesise(REMINDER, "en", "co.uk", False))[2]
    slow = decode(await engine.synthesise(REMINDER, "en", "co.uk", True))[2]
    assert slow > normal * 1.15


async def test_offline_engine_serialises_concurrent_calls() -> None:
    engine = OfflineSpeech()
    texts = [f"Session number {n} is on Tuesday." for n in range(12)]
    clips = await asyncio.gather(*(engine.synthesise(t, "en", "co.uk", False) for t in texts))
    assert all(decode(mp3)[2] > 1 for mp3 in clips)


async def test_offline_engine_without_a_voice_is_unavailable() -> None:
    with pytest.raises(SpeechUnavailable):
        await OfflineSpeech().synthesise("Ẹ káàárọ̀", "yo", "com", False)


async def test_mp3_becomes_a_real_ogg_opus_voice_note() -> None:
    mp3 = await OfflineSpeech().synthesise(REMINDER, "en", "co.uk", False)
    ogg, seconds = mp3_to_ogg_opus(mp3)
    assert ogg.startswith(b"OggS")
    assert b"OpusHead" in ogg
    with av.open(io.BytesIO(ogg), "r") as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert stream.codec_context.sample_rate == 48_000
        assert stream.codec_context.channels == 1
        decoded = sum(frame.samples for frame in container.decode(audio=0)) / 48_000
    assert seconds > 0
    assert abs(decoded - seconds) < 0.1
    assert abs(seconds - decode(mp3)[2]) < 0.1


def test_broken_mp3_is_an_audio_error() -> None:
    with pytest.raises(AudioError):
        mp3_to_ogg_opus(b"this is not audio" * 50)


# The cache


async def test_a_thousand_requests_over_three_texts_synthesise_three_times(club: Club) -> None:
    engine = CountingSpeech(OfflineSpeech())
    cache = SpeechCache(club.units, engine)
    clips = [await cache.speak(TEXTS[n % 3], "en", "co.uk") for n in range(1000)]
    assert engine.calls == 3
    assert len({clip.key for clip in clips}) == 3
    async with club.units() as unit:
        assert await unit.session.scalar(select(func.count()).select_from(SpeechClip)) == 3


async def test_concurrent_requests_synthesise_each_text_once(club: Club) -> None:
    engine = CountingSpeech(OfflineSpeech())
    cache = SpeechCache(club.units, engine)
    notes = await asyncio.gather(
        *(cache.voice_note(TEXTS[n % 3], "en", "co.uk") for n in range(1000))
    )
    assert engine.calls == 3
    assert len({note.ogg for note in notes}) == 3
    assert all(note.ogg.startswith(b"OggS") and note.seconds > 0 for note in notes)


async def test_a_clip_is_stored_with_mp3_ogg_and_seconds_and_served_by_key(club: Club) -> None:
    cache = SpeechCache(club.units, OfflineSpeech())
    made = await cache.speak(REMINDER, "en", "co.uk")
    served = await cache.clip(made.key)
    assert served is not None
    assert served.mp3 == made.mp3
    assert served.ogg is not None and served.ogg.startswith(b"OggS")
    assert served.seconds is not None and served.seconds > 3
    assert served.made_by == "espeak-ng"
    expected = json.dumps([REMINDER, "en", "co.uk", "espeak-ng"], ensure_ascii=False)
    assert made.digest == hashlib.sha256(expected.encode()).hexdigest()
    assert await cache.clip(made.digest) is None, "the hash of the words is not its name"
    assert await cache.clip("0" * 64) is None
    assert await cache.clip("../../etc/passwd") is None


async def test_slow_speech_and_other_languages_are_different_clips(club: Club) -> None:
    engine = CountingSpeech(OfflineSpeech())
    cache = SpeechCache(club.units, engine)
    for language, tld, slow in [("en", "co.uk", False), ("en", "co.uk", True), ("pt", "pt", False)]:
        await cache.speak("Olá", language, tld, slow=slow)
    assert engine.calls == 3


async def test_ogg_is_made_lazily_when_asked(club: Club) -> None:
    cache = SpeechCache(club.units, OfflineSpeech(), eager_ogg=False)
    clip = await cache.speak(REMINDER, "en", "co.uk")
    assert clip.ogg is None
    note = await cache.voice_note(REMINDER, "en", "co.uk")
    stored = await cache.clip(clip.key)
    assert stored is not None and stored.ogg == note.ogg and stored.seconds == note.seconds


async def test_an_insert_race_between_processes_keeps_one_clip(club: Club) -> None:
    gate, all_in = asyncio.Event(), asyncio.Event()
    first = GatedSpeech(tone(440), gate, all_in)
    second = GatedSpeech(tone(660), gate, all_in, started=first.started)
    one, two = SpeechCache(club.units, first), SpeechCache(club.units, second)
    racing = [asyncio.create_task(c.speak(REMINDER, "en", "co.uk")) for c in (one, two)]
    await asyncio.wait_for(all_in.wait(), 10)  # both "processes" are synthesising now
    gate.set()
    a, b = await asyncio.gather(*racing)
    assert a.key == b.key and a.mp3 == b.mp3
    async with club.units() as unit:
        assert await unit.session.scalar(select(func.count()).select_from(SpeechClip)) == 1


async def test_erasing_a_person_removes_the_audio_played_to_them_or_naming_them(
    club: Club,
) -> None:
    async with club.units() as uow:
        ann = await uow.people.add(Person(name="Ann Lee", console_name="ann-speech"), ["member"])
        bob = await uow.people.add(Person(name="Bob", console_name="bob-speech"), ["carer"])
        await uow.commit()
        ann_id, bob_id = ann.id, bob.id
    cache = SpeechCache(club.units, OfflineSpeech())
    general = await cache.speak("Hello everyone.", "en", "co.uk", for_person=bob_id)
    shared = await cache.speak("See you on Tuesday.", "en", "co.uk", for_person=ann_id)
    again = await cache.speak("See you on Tuesday.", "en", "co.uk", for_person=bob_id)
    for_carer = await cache.speak("Is Ann Lee coming?", "en", "co.uk", for_person=bob_id)
    assert again.key == shared.key, "made once, played to both"
    async with club.units() as uow:
        await uow.people.erase([ann_id])
        await uow.commit()
    assert await cache.clip(shared.key) is None
    assert await cache.clip(for_carer.key) is None, "it names her"
    assert await cache.clip(general.key) is not None
    remade = await cache.speak("See you on Tuesday.", "en", "co.uk", for_person=bob_id)
    assert remade.key != shared.key, "made again for Bob, under a new key"


async def test_a_clip_for_someone_no_longer_here_is_made_but_linked_to_nobody(
    club: Club,
) -> None:
    cache = SpeechCache(club.units, OfflineSpeech())
    clip = await cache.speak("Hello.", "en", "co.uk", for_person=999_999)
    assert await cache.clip(clip.key) is not None
    async with club.units() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(SpeechClipPerson)) == 0


# Falling back


async def test_fallback_speaks_when_the_primary_fails() -> None:
    now = [0.0]
    broken = BrokenSpeech()
    engine = FallbackSpeech(broken, OfflineSpeech(), rest_seconds=60, clock=lambda: now[0])
    mp3, maker = await synthesise_with_maker(engine, REMINDER, "en", "co.uk", False)
    assert maker == "espeak-ng" and decode(mp3)[2] > 3
    assert engine.name == "broken"
    await engine.synthesise("Again.", "en", "co.uk", False)
    assert broken.calls == 1  # resting: the primary is not asked again at once
    now[0] = 61.0
    await engine.synthesise("Later.", "en", "co.uk", False)
    assert broken.calls == 2


async def test_the_cache_records_which_engine_really_spoke(club: Club) -> None:
    cache = SpeechCache(club.units, FallbackSpeech(BrokenSpeech(), OfflineSpeech()))
    clip = await cache.speak(REMINDER, "en", "co.uk")
    assert clip.made_by == "espeak-ng"
    assert clip.digest == cache.digest_for(REMINDER, "en", "co.uk")
    async with club.units() as unit:
        row = await unit.session.get(SpeechClip, clip.key)
        assert row is not None and row.engine == "espeak-ng" and row.words == REMINDER


def test_the_setting_chooses_the_engine() -> None:
    chosen = speech_engine_for("gtts")
    assert isinstance(chosen, FallbackSpeech)
    assert isinstance(chosen.primary, GoogleSpeech) and isinstance(chosen.fallback, OfflineSpeech)
    assert isinstance(speech_engine_for("offline"), OfflineSpeech)
    assert speech_engine_for("off") is None
    with pytest.raises(ValueError, match="unknown"):
        speech_engine_for("festival")


# Google, against a fake Google on 127.0.0.1


@dataclass
class FakeGoogle:
    """Answers gTTS's batchexecute calls the way Google does, with base64 MP3 audio."""

    audio: bytes
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def answer(self, body: str) -> tuple[int, bytes]:
        rpc = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
        rpc_id, parameter = rpc[0][0][0], json.loads(rpc[0][0][1])
        text, language, speed = parameter[0], parameter[1], parameter[2]
        self.requests.append({"rpc": rpc_id, "text": text, "lang": language, "slow": speed})
        if self.status != 200:
            return self.status, b"Server Error"
        payload = json.dumps([base64.b64encode(self.audio).decode()], separators=(",", ":"))
        line = json.dumps(
            [["wrb.fr", rpc_id, payload, None, None, None, "generic"], ["di", 42]],
            separators=(",", ":"),
        )
        return 200, f")]}}'\n\n{len(line)}\n{line}\n".encode()


@pytest.fixture
def fake_google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    fake = FakeGoogle(without_id3(tone(440)))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            status, reply = fake.answer(body)
            time.sleep(fake.delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]

    def local_url(tld: str = "com", path: str = "") -> str:
        fake.domains.append(tld)
        return f"http://127.0.0.1:{port}/{path}"

    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(gtts.tts, "_translate_url", local_url)
    yield fake
    server.shutdown()
    server.server_close()


async def test_google_speech_asks_for_british_english(fake_google: FakeGoogle) -> None:
    mp3 = await GoogleSpeech(timeout=5).synthesise(REMINDER, "en", "co.uk", False)
    parts = len(fake_google.requests)
    assert parts >= 2  # gTTS sends at most 100 characters a time
    assert mp3 == fake_google.audio * parts
    assert decode(mp3)[2] > 0.4 * parts
    assert set(fake_google.domains) == {"co.uk"}
    assert {(r["rpc"], r["lang"], r["slow"]) for r in fake_google.requests} == {
        ("jQ1olc", "en", None)
    }
    assert " ".join(r["text"] for r in fake_google.requests).startswith("Hello Mary")


async def test_google_speech_asks_for_slow_speech(fake_google: FakeGoogle) -> None:
    await GoogleSpeech(timeout=5).synthesise("Hola.", "es", "es", True)
    assert fake_google.requests == [{"rpc": "jQ1olc", "text": "Hola.", "lang": "es", "slow": True}]


async def test_a_google_http_error_falls_back_to_offline(fake_google: FakeGoogle) -> None:
    fake_google.status = 500
    with pytest.raises(SpeechUnavailable):
        await GoogleSpeech(timeout=5).synthesise(REMINDER, "en", "co.uk", False)
    mp3, maker = await synthesise_with_maker(
        FallbackSpeech(GoogleSpeech(timeout=5), OfflineSpeech()), REMINDER, "en", "co.uk", False
    )
    assert maker == "espeak-ng" and decode(mp3)[1] == 22_050


async def test_a_slow_google_times_out(fake_google: FakeGoogle) -> None:
    fake_google.delay = 3.0
    started = time.monotonic()
    with pytest.raises(SpeechUnavailable):
        await GoogleSpeech(timeout=0.3).synthesise("Hello.", "en", "co.uk", False)
    assert time.monotonic() - started < 2.5


async def test_google_through_the_cache_is_made_by_google(
    fake_google: FakeGoogle, club: Club
) -> None:
    cache = SpeechCache(club.units, speech_engine_for("gtts") or OfflineSpeech())
    note = await cache.voice_note("Hello.", "en", "co.uk")
    clip = await cache.speak("Hello.", "en", "co.uk")
    assert clip.made_by == "gtts" and clip.mp3 == fake_google.audio
    assert note.ogg.startswith(b"OggS") and 0.4 < note.seconds < 0.7
    assert len(fake_google.requests) == 1


async def test_without_internet_google_fails_and_offline_speaks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SpeechUnavailable):
        await GoogleSpeech(timeout=2).synthesise(REMINDER, "en", "co.uk", False)
    engine = speech_engine_for("gtts")
    assert engine is not None
    mp3, maker = await synthesise_with_maker(engine, REMINDER, "en", "co.uk", False)
    assert maker == "espeak-ng" and decode(mp3)[2] > 3
    assert "Mary" not in caplog.text  # logs never carry message texts


async def test_logs_carry_no_message_text(
    fake_google: FakeGoogle, club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = SpeechCache(club.units, FallbackSpeech(GoogleSpeech(timeout=5), OfflineSpeech()))
    await cache.voice_note(REMINDER, "en", "co.uk")
    fake_google.status = 500
    await cache.voice_note("Hello Mary, see you soon.", "en", "co.uk")
    assert caplog.records  # something was logged
    assert "Mary" not in caplog.text
