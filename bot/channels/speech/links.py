"""Speech as the channels take it: a voice note for Telegram, a link Twilio can play.
Speech that fails never holds up the words: the text goes, and the call uses Twilio's own
voice."""

from __future__ import annotations

import logging

from bot.channels.speech.cache import SpeechCache
from conversations import Catalogue, LanguageInfo

__all__ = ["AudioLinks", "VoiceNotes"]

log = logging.getLogger(__name__)


def _voice(catalogue: Catalogue, language: str) -> LanguageInfo:
    return catalogue.info.get(language) or catalogue.info["en"]


class VoiceNotes:
    """Voice notes in the person's language: OGG/Opus bytes and their length."""

    def __init__(self, speech: SpeechCache, catalogue: Catalogue) -> None:
        self._speech = speech
        self._catalogue = catalogue

    async def __call__(self, words: str, language: str, slow: bool) -> tuple[bytes, float] | None:
        info = _voice(self._catalogue, language)
        try:
            note = await self._speech.voice_note(words, info.speech, info.speech_tld, slow=slow)
        except Exception:
            log.exception("a voice note could not be made")
            return None
        return note.ogg, note.seconds


class AudioLinks:
    """Where Twilio (or a text's link) fetches words spoken: `GET /audio/{key}.mp3`."""

    def __init__(self, speech: SpeechCache | None, catalogue: Catalogue, public_url: str) -> None:
        """Without speech (`TTS_ENGINE=off`) there is no link: Twilio's voice speaks."""
        self._speech = speech
        self._catalogue = catalogue
        self._public_url = public_url

    async def __call__(
        self, words: str, language: str, for_person: int | None = None
    ) -> str | None:
        """The link, or None to let Twilio's own voice say the words. Played to
        `for_person`, the clip is linked to them and goes when they are erased."""
        if self._speech is None or not self._public_url:
            return None
        info = _voice(self._catalogue, language)
        try:
            clip = await self._speech.speak(
                words, info.speech, info.speech_tld, for_person=for_person
            )
        except Exception:
            log.exception("speech for a call could not be made")
            return None
        return f"{self._public_url}/audio/{clip.key}.mp3"
