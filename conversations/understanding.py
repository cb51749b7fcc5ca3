"""Kind reading of typed answers: digits, "yes"/"yeah"/a thumbs-up, or words of a label."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from conversations.digits import read_number, western_digits
from conversations.model import HELP_CHOICE, Choice, Meaning

__all__ = ["Vocabulary", "match_choice", "normalise", "wants_help"]

Vocabulary = Mapping[str, Sequence[str]]
"""Per-language word lists: "yes", "no", "unsure", "help"."""

LabelReader = Callable[[Choice], str]

_KEYCAPS = {f"{digit}\ufe0f\u20e3": str(digit) for digit in range(10)}
_NOT_WORD = re.compile(r"[^\w\s👍👎✅❌🤔]+")  # the answer emoji of the word lists stay


def normalise(words: str) -> str:
    """Lower case, accents dropped ("não" is "nao", "sí" is "si"), keycap and other scripts'
    digits to 0-9, punctuation dropped, spaces folded."""
    for keycap, digit in _KEYCAPS.items():
        words = words.replace(keycap, digit)
    words = western_digits(unicodedata.normalize("NFKC", words)).casefold()
    words = "".join(
        ch for ch in unicodedata.normalize("NFKD", words) if not unicodedata.combining(ch)
    )
    words = words.replace("\ufe0f", "")
    words = _NOT_WORD.sub(" ", words)
    return " ".join(words.split())


def _has_phrase(said: str, phrases: Sequence[str]) -> bool:
    padded = f" {said} "
    return any(f" {normalise(phrase)} " in padded for phrase in phrases if normalise(phrase))


def wants_help(said: str, vocabulary: Vocabulary) -> bool:
    return said == "0" or _has_phrase(said, vocabulary.get("help", ()))


def match_choice(
    words: str,
    choices: Sequence[Choice],
    vocabulary: Vocabulary,
    label: LabelReader,
    loose: bool = True,
) -> str | None:
    """The key of the choice these words mean, or None when they are unclear. `loose`
    lets one word shared with a single label pick it."""
    said = normalise(words)
    if not said:
        return None
    index = read_number(said)
    if index is not None:
        if index == 0:
            return HELP_CHOICE
        return choices[index - 1].key if index <= len(choices) else None
    by_label = [choice.key for choice in choices if normalise(label(choice)) == said]
    if by_label:  # a label typed out ("I help at the club") is that choice, not a call for help
        return by_label[0]
    if wants_help(said, vocabulary):
        return HELP_CHOICE
    for meaning in (Meaning.UNSURE, Meaning.NO, Meaning.YES):
        if _has_phrase(said, vocabulary.get(str(meaning), ())):
            meant = [choice.key for choice in choices if choice.meaning is meaning]
            if meant:
                return meant[0]
            break
    if not loose:
        return None
    said_words = set(said.split())
    overlapping = [choice.key for choice in choices if said_words & _content_words(label(choice))]
    return overlapping[0] if len(overlapping) == 1 else None


_SMALL_WORDS = frozenset(
    {"a", "an", "the", "i", "me", "my", "to", "of", "for", "in", "on", "at", "is", "it", "this"}
)


def _content_words(label: str) -> set[str]:
    return set(normalise(label).split()) - _SMALL_WORDS
