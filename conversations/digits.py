"""One rule for digits, on every channel.

A digit is 0-9. Another script's decimal digit (Arabic-Indic "٣", Devanagari "३") is read as
its 0-9 twin where people type; "²", "፩" and other characters Unicode calls digit-like are
not digits. A number is at most 18 digits, so it is never parsed at length (Python refuses
over 4,300 digits) and always fits a 64-bit database column.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MOST_DIGITS", "read_number", "western_digits"]

MOST_DIGITS = 18
"""10**18 - 1 is below 2**63 - 1, the largest value a BIGINT column takes."""


def western_digits(typed: str) -> str:
    """`typed` with every decimal digit of another script as its 0-9 twin."""
    if typed.isascii():
        return typed
    return "".join(_western(ch) for ch in typed)


def _western(ch: str) -> str:
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


def read_number(typed: str, most_digits: int = MOST_DIGITS) -> int | None:
    """`typed` as a whole number when it is 1 to `most_digits` digits 0-9 and nothing else."""
    if not 0 < len(typed) <= most_digits or not typed.isascii() or not typed.isdigit():
        return None
    return int(typed)
