"""The words of a reply as they are spoken: the message, then the answers by name."""

from __future__ import annotations

from conversations import (
    HELP_CHOICE,
    Catalogue,
    Reply,
    text,
)

__all__ = ["spoken_text"]


def spoken_text(catalogue: Catalogue, language: str, reply: Reply) -> str:
    words = [catalogue.render(language, part) for part in reply.texts]
    answers = tuple(c.label for c in reply.choices if c.key != HELP_CHOICE)
    if answers:
        words.append(catalogue.render(language, text("speech.choices", choices=answers)))
    return " ".join(words)
