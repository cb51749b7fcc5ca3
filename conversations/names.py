"""Reading a person's name as typed: accents, apostrophes and any script are welcome."""

from __future__ import annotations

import unicodedata

__all__ = ["LONGEST_NAME", "clean_name"]

LONGEST_NAME = 60


def clean_name(typed: str) -> str | None:
    """The name with spaces folded, or None when it has no letters or is too long."""
    name = " ".join(unicodedata.normalize("NFC", typed).split())
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if not name or len(name) > LONGEST_NAME:
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name
