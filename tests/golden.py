"""Golden dialogs: scripts run on the engine alone (`MemoryClub`), whose every reply must
have the catalogue keys the script expects and read wholly in the person's language.

"Wholly" is checked two ways: every text key in a reply (and every text inside its
parameters) has its own entry in that language, so nothing falls back to English; and
the reply as rendered holds no word that only English uses (a word of the English texts
found in none of the language's texts), once the club's own words are taken
out (names, titles, places, and what people typed). An English word that code passes in
as a parameter, rather than a text of the catalogue, is caught so.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from functools import cache

from conversations import Outcome, Position, Reply, Text, Trigger, newcomer_language
from tests.dialog import Expect, Log, Step, check, press
from tests.memory_club import CATALOGUE, MemoryClub

__all__ = ["LANGUAGES", "choose_language", "english_left", "run_golden", "started"]

LANGUAGES = ("en", "pt", "es", "pl", "fr")
WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    return {word.casefold() for word in WORD.findall(text)}


@cache
def english_only(language: str) -> frozenset[str]:
    """Words of the English texts that appear in none of `language`'s texts."""
    keys = CATALOGUE.keys()
    english = set().union(*(_words(CATALOGUE.template("en", key)) for key in keys))
    own = set().union(*(_words(CATALOGUE.template(language, key)) for key in keys))
    return frozenset(english - own)


def _texts(message: Text) -> Iterator[Text]:
    """The text and every text among its parameters."""
    yield message
    for value in message.params.values():
        if isinstance(value, Text):
            yield from _texts(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Text):
                    yield from _texts(item)


def english_left(language: str, reply: Reply, given: Collection[str] = ()) -> list[str]:
    """What in `reply` is not in `language`: keys it lacks, and English-only words once
    the `given` words (names, titles, places, what people typed) are taken out."""
    messages = [*reply.texts, *(choice.label for choice in reply.choices)]
    own = CATALOGUE.keys(language)
    found = [
        f"{m.key} (no {language} text)" for t in messages for m in _texts(t) if m.key not in own
    ]
    for message in messages:
        rendered = CATALOGUE.render(language, message)
        for words in sorted(given, key=len, reverse=True):
            rendered = rendered.replace(words, " ")
        stray = sorted(_words(rendered) & english_only(language))
        if stray:
            found.append(f"{message.key}: {stray} in {rendered!r}")
    return found


def choose_language(language: str) -> list[Step]:
    """A newcomer's first steps: /start, then their language (on the next page of the
    choice when it is not on the first)."""
    first_page = [lang.code for lang in CATALOGUE.language_list()][:2]
    steps: list[Step] = [("/start", None)]
    if language not in first_page:
        steps.append((press("more_languages"), None))
    return [*steps, (press(f"lang_{language}"), None)]


def _checked(
    club: MemoryClub,
    address: str,
    outcome: Outcome,
    expected: Expect | None,
    where: str,
    before: Position | None,
) -> None:
    check(outcome, expected, where)
    known = club.person(address) or club.erased.get(address)  # one forgotten reads their own
    language = known.language if known else newcomer_language(outcome.position, before)
    given = club.given_words()
    for reply in outcome.replies:
        left = english_left(language, reply, given)
        assert not left, (where, language, left)


def run_golden(
    club: MemoryClub, address: str, steps: Sequence[Step], log: Log | None = None
) -> Log:
    """Send each step to the engine through `club`; check the replies' keys and choices
    (as `run_dialog` does) and that each renders in the language the person reads."""
    log = log or Log()
    for number, (said, expected) in enumerate(steps, 1):
        before = club.positions.get(address)
        outcome = club.handle(address, log.to_input(said))
        log.note(outcome)
        _checked(club, address, outcome, expected, f"step {number} ({said!r})", before)
    return log


def started(club: MemoryClub, address: str, trigger: Trigger, expected: Expect) -> Log:
    """The club opens a conversation (`Engine.start`); the log carries on from it."""
    before = club.positions.get(address)
    outcome = club.start(address, trigger)
    _checked(club, address, outcome, expected, f"started by {trigger}", before)
    log = Log()
    log.note(outcome)
    return log
