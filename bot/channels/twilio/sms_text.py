"""Replies as text messages: numbered answers, plain GSM-7 characters where possible, and
long texts split on word boundaries within Twilio's limits."""

from __future__ import annotations

from conversations import (
    GSM7,
    GSM7_EXTENDED,
    HELP_CHOICE,
    Catalogue,
    Reply,
    is_gsm7,
    segments,
    text,
)

__all__ = [
    "LONGEST_TEXT",
    "gsm_safe",
    "is_gsm7",
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
    """The words, then "Reply 1 for ..., 2 for ..., or 0 to talk to a person."; a reply
    with compact wordings uses the longest that fits one text."""
    if reply.compact:
        wordings = [gsm_safe(catalogue.render(language, form)) for form in reply.compact]
        return next((w for w in wordings if segments(w) == 1), wordings[-1])
    parts = [catalogue.render(language, part) for part in reply.texts]
    answers = [c for c in reply.choices if c.key != HELP_CHOICE]
    if answers:
        options = tuple(
            text("sms.option", digit=index, label=c.label) for index, c in enumerate(answers, 1)
        )
        parts.append(catalogue.render(language, text("sms.reply", options=options)))
    return gsm_safe(" ".join(parts))


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
