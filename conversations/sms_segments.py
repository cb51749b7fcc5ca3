"""How many parts a text message takes: GSM-7 texts are 160 characters (153 a part when
split); one character outside GSM-7 makes the whole text UCS-2 (70, or 67 a part).

A reminder that would take two or three parts in the person's own letters can be written
in GSM-7's letters instead ("terca-feira", "pazdziernika"), as text messages in Portuguese,
Spanish, Polish and French often are: one part costs a third as much, and the parts of a
long text can arrive out of order on an old phone.
"""

from __future__ import annotations

import unicodedata

__all__ = ["GSM7", "GSM7_EXTENDED", "in_gsm7_letters", "is_gsm7", "segments"]

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
UNACCENTED = {"ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE"}
"""Letters that Unicode does not see as a plain letter with a mark."""


def is_gsm7(words: str) -> bool:
    return all(ch in GSM7 or ch in GSM7_EXTENDED for ch in words)


def segments(words: str) -> int:
    """How many parts Twilio bills: 160/153 characters in GSM-7, 70/67 otherwise."""
    if is_gsm7(words):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in words)
        return 1 if length <= 160 else -(-length // 153)
    length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in words)
    return 1 if length <= 70 else -(-length // 67)


def in_gsm7_letters(words: str) -> str:
    """`words` with each letter outside GSM-7 written without its accent ("ç" as "c", "ł" as
    "l"); letters GSM-7 has ("é", "à", "ñ") and anything with no plain form are kept."""
    return "".join(_gsm7_letter(ch) for ch in words)


def _gsm7_letter(ch: str) -> str:
    if ch in GSM7 or ch in GSM7_EXTENDED:
        return ch
    plain = UNACCENTED.get(ch) or "".join(
        part for part in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(part)
    )
    return plain if plain and is_gsm7(plain) else ch
