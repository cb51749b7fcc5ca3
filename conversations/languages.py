"""Choosing a language: each named in itself, a page of at most three answers at a time,
and a typed name ("português", "pt", "spanish") understood whatever page is showing.

The club's languages come from the catalogue (one file per language); flows are given
them as `Language` values, so the conversation code names none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conversations.model import Choice, text
from conversations.snapshot import Position
from conversations.understanding import normalise

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_CHOICE",
    "MORE_LANGUAGES",
    "Language",
    "language_choices",
    "newcomer_language",
    "read_language",
]

DEFAULT_LANGUAGE = "en"
"""The language of someone not yet known, until they choose."""
LANGUAGE_CHOICE = "lang_"
"""Prefix of a language's choice key: "lang_pt"."""
MORE_LANGUAGES = "more_languages"
MOST_CHOICES = 3
SHORTEST_NAME = 3
"""A typed word shorter than this ("en", "pl") counts only when it is all that was typed."""


@dataclass(frozen=True)
class Language:
    """A language the club writes in: its code, its own name, and other names for it
    (its code, its name in English and in the club's other languages)."""

    code: str
    own_name: str
    names: tuple[str, ...] = ()
    word: tuple[str, ...] = ()
    """Its words for "language" ("língua", "idioma"): typed alone, they open the choice."""


def _pages(languages: Sequence[Language]) -> list[list[Language]]:
    """Three to a page; a page with more after it shows two and "more"."""
    pages: list[list[Language]] = []
    rest = list(languages)
    while len(rest) > MOST_CHOICES:
        pages.append(rest[: MOST_CHOICES - 1])
        rest = rest[MOST_CHOICES - 1 :]
    pages.append(rest)
    return pages


def language_choices(languages: Sequence[Language], page: int) -> tuple[Choice, ...]:
    """Page `page` of the languages; "more" is labelled with the names still to come, each
    in itself, so a speaker of one of them knows to press it."""
    pages = _pages(languages)
    shown = pages[min(page, len(pages) - 1)]
    choices = [
        Choice(f"{LANGUAGE_CHOICE}{language.code}", text("choice.language", name=language.own_name))
        for language in shown
    ]
    later = [language.own_name for pages_after in pages[page + 1 :] for language in pages_after]
    if later:
        names = ", ".join(later)
        choices.append(Choice(MORE_LANGUAGES, text("choice.more_languages", names=names), "🌍"))
    return tuple(choices)


def read_language(words: str, languages: Sequence[Language]) -> str | None:
    """The code of the language these words name, or None when they name none (or two)."""
    said = normalise(words.removeprefix(LANGUAGE_CHOICE))
    if not said:
        return None
    named = {
        language.code: {
            normalise(name) for name in (language.code, language.own_name, *language.names)
        }
        for language in languages
    }
    whole = [code for code, names in named.items() if said in names]
    if whole:
        return whole[0]
    typed = {word for word in said.split() if len(word) >= SHORTEST_NAME}
    found = [code for code, names in named.items() if typed & names]
    return found[0] if len(found) == 1 else None


def newcomer_language(*positions: Position | None) -> str:
    """The language someone not yet registered reads: the one they chose at registration's
    first question (kept in its notes until consent), else the default."""
    for position in positions:
        if position is not None and position.flow == "registration":
            chosen = position.data.get("language")
            if isinstance(chosen, str):
                return chosen
    return DEFAULT_LANGUAGE
