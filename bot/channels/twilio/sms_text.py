"""Replies as text messages: numbered answers one to a line, plain GSM-7 characters where
possible, a reminder in one part, and long texts split on word boundaries within Twilio's
limits."""

from __future__ import annotations

from bot.channels.numbered import numbered_choices
from conversations import (
    GSM7,
    GSM7_EXTENDED,
    HELP_CHOICE,
    Catalogue,
    Reply,
    in_gsm7_letters,
    is_gsm7,
    segments,
    text,
)

__all__ = [
    "LONGEST_TEXT",
    "gsm_safe",
    "is_gsm7",
    "one_text",
    "render_sms",
    "segments",
    "segments_by_language",
    "split_text",
]

LONGEST_TEXT = 1600
"""Twilio's longest message body; longer ones are sent as several texts."""

PLAIN = {
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
}


def gsm_safe(words: str) -> str:
    """Curly quotes and dashes made plain, emoji dropped, so a text stays GSM-7 when the
    language allows it."""
    for fancy, plain in PLAIN.items():
        words = words.replace(fancy, plain)
    kept = "".join(
        ch
        for ch in words
        if ch in GSM7 or ch in GSM7_EXTENDED or ch.isalpha() or ch.isdigit() or ch in " \n"
    )
    return " ".join(line.strip() for line in kept.split(" ") if line.strip()).replace(" \n", "\n")


def render_sms(catalogue: Catalogue, language: str, reply: Reply) -> str:
    """The words, then "Reply with a number:" and each answer on a line of its own ("1 - Yes,
    that is fine"), so an answer with a comma in it reads as one; "Talk to a person" is 0.
    A question answered in words says 0 reaches a person too. A reply with compact
    wordings (a reminder) is one text: see `one_text`."""
    if reply.compact:
        return one_text([gsm_safe(catalogue.render(language, form)) for form in reply.compact])
    words = gsm_safe(" ".join(catalogue.render(language, part) for part in reply.texts))
    if any(c.key != HELP_CHOICE for c in reply.choices):
        lines = [catalogue.render(language, text("sms.reply"))]
        lines += [
            catalogue.render(language, text("sms.option", digit=digit, label=choice.label))
            for digit, choice in numbered_choices(reply.choices)
        ]
        return "\n".join([words, *(gsm_safe(line) for line in lines)])
    if reply.choices:  # answered in words: only "Talk to a person" is offered
        return f"{words} {gsm_safe(catalogue.render(language, text('sms.or_person')))}"
    return words


def one_text(wordings: list[str]) -> str:
    """The longest wording that fits one text in the language's own letters, else in GSM-7's
    letters (see `in_gsm7_letters`), else the shortest: a reminder in Portuguese takes three
    parts with "ç" and "ã", one without them."""
    fits = next((words for words in wordings if segments(words) == 1), None)
    if fits is not None:
        return fits
    plain = [in_gsm7_letters(words) for words in wordings]
    return next((words for words in plain if segments(words) == 1), plain[-1])


def segments_by_language(catalogue: Catalogue, club: str, words: str) -> dict[str, int]:
    """How many text parts a coordinator's notice costs in each language: the words as
    written, inside that language's "A message from the club" line, as `render_sms` sends
    it. Letters outside GSM-7 ("ç", "ł", "á") make a text UCS-2: 70 characters, not 160."""
    notice = Reply((text("notice.broadcast", club=club, words=words),), speak=True)
    return {
        language: segments(render_sms(catalogue, language, notice))
        for language in catalogue.languages
    }


def split_text(words: str, longest: int = LONGEST_TEXT) -> list[str]:
    """Cut at spaces so that no piece is longer than `longest`."""
    pieces: list[str] = []
    current = ""
    for whole in words.split(" "):
        word = whole
        while len(word) > longest:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:longest])
            word = word[longest:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > longest:
            pieces.append(current)
            current = word
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces
