"""A notice as each channel will show it, through each channel's own renderer: the
Telegram message, the text message with its number of parts, and the phone call's words,
in every language the club's people read (the coordinator's first). Also when it goes:
now, at the end of the quiet hours, or now because it is marked urgent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.telegram.render import message_text
from bot.channels.twilio.sms_text import render_sms
from bot.channels.twilio.voice import spoken_with_keys
from conversations import Catalogue, Moment, Reply, segments, text

__all__ = ["AsShown", "as_shown", "when_words"]


@dataclass(frozen=True)
class AsShown:
    language: str
    language_name: str
    telegram: str
    sms: str
    sms_parts: int
    call: str


def as_shown(catalogue: Catalogue, club: str, words: str, languages: list[str]) -> list[AsShown]:
    """The notice as the engine words it (`notice.broadcast`, spoken too), per language."""
    reply = Reply((text("notice.broadcast", club=club, words=words),), speak=True)
    names = {info.code: info.own_name for info in catalogue.language_list()}
    shown = []
    for language in dict.fromkeys(languages):
        sms = render_sms(catalogue, language, reply)
        shown.append(
            AsShown(
                language,
                names.get(language, language),
                message_text(catalogue, language, reply),
                sms,
                segments(sms),
                spoken_with_keys(catalogue, language, reply),
            )
        )
    return shown


def when_words(
    catalogue: Catalogue, language: str, held_until: Moment | None, urgent: bool
) -> str | None:
    """The flow's own line: "It is marked urgent, so it will go now." or "It will go at
    9 in the morning."; None outside the quiet hours."""
    if urgent:
        return catalogue.render(language, text("notice.urgent"))
    if held_until is None:
        return None
    return catalogue.render(language, text("notice.held", clock=held_until))
