"""Speech engines: Google (gTTS) by default, espeak-ng offline, and one that falls back.

Every engine returns MP3. Failures become `SpeechUnavailable`, so a caller needs to know
one exception only, and no log line ever carries the text being spoken.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from gtts import gTTS

from bot.channels.speech.audio import AudioError, pcm_to_mp3
from bot.channels.speech.espeak import EspeakError, speak_in_worker

__all__ = [
    "FallbackSpeech",
    "GoogleSpeech",
    "OfflineSpeech",
    "ReportsMaker",
    "SpeechEngine",
    "SpeechUnavailable",
    "speech_engine_for",
    "synthesise_with_maker",
]

log = logging.getLogger(__name__)

# gTTS logs each text at DEBUG; keep its loggers above that so no message text is logged.
logging.getLogger("gtts").setLevel(logging.INFO)


class SpeechUnavailable(RuntimeError):
    """This engine could not speak the text now (no internet, no voice, an error)."""


class SpeechEngine(Protocol):
    """Turns text into MP3 audio. `name` goes into the cache key."""

    @property
    def name(self) -> str: ...

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes: ...


@runtime_checkable
class ReportsMaker(Protocol):
    """An engine that can say which engine actually made the audio (after a fallback)."""

    async def synthesise_reporting(
        self, text: str, language: str, tld: str, slow: bool
    ) -> tuple[bytes, str]: ...


class GoogleSpeech:
    """gTTS: natural voices, needs the internet. gTTS blocks, so it runs in a thread."""

    name = "gtts"

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = timeout

    def _fetch(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        out = io.BytesIO()
        gTTS(text, tld=tld, lang=language, slow=slow, timeout=self._timeout).write_to_fp(out)
        return out.getvalue()

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        # A long text is several requests; the whole job gets a bound, not just each one.
        limit = self._timeout * (2 + len(text) // 100)
        try:
            mp3 = await asyncio.wait_for(
                asyncio.to_thread(self._fetch, text, language, tld, slow), limit
            )
        except Exception as error:  # network, HTTP, parsing: all mean "not now"
            log.warning("gTTS failed: %s", type(error).__name__)
            raise SpeechUnavailable("Google speech is unavailable") from error
        if not mp3:
            raise SpeechUnavailable("Google speech returned no audio")
        return mp3


# (speech language, Google domain) to espeak-ng voice; otherwise the language itself.
ESPEAK_VOICES = {
    ("en", "co.uk"): "en-gb",
    ("en", "com"): "en-us",
    ("en", "us"): "en-us",
    ("pt", "com.br"): "pt-br",
    ("es", "com.mx"): "es-419",
}


class OfflineSpeech:
    """espeak-ng from the PyPI wheel: robotic but always there, in local mode and tests."""

    name = "espeak-ng"

    def __init__(self, words_per_minute: int = 160, slow_words_per_minute: int = 120) -> None:
        # espeak's default 175 is brisk; 160 is ordinary conversation, 120 clearly slower.
        self._normal = words_per_minute
        self._slow = slow_words_per_minute

    @staticmethod
    def voice_for(language: str, tld: str) -> str:
        return ESPEAK_VOICES.get((language, tld), language)

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        voice = self.voice_for(language, tld)
        try:
            pcm = await speak_in_worker(text, voice, self._slow if slow else self._normal)
            return await asyncio.to_thread(pcm_to_mp3, pcm.samples, pcm.rate)
        except (EspeakError, AudioError) as error:
            log.warning("espeak-ng failed for voice %s: %s", voice, type(error).__name__)
            raise SpeechUnavailable("offline speech failed") from error


class FallbackSpeech:
    """Tries the primary; when it fails, the fallback speaks instead.

    After a failure the primary is skipped for `rest_seconds`, so a broadcast while the
    internet is down does not wait for one timeout per distinct text.
    """

    def __init__(
        self,
        primary: SpeechEngine,
        fallback: SpeechEngine,
        rest_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self._rest = rest_seconds
        self._clock = clock
        self._resting_until = float("-inf")

    @property
    def name(self) -> str:
        """The primary's name: the cache key says what was asked for, not what served."""
        return self.primary.name

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        mp3, _maker = await self.synthesise_reporting(text, language, tld, slow)
        return mp3

    async def synthesise_reporting(
        self, text: str, language: str, tld: str, slow: bool
    ) -> tuple[bytes, str]:
        if self._clock() >= self._resting_until:
            try:
                return await synthesise_with_maker(self.primary, text, language, tld, slow)
            except Exception as error:
                self._resting_until = self._clock() + self._rest
                log.warning(
                    "speech engine %s failed (%s); using %s",
                    self.primary.name,
                    type(error).__name__,
                    self.fallback.name,
                )
        return await synthesise_with_maker(self.fallback, text, language, tld, slow)


async def synthesise_with_maker(
    engine: SpeechEngine, text: str, language: str, tld: str, slow: bool
) -> tuple[bytes, str]:
    """MP3 plus the name of the engine that really made it, for the clip's record."""
    if isinstance(engine, ReportsMaker):
        return await engine.synthesise_reporting(text, language, tld, slow)
    return await engine.synthesise(text, language, tld, slow), engine.name


def speech_engine_for(setting: str) -> SpeechEngine | None:
    """The engine for the TTS_ENGINE setting: gtts (with offline fallback), offline, off."""
    if setting == "gtts":
        return FallbackSpeech(GoogleSpeech(), OfflineSpeech())
    if setting == "offline":
        return OfflineSpeech()
    if setting == "off":
        return None
    raise ValueError(f"unknown speech engine setting {setting!r}")
