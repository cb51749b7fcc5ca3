"""A speech engine that counts what it is asked to say, to show that the cache makes each
distinct text once (the tests and the speech benchmark both count)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.speech import SpeechEngine

__all__ = ["CountingSpeech"]


@dataclass
class CountingSpeech:
    """Wraps an engine and counts syntheses."""

    inner: SpeechEngine
    calls: int = 0

    @property
    def name(self) -> str:
        return self.inner.name

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        self.calls += 1
        return await self.inner.synthesise(text, language, tld, slow)
