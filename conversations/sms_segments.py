"""How many parts a text message takes: GSM-7 texts are 160 characters (153 a part when
split); one character outside GSM-7 makes the whole text UCS-2 (70, or 67 a part)."""

from __future__ import annotations

__all__ = ["GSM7", "GSM7_EXTENDED", "is_gsm7", "segments"]

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def is_gsm7(words: str) -> bool:
    return all(ch in GSM7 or ch in GSM7_EXTENDED for ch in words)


def segments(words: str) -> int:
    """How many parts Twilio bills: 160/153 characters in GSM-7, 70/67 otherwise."""
    if is_gsm7(words):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in words)
        return 1 if length <= 160 else -(-length // 153)
    length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in words)
    return 1 if length <= 70 else -(-length // 67)
