"""Text messages and speech in each language: letters outside GSM-7 make a text UCS-2 (70
characters a part), how many parts a coordinator's notice takes per language (a reminder
by text is one part in every language: test_catalogue_texts_by_sms.py), and speech made
in the person's language and accent, by Google's engine (pt with tld "pt", ...) or the
offline one (espeak-ng's voice for each)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import av
import pytest

from bot.bootstrap import Club
from bot.channels.speech import OfflineSpeech, SpeechCache
from bot.channels.speech.links import AudioLinks, VoiceNotes
from bot.channels.twilio.sms_text import segments, segments_by_language
from bot.channels.twilio.voice import twiml_for
from conversations import SessionView
from conversations.catalogue import Catalogue
from conversations.model import Reply, text

CATALOGUE = Catalogue.load()
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 1, 13, 30, tzinfo=LONDON)
MOST_PARTS = 3
SESSION = SessionView(
    1,
    1,
    "Tuesday Club",
    "outings",
    "Norwood Community Hall",
    "SE27 9JU",
    START,
    START + timedelta(hours=2),
)


def test_a_letter_outside_gsm7_makes_a_text_take_more_parts() -> None:
    plain = "Lembrete: sessao de musica na terca-feira, 1 de dezembro, as 13:30 da tarde." * 2
    accented = plain.replace("terca", "terça")
    assert segments(plain) == 1
    assert segments(accented) == 3


def test_the_coordinator_can_see_a_notice_s_parts_in_each_language() -> None:
    words = "The Tuesday Club is in the small hall this week, because the big hall is painted."
    parts = segments_by_language(CATALOGUE, "Healthy Living Club", words)
    assert set(parts) == set(CATALOGUE.languages)
    assert parts["en"] == 1
    assert parts["pl"] == 2, "Polish's 'Wiadomość od' is outside GSM-7"
    assert all(1 <= count <= MOST_PARTS for count in parts.values())
    long = segments_by_language(CATALOGUE, "Healthy Living Club", words * 3)
    assert long["en"] == 2
    assert long["pl"] > long["en"]


# Speech in the person's language


@dataclass
class HeardSpeech:
    """An engine that notes each call, then speaks with the offline engine."""

    name: str = "espeak-ng"
    heard: list[tuple[str, str, str]] = field(default_factory=list)

    async def synthesise(self, text: str, language: str, tld: str, slow: bool) -> bytes:
        self.heard.append((text, language, tld))
        return await OfflineSpeech().synthesise(text, language, tld, slow)


VOICES = {"pt": ("pt", "pt"), "es": ("es", "es"), "pl": ("pl", "com"), "fr": ("fr", "fr")}


@pytest.mark.parametrize("language", sorted(VOICES))
async def test_a_voice_note_is_made_in_the_person_s_language(club: Club, language: str) -> None:
    engine = HeardSpeech()
    make = VoiceNotes(SpeechCache(club.units, engine), club.catalogue)
    words = CATALOGUE.render(language, text("reminder.thanks_coming"))
    made = await make(words, language, False)
    assert made is not None
    ogg, seconds = made
    assert ogg.startswith(b"OggS") and seconds > 0.5
    assert engine.heard == [(words, *VOICES[language])]


@pytest.mark.parametrize("language", sorted(VOICES))
async def test_the_offline_engine_has_a_voice_for_each_language(language: str) -> None:
    speech, tld = VOICES[language]
    assert OfflineSpeech.voice_for(speech, tld) == language
    words = CATALOGUE.render(language, text("reminder.thanks_not_coming"))
    mp3 = await OfflineSpeech().synthesise(words, speech, tld, False)
    with av.open(io.BytesIO(mp3), "r") as container:
        seconds = sum(f.samples for f in container.decode(audio=0)) / 22_050
    assert seconds > 1


async def test_a_phone_call_plays_speech_in_the_person_s_language(club: Club) -> None:
    engine = HeardSpeech()
    links = AudioLinks(SpeechCache(club.units, engine), club.catalogue, "https://club.example")
    url = await links("Obrigado. Até lá!", "pt")
    assert url is not None and url.startswith("https://club.example/audio/")
    assert engine.heard == [("Obrigado. Até lá!", "pt", "pt")]


async def test_without_a_recording_the_phone_voice_speaks_the_language() -> None:
    async def no_audio(words: str, language: str) -> str | None:
        return None

    reply = Reply((text("reminder.thanks_coming"),))
    said = await twiml_for(CATALOGUE, "pt", [reply], "/next", None, no_audio)
    assert 'voice="Polly.Ines-Neural"' in said and 'language="pt-PT"' in said
    assert "Obrigado. Até lá!" in said
    english = await twiml_for(CATALOGUE, "en", [reply], "/next", None, no_audio)
    assert 'voice="Polly.Amy-Neural"' in english and 'language="en-GB"' in english
