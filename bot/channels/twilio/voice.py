"""Replies as phone calls (TwiML): the words spoken, each option said before its word and
its key, one word or one key to answer in the person's language with at least 15 seconds
to give it, and silence met with a repeat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from twilio.twiml.voice_response import Gather, VoiceResponse

from conversations import (
    HELP_CHOICE,
    Catalogue,
    Reply,
    normalise,
    text,
)

__all__ = [
    "GATHER_SECONDS",
    "HINT_WORDS",
    "AudioUrl",
    "AudioUrlFor",
    "hints_for",
    "say_voice",
    "speech_language",
    "spoken_with_keys",
    "twiml_for",
]

GATHER_SECONDS = 15
HINT_WORDS = ("yes", "no", "help")
"""The word lists of the catalogue whose words are hints to the speech recogniser."""
SAY_VOICE = "Polly.Amy-Neural"
AudioUrl = Callable[[str, str], Awaitable[str | None]]
"""(words, language) -> an https URL of the cached MP3, or None to use Twilio's voice."""


class AudioUrlFor(Protocol):
    """An `AudioUrl` that can also say whom the words are played to (see SpeechCache)."""

    async def __call__(
        self, words: str, language: str, for_person: int | None = None
    ) -> str | None: ...


def spoken_with_keys(catalogue: Catalogue, language: str, reply: Reply) -> str:
    """The reply's words, then "If you are coming, press 1." for each answer, and 0."""
    words = [catalogue.render(language, part) for part in reply.texts]
    answers = [c for c in reply.choices if c.key != HELP_CHOICE]
    for digit, choice in enumerate(answers, 1):
        specific = f"voice.option.{choice.key.rpartition('.')[2]}"
        if catalogue.has(specific):
            words.append(catalogue.render(language, text(specific, digit=digit)))
        else:
            words.append(
                catalogue.render(language, text("voice.option", label=choice.label, digit=digit))
            )
    if reply.choices:
        words.append(catalogue.render(language, text("voice.option.person")))
    return " ".join(words)


async def twiml_for(
    catalogue: Catalogue,
    language: str,
    replies: list[Reply],
    action: str,
    silence: str | None,
    audio: AudioUrl,
) -> str:
    """TwiML that speaks `replies`; if the last asks a question, gather one key or a few
    words for it, and on silence go to `silence` (which repeats, then hands over)."""
    response = VoiceResponse()
    asking = bool(replies and replies[-1].choices)
    target: VoiceResponse | Gather = response
    if asking:
        target = Gather(
            input="dtmf speech",
            language=speech_language(catalogue, language),
            hints=hints_for(catalogue, language, replies[-1]),
            speech_timeout="auto",
            num_digits=1,
            timeout=GATHER_SECONDS,
            action=action,
            method="POST",
            action_on_empty_result=False,
        )
    for reply in replies:
        words = spoken_with_keys(catalogue, language, reply)
        url = await audio(words, language)
        if url is not None:
            target.play(url)
        else:
            voice, tag = say_voice(catalogue, language)
            target.say(words, voice=voice, language=tag)
    if asking:
        response.append(target)
        if silence is not None:
            response.redirect(silence, method="POST")
    else:
        response.hangup()
    return str(response)


def hints_for(catalogue: Catalogue, language: str, reply: Reply) -> str:
    """The words the recogniser should expect: each answer's label and spoken word, and
    the language's own words for yes, no and help ("sim", "não", "ajuda")."""
    found: list[str] = []
    for choice in reply.choices:
        found.append(catalogue.label(language, choice))
        spoken = f"voice.say.{choice.key.rpartition('.')[2]}"
        if catalogue.has(spoken):
            found.append(catalogue.render(language, text(spoken)))
    vocabulary = catalogue.vocabulary(language)
    found += [word for name in HINT_WORDS for word in vocabulary.get(name, ())]
    phrases = (" ".join(word.replace(",", " ").split()) for word in found)
    return ", ".join(dict.fromkeys(p for p in phrases if len(normalise(p)) > 1))


def speech_language(catalogue: Catalogue, language: str) -> str:
    """The recogniser's language tag for the person ("pt-PT"), British English if unknown."""
    info = catalogue.info.get(language)
    return info.locale.replace("_", "-") if info is not None else "en-GB"


def say_voice(catalogue: Catalogue, language: str) -> tuple[str, str]:
    """Twilio's own voice for the language, and its tag ("Polly.Ines-Neural", "pt-PT"), for when
    no recording of our own can be played."""
    info = catalogue.info.get(language)
    if info is None or not info.phone_voice:
        return SAY_VOICE, "en-GB"
    return info.phone_voice, info.locale.replace("_", "-")
