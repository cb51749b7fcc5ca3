"""The speech cache: each distinct (text, language, voice, engine) is synthesised once.

Clips live in the `speech_clips` table, so every process and every restart shares them,
and a broadcast to a thousand people makes one clip per distinct text. Within a process,
concurrent requests for one key share a single synthesis (a per-key "single flight");
across processes, the primary key decides, and the loser of an insert race reads the
winner's clip.

OGG/Opus is made at once with the MP3 (`eager_ogg=True`): Telegram is the main channel, the
conversion costs a fraction of a second beside synthesis, and one INSERT of a complete row
leaves no later UPDATE to race. Rows without OGG (made with `eager_ogg=False`) get it on
their first voice note.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.speech.audio import mp3_to_ogg_opus
from bot.channels.speech.engines import SpeechEngine, synthesise_with_maker
from storage.models import SpeechClip

__all__ = ["Clip", "SpeechCache", "UnitSource", "VoiceNote", "clip_key", "voice_label"]

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
T = TypeVar("T")


class _HasSession(Protocol):
    @property
    def session(self) -> AsyncSession: ...


UnitSource = Callable[[], AbstractAsyncContextManager[_HasSession]]
"""Anything like `UnitOfWorkFactory`: called, gives a unit of work with a `.session`."""


@dataclass(frozen=True)
class Clip:
    """A stored clip, detached from any database session."""

    key: str
    mp3: bytes
    ogg: bytes | None
    seconds: float | None
    made_by: str
    person_id: int | None


class VoiceNote(NamedTuple):
    """What Telegram's sendVoice takes: OGG/Opus bytes and the length in seconds."""

    ogg: bytes
    seconds: float


def voice_label(tld: str, slow: bool) -> str:
    """The accent (Google domain) and speed, as stored in the clip's `voice` column."""
    return f"{tld}-slow" if slow else tld


def clip_key(
    text: str, language: str, voice: str, engine: str, person_id: int | None = None
) -> str:
    """sha256 hex of what makes the audio; a person's own clip also carries their id,
    so erasing one person never deletes, or leaves behind, audio made for another."""
    parts: list[object] = [text, language, voice, engine]
    if person_id is not None:
        parts.append(person_id)
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _detached(row: SpeechClip) -> Clip:
    return Clip(row.key, row.mp3, row.ogg, row.seconds, row.engine, row.person_id)


class SpeechCache:
    """Finds or makes clips; `speak` for the MP3 (Twilio, links), `voice_note` for Telegram."""

    def __init__(self, units: UnitSource, engine: SpeechEngine, *, eager_ogg: bool = True) -> None:
        self._units = units
        self._engine = engine
        self._eager_ogg = eager_ogg
        self._flights: dict[str, asyncio.Future[Any]] = {}

    def key_for(
        self,
        text: str,
        language: str,
        tld: str,
        *,
        slow: bool = False,
        person_id: int | None = None,
    ) -> str:
        return clip_key(text, language, voice_label(tld, slow), self._engine.name, person_id)

    async def speak(
        self,
        text: str,
        language: str,
        tld: str,
        *,
        slow: bool = False,
        person_id: int | None = None,
    ) -> Clip:
        """The clip for this text, synthesised only if no process has made it yet."""
        key = self.key_for(text, language, tld, slow=slow, person_id=person_id)
        return await self._single_flight(
            key, lambda: self._load_or_make(key, text, language, tld, slow, person_id)
        )

    async def voice_note(
        self,
        text: str,
        language: str,
        tld: str,
        *,
        slow: bool = False,
        person_id: int | None = None,
    ) -> VoiceNote:
        clip = await self.speak(text, language, tld, slow=slow, person_id=person_id)
        if clip.ogg is None or clip.seconds is None:
            clip = await self._single_flight(f"ogg:{clip.key}", lambda: self._add_ogg(clip))
        assert clip.ogg is not None and clip.seconds is not None
        return VoiceNote(clip.ogg, clip.seconds)

    async def clip(self, key: str) -> Clip | None:
        """A stored clip by key, for `GET /audio/{key}`; None for unknown or malformed keys."""
        if not KEY_PATTERN.fullmatch(key):
            return None
        return await self._read(key)

    async def mp3(self, key: str) -> bytes | None:
        """A stored clip's MP3, for `GET /audio/{key}`."""
        found = await self.clip(key)
        return found.mp3 if found else None

    async def forget(self, person_id: int) -> int:
        """Delete a person's own clips (erasure also cascades when the person row goes)."""
        async with self._units() as unit:
            result = await unit.session.execute(
                delete(SpeechClip).where(SpeechClip.person_id == person_id)
            )
            await unit.session.commit()
        return cast(CursorResult[Any], result).rowcount

    async def _single_flight(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Callers of one key share one task; a cancelled caller does not cancel the rest."""
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(make())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        return cast(T, await asyncio.shield(flight))

    def _landed(self, key: str, done: asyncio.Future[Any]) -> None:
        if self._flights.get(key) is done:
            del self._flights[key]
        if not done.cancelled():
            done.exception()  # retrieved here, so an unawaited failure is not reported twice

    async def _read(self, key: str) -> Clip | None:
        async with self._units() as unit:
            row = await unit.session.get(SpeechClip, key)
            return None if row is None else _detached(row)

    async def _load_or_make(
        self, key: str, text: str, language: str, tld: str, slow: bool, person_id: int | None
    ) -> Clip:
        found = await self._read(key)
        if found is not None:
            return found
        mp3, maker = await synthesise_with_maker(self._engine, text, language, tld, slow)
        ogg: bytes | None = None
        seconds: float | None = None
        if self._eager_ogg:
            ogg, seconds = await asyncio.to_thread(mp3_to_ogg_opus, mp3)
        clip = Clip(key, mp3, ogg, seconds, maker, person_id)
        log.info("speech clip %s made by %s: %d bytes MP3", key[:12], maker, len(mp3))
        return await self._store(clip, language, voice_label(tld, slow))

    async def _store(self, clip: Clip, language: str, voice: str) -> Clip:
        row = SpeechClip(
            key=clip.key,
            language=language,
            voice=voice,
            engine=clip.made_by,
            mp3=clip.mp3,
            ogg=clip.ogg,
            seconds=clip.seconds,
            person_id=clip.person_id,
        )
        try:
            async with self._units() as unit:
                unit.session.add(row)
                await unit.session.commit()
        except IntegrityError:
            # Another process stored this key first (or the person is gone): use theirs.
            stored = await self._read(clip.key)
            if stored is None:
                raise
            log.info("speech clip %s was stored by another process", clip.key[:12])
            return stored
        return clip

    async def _add_ogg(self, clip: Clip) -> Clip:
        ogg, seconds = await asyncio.to_thread(mp3_to_ogg_opus, clip.mp3)
        async with self._units() as unit:
            query = update(SpeechClip).where(SpeechClip.key == clip.key)
            await unit.session.execute(query.values(ogg=ogg, seconds=seconds))
            await unit.session.commit()
        return replace(clip, ogg=ogg, seconds=seconds)
