"""The speech cache: each distinct (text, language, voice, engine) is synthesised once.

Clips live in the `speech_clips` table, so every process and every restart shares them,
and a broadcast to a thousand people makes one clip per distinct text. A clip is found by
the digest of what makes it, but named outside (in /audio/{key}.mp3) by a random key, so
nobody can test whether some words were said by working out their hash. A clip played to
someone is linked to them, and erasing them deletes it (and any clip whose words name
them); another person needing the same words later gets them made again.

Within a process, concurrent requests for one clip share a single synthesis (a per-digest
"single flight"); across processes, the digest's unique constraint decides, and the loser
of an insert race reads the winner's clip.

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
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.speech.audio import mp3_to_ogg_opus
from bot.channels.speech.engines import SpeechEngine, synthesise_with_maker
from storage.models import SpeechClip, SpeechClipPerson

__all__ = ["Clip", "SpeechCache", "UnitSource", "VoiceNote", "content_digest", "voice_label"]

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
    digest: str
    mp3: bytes
    ogg: bytes | None
    seconds: float | None
    made_by: str


class VoiceNote(NamedTuple):
    """What Telegram's sendVoice takes: OGG/Opus bytes and the length in seconds."""

    ogg: bytes
    seconds: float


def voice_label(tld: str, slow: bool) -> str:
    """The accent (Google domain) and speed, as stored in the clip's `voice` column."""
    return f"{tld}-slow" if slow else tld


def content_digest(text: str, language: str, voice: str, engine: str) -> str:
    """sha256 hex of what makes the audio: the same words are made once."""
    parts = [text, language, voice, engine]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _detached(row: SpeechClip) -> Clip:
    return Clip(row.key, row.digest, row.mp3, row.ogg, row.seconds, row.engine)


class SpeechCache:
    """Finds or makes clips; `speak` for the MP3 (Twilio, links), `voice_note` for Telegram."""

    def __init__(self, units: UnitSource, engine: SpeechEngine, *, eager_ogg: bool = True) -> None:
        self._units = units
        self._engine = engine
        self._eager_ogg = eager_ogg
        self._flights: dict[str, asyncio.Future[Any]] = {}

    def digest_for(self, text: str, language: str, tld: str, *, slow: bool = False) -> str:
        return content_digest(text, language, voice_label(tld, slow), self._engine.name)

    async def speak(
        self,
        text: str,
        language: str,
        tld: str,
        *,
        slow: bool = False,
        for_person: int | None = None,
    ) -> Clip:
        """The clip for this text, synthesised only if no process has made it yet; played
        to `for_person`, it is linked to them (and goes when they are erased)."""
        digest = self.digest_for(text, language, tld, slow=slow)
        clip = await self._single_flight(
            digest, lambda: self._load_or_make(digest, text, language, tld, slow)
        )
        if for_person is not None:
            await self._link(clip.key, for_person)
        return clip

    async def voice_note(
        self, text: str, language: str, tld: str, *, slow: bool = False
    ) -> VoiceNote:
        clip = await self.speak(text, language, tld, slow=slow)
        if clip.ogg is None or clip.seconds is None:
            clip = await self._single_flight(f"ogg:{clip.key}", lambda: self._add_ogg(clip))
        assert clip.ogg is not None and clip.seconds is not None
        return VoiceNote(clip.ogg, clip.seconds)

    async def clip(self, key: str) -> Clip | None:
        """A stored clip by its key, for `GET /audio/{key}`; None for unknown or malformed
        keys."""
        if not KEY_PATTERN.fullmatch(key):
            return None
        async with self._units() as unit:
            row = await unit.session.get(SpeechClip, key)
            return None if row is None else _detached(row)

    async def mp3(self, key: str) -> bytes | None:
        """A stored clip's MP3, for `GET /audio/{key}`."""
        found = await self.clip(key)
        return found.mp3 if found else None

    async def find(self, text: str, language: str, tld: str, *, slow: bool = False) -> Clip | None:
        """The stored clip of these words, if one has been made."""
        return await self._read(self.digest_for(text, language, tld, slow=slow))

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

    async def _read(self, digest: str) -> Clip | None:
        async with self._units() as unit:
            query = select(SpeechClip).where(SpeechClip.digest == digest)
            row = (await unit.session.scalars(query)).first()
            return None if row is None else _detached(row)

    async def _load_or_make(
        self, digest: str, text: str, language: str, tld: str, slow: bool
    ) -> Clip:
        found = await self._read(digest)
        if found is not None:
            return found
        mp3, maker = await synthesise_with_maker(self._engine, text, language, tld, slow)
        ogg: bytes | None = None
        seconds: float | None = None
        if self._eager_ogg:
            ogg, seconds = await asyncio.to_thread(mp3_to_ogg_opus, mp3)
        clip = Clip(secrets.token_hex(32), digest, mp3, ogg, seconds, maker)
        log.info("speech clip %s made by %s: %d bytes MP3", clip.key[:12], maker, len(mp3))
        return await self._store(clip, text, language, voice_label(tld, slow))

    async def _store(self, clip: Clip, text: str, language: str, voice: str) -> Clip:
        row = SpeechClip(
            key=clip.key,
            digest=clip.digest,
            words=text,
            language=language,
            voice=voice,
            engine=clip.made_by,
            mp3=clip.mp3,
            ogg=clip.ogg,
            seconds=clip.seconds,
        )
        try:
            async with self._units() as unit:
                unit.session.add(row)
                await unit.session.commit()
        except IntegrityError:
            # Another process stored these words first: use theirs.
            stored = await self._read(clip.digest)
            if stored is None:
                raise
            log.info("speech clip %s was stored by another process", stored.key[:12])
            return stored
        return clip

    async def _link(self, key: str, person_id: int) -> None:
        """Note that the clip was played to this person (once is enough)."""
        try:
            async with self._units() as unit:
                if await unit.session.get(SpeechClipPerson, (key, person_id)) is None:
                    unit.session.add(SpeechClipPerson(clip_key=key, person_id=person_id))
                    await unit.session.commit()
        except IntegrityError:  # linked by a concurrent call, or the person is gone
            log.info("speech clip %s already linked, or its person gone", key[:12])

    async def _add_ogg(self, clip: Clip) -> Clip:
        ogg, seconds = await asyncio.to_thread(mp3_to_ogg_opus, clip.mp3)
        async with self._units() as unit:
            query = update(SpeechClip).where(SpeechClip.key == clip.key)
            await unit.session.execute(query.values(ogg=ogg, seconds=seconds))
            await unit.session.commit()
        return replace(clip, ogg=ogg, seconds=seconds)
