"""The speech pipeline: engines that make MP3, a database cache that makes each clip once,
and the conversion to OGG/Opus that Telegram's voice notes need."""

from bot.channels.speech.audio import AudioError, mp3_seconds, mp3_to_ogg_opus, pcm_to_mp3
from bot.channels.speech.cache import (
    Clip,
    SpeechCache,
    UnitSource,
    VoiceNote,
    content_digest,
    voice_label,
)
from bot.channels.speech.engines import (
    FallbackSpeech,
    GoogleSpeech,
    OfflineSpeech,
    ReportsMaker,
    SpeechEngine,
    SpeechUnavailable,
    speech_engine_for,
    synthesise_with_maker,
)

__all__ = [
    "AudioError",
    "Clip",
    "FallbackSpeech",
    "GoogleSpeech",
    "OfflineSpeech",
    "ReportsMaker",
    "SpeechCache",
    "SpeechEngine",
    "SpeechUnavailable",
    "UnitSource",
    "VoiceNote",
    "content_digest",
    "mp3_seconds",
    "mp3_to_ogg_opus",
    "pcm_to_mp3",
    "speech_engine_for",
    "synthesise_with_maker",
    "voice_label",
]
