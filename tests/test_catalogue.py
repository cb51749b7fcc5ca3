"""The accessibility rules of the design, checked over every language's catalogue.

Placeholders are filled with real-looking values (tests/catalogue_samples.py), so a rule
counts a date as three words and the longest activity as seven. Plain words for members
(Flesch per text, the club's own words) are in test_catalogue_plain_words.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import deque
from collections.abc import Iterator
from datetime import date, time
from functools import cache
from pathlib import Path

import pytest
import textstat

from bot.service.demo_club import ACTIVITIES
from conversations import (
    ACTIVITY_EMOJI,
    HELP_CHOICE,
    Engine,
    Input,
    PersonView,
    Position,
    Reply,
    SeriesView,
    Snapshot,
    all_flows,
)
from conversations.calendar import SeriesRule
from conversations.catalogue import MESSAGES, Catalogue
from conversations.languages import Language
from conversations.phones import PhoneProblem
from tests.catalogue_samples import sample_text
from tests.dialog import check_reply_rules

PROJECT = Path(__file__).resolve().parent.parent
CATALOGUE = Catalogue.load()
LANGUAGES = sorted(CATALOGUE.languages)
OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"] or ["en"]

MOST_WORDS = 15
MOST_SENTENCES = 3
LEAST_READING_EASE = 80

JARGON = [
    r"\be\.g\.",
    r"\bi\.e\.",
    r"\betc\b",
    r"\bN/A\b",
    r"\bASAP\b",
    r"\binfo\b",
    r"\bFAQs?\b",
    r"\bDOB\b",
    r"\bT&Cs?\b",
    r"\bapprox\b",
    r"\bpls\b",
    r"\bmsgs?\b",
    r"\bmins?\b",
    r"\bhrs?\b",
    r"\bappt\b",
    r"\bre:",
    r"\bvia\b",
    r"\bper se\b",
    r"\bheads up\b",
    r"\btouch base\b",
    r"\bpiece of cake\b",
    r"\bunder the weather\b",
    r"\bin a nutshell\b",
]
OTHER_WORDS_FOR_A_SESSION = r"\b(meetings?|events?|gatherings?|class|classes|meet-ups?)\b"
SECRETS = r"\b(password|passwords|passcode|pin|pins|pin number|code|codes|one-time|verification)\b"


def raw_texts(language: str) -> dict[str, str]:
    data = tomllib.loads((MESSAGES / f"{language}.toml").read_text(encoding="utf-8"))
    return dict(data["text"])


def sample_render(language: str, key: str) -> str:
    return CATALOGUE.render(language, sample_text(CATALOGUE, language, key))


def rendered(language: str) -> Iterator[tuple[str, str]]:
    for key in sorted(raw_texts(language)):
        yield key, sample_render(language, key)


def sentences(words: str) -> list[str]:
    parts = re.split(r"(?<=[.?!])\s+", words.strip())
    return [part for part in parts if re.search(r"[^\W_]", part)]


def words_of(sentence: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:['’][^\W_]+)*", sentence)


def reading_ease(texts: list[str]) -> float:
    """Flesch reading ease of the texts together, by textstat (see test_catalogue_plain_words)."""
    return float(textstat.flesch_reading_ease(" ".join(texts)))


# Every language has what English has.


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_english_key_exists_with_the_same_placeholders(language: str) -> None:
    english, other = raw_texts("en"), raw_texts(language)
    missing = sorted(set(english) - set(other))
    assert missing == [], f"{language} lacks {missing}"
    for key, template in english.items():
        assert Catalogue.placeholders(other[key]) == Catalogue.placeholders(template), key
    extra = sorted(set(other) - set(english))
    assert extra == [], f"{language} has keys English lacks: {extra}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_understands_yes_no_unsure_and_help(language: str) -> None:
    data = tomllib.loads((MESSAGES / f"{language}.toml").read_text(encoding="utf-8"))
    for name in ("yes", "no", "unsure", "help"):
        assert data["words"].get(name), f"{language} has no words for {name}"
    assert data["meta"]["own_name"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_renders(language: str) -> None:
    for key, words in rendered(language):
        assert words.strip(), key
        assert "{" not in words and "}" not in words, f"{key}: {words}"
        assert words == words.strip(), f"{key} has spaces at an end"
        assert "  " not in words, f"{key} has a double space"


# Rule 1: short sentences, short messages, one question.


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_are_short(language: str) -> None:
    long = {
        key: sentence
        for key, words in rendered(language)
        for sentence in sentences(words)
        if len(words_of(sentence)) > MOST_WORDS
    }
    assert long == {}


ENDS_WITH_ANSWERS = {"sms.reminder", "sms.reminder_short"}
"""A reminder by text ends with its answers ("Reply 1 yes, 2 no, ..."), which are not a
sentence, as the answers below any other question are not."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_text_has_at_most_three_sentences_and_one_question(language: str) -> None:
    for key, words in rendered(language):
        answers = 1 if key in ENDS_WITH_ANSWERS else 0
        assert len(sentences(words)) <= MOST_SENTENCES + answers, f"{key}: {words}"
        assert words.count("?") <= 1, f"{key}: {words}"


def test_the_rule_checks_themselves_can_fail() -> None:
    long = "This sentence has far more than fifteen words in it, so it breaks the rule we set."
    assert len(words_of(long)) > MOST_WORDS
    assert len(sentences("One. Two? Three! Four.")) == 4
    assert words_of("O'Brien’s café, 2 o’clock") == ["O'Brien’s", "café", "2", "o’clock"]
    hard = [
        "Notwithstanding considerable organisational complexities, comprehensive "
        "administrative documentation necessitates individualised authorisation."
    ]
    assert reading_ease(hard) < LEAST_READING_EASE
    assert reading_ease(["The cat sat on the mat. We had tea."]) > LEAST_READING_EASE


# Rule 3: plain English.


def test_the_english_catalogue_is_easy_to_read() -> None:
    texts = [words for _key, words in rendered("en")]
    assert reading_ease(texts) >= LEAST_READING_EASE


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_jargon_or_abbreviations(language: str) -> None:
    for key, words in rendered(language):
        for pattern in JARGON:
            assert not re.search(pattern, words, re.IGNORECASE), f"{key}: {pattern}"


def test_a_club_meeting_is_always_a_session() -> None:
    for key, words in rendered("en"):
        assert not re.search(OTHER_WORDS_FOR_A_SESSION, words, re.IGNORECASE), f"{key}: {words}"


# Rule 7: nobody types a password or code.


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_asks_for_a_password_pin_or_code(language: str) -> None:
    for key, words in rendered(language):
        assert not re.search(SECRETS, words, re.IGNORECASE), f"{key}: {words}"


# Rule 2: "Talk to a person", always last, at most three answers besides.


def test_talk_to_a_person_is_worded_the_same_everywhere() -> None:
    assert raw_texts("en")[f"choice.{HELP_CHOICE}"] == "Talk to a person"
    for key, words in raw_texts("en").items():
        if key != f"choice.{HELP_CHOICE}" and key.startswith("choice."):
            assert words.lower() != "talk to a person", key


def snapshots() -> dict[str, Snapshot]:
    def meets(weekday: int, week: int | None, start: time, end: time) -> SeriesRule:
        return SeriesRule(weekday, week, start, end, date(2026, 1, 1))

    series = (
        SeriesView(1, "Tuesday Club", meets(1, None, time(10, 30), time(12, 30))),
        SeriesView(2, "Thursday Club", meets(3, None, time(13, 30), time(15, 30))),
        SeriesView(3, "Crafternoon", meets(6, 1, time(14), time(16))),
    )

    def member(person_id: int, name: str, **extra: object) -> PersonView:
        return PersonView(person_id, name, frozenset({"member"}), **extra)  # type: ignore[arg-type]

    ann = member(
        1,
        "Ann",
        channels=("console",),
        preferences={"music": "yes", "art": "no"},
        series_ids=frozenset({1}),
    )
    carer = PersonView(2, "Cara", frozenset({"carer"}), channels=("telegram",))
    bob, cath, dee = member(3, "Bob", carers=("Cara",)), member(4, "Cath"), member(5, "Dee")
    club = {"club_name": "Healthy Living Club", "activities": ACTIVITIES, "series": series}
    return {
        "newcomer on console": Snapshot("console", person=None, **club),  # type: ignore[arg-type]
        "newcomer on telegram": Snapshot("telegram", person=None, **club),  # type: ignore[arg-type]
        "newcomer by text": Snapshot(
            "sms",
            person=None,
            phone="+447700900123",
            **club,  # type: ignore[arg-type]
        ),
        "member": Snapshot("console", person=ann, **club),  # type: ignore[arg-type]
        "carer of one": Snapshot("telegram", person=carer, members=(bob,), **club),  # type: ignore[arg-type]
        "carer of three": Snapshot(
            "telegram",
            person=carer,
            members=(bob, cath, dee),
            **club,  # type: ignore[arg-type]
        ),
        "club with no days": Snapshot(
            "console",
            club_name="Healthy Living Club",
            person=ann,
            activities=ACTIVITIES[:2],
        ),
    }


FREE_TEXT = ["Ann", "", "07700 900123", "020 7946 0018", "+33 6 12 34 56 78", "x" * 600]
AT_A_CHOICE = ["", "purple", "yes", "9"]
COMMANDS = ["/start", "/help", "/preferences", "/mydata", "/forgetme", "/menu", "/nonsense"]


def inputs_for(asked: Reply | None) -> list[Input]:
    """Commands, then typed answers fit for the question open, then each of its buttons."""
    tries: list[Input] = [Input.command(c) for c in COMMANDS]
    if asked is None:
        return [*tries, Input.typed("hello"), Input.typed("help")]
    free_text = [c.key for c in asked.choices] == [HELP_CHOICE]
    tries += [Input.typed(words) for words in (FREE_TEXT if free_text else AT_A_CHOICE)]
    tries += [Input.choice(c.key, asked.question_id) for c in asked.choices]
    tries.append(Input.choice(asked.choices[0].key, (asked.question_id or 0) - 1))
    return tries


def club_languages() -> tuple[Language, ...]:
    """The languages registration offers, as the composition root hands them over."""
    return CATALOGUE.language_list()


def walk(snapshot: Snapshot) -> Iterator[Reply]:
    """Every reply the engine gives, trying every choice, command and some typed answers."""
    engine = Engine(all_flows(club_languages()), CATALOGUE.vocabulary, CATALOGUE.label)
    start = Position("idle", "idle")
    seen: set[str] = set()
    queue: deque[tuple[Position, Reply | None]] = deque([(start, None)])
    while queue:
        position, asked = queue.popleft()
        for said in inputs_for(asked):
            outcome = engine.handle(snapshot, position, said)
            yield from outcome.replies
            after = outcome.position or position
            state = json.dumps([after.flow, after.step, after.data], sort_keys=True)
            if state in seen:
                continue
            seen.add(state)
            questions = [r for r in outcome.replies if r.is_question]
            queue.append((after, questions[-1] if questions else asked))
    assert len(seen) > 5, "the walk went somewhere"


WALKS = snapshots()


@cache
def walked(who: str) -> tuple[Reply, ...]:
    return tuple(walk(WALKS[who]))


@pytest.mark.parametrize("who", list(WALKS))
def test_every_question_the_engine_asks_follows_rule_2_and_renders(who: str) -> None:
    replies = walked(who)
    assert any(reply.is_question for reply in replies)
    for reply in replies:
        check_reply_rules(reply)
        for choice in reply.choices:
            label = CATALOGUE.label("en", choice)
            assert label.strip() and "{" not in label
            assert len(words_of(label)) <= 6, f"a long button label: {label}"
        if reply.choices:
            assert CATALOGUE.label("en", reply.choices[-1]) == "Talk to a person"
        for part in reply.texts:
            assert "{" not in CATALOGUE.render("en", part), part.key
        spoken = " ".join(CATALOGUE.render("en", part) for part in reply.texts)
        assert spoken.count("?") <= 1, f"more than one question in one message: {spoken}"


def test_the_walk_reaches_every_question_of_every_flow() -> None:
    asked = {
        part.key
        for who in WALKS
        for reply in walked(who)
        if reply.is_question
        for part in reply.texts[-1:]
    }
    expected = {
        "registration.role",
        "registration.name",
        "registration.member",
        "registration.another_member",
        "registration.more_members",
        "registration.channel",
        "registration.phone",
        "registration.spoken",
        "registration.consent.ask",
        "preferences.offer",
        "preferences.whose",
        "preferences.activity",
        "preferences.activity_for",
        "preferences.carry_on",
        "preferences.day_weekly",
        "preferences.day_monthly",
        "preferences.day_weekly_for",
        "preferences.day_monthly_for",
        "preferences.timing",
        "preferences.timing_for",
        "menu.ask",
        "mydata.next",
        "forget.ask",
    }
    if len(LANGUAGES) > 1:
        expected.add("registration.language")
    assert expected - asked == set()


# Every key the code names is in the catalogue.

KEY_CALL = re.compile(r"""\b(?:text|Text)\(\s*(f?)"([^"]+)\"""")
CHOICE_CALL = re.compile(r"""\b(choice|yes_choice|no_choice)\(\s*(?:"([^"]+)")?""")
LITERAL = re.compile(r"""(?<![\w])f?"([a-z_]+(?:\.[a-z0-9_-]+)+)\"""")


def code_files() -> list[Path]:
    return sorted((PROJECT / "conversations").rglob("*.py")) + sorted(
        (PROJECT / "bot").rglob("*.py")
    )


def test_every_key_named_in_the_code_exists() -> None:
    keys = CATALOGUE.keys("en")
    sections = {key.split(".")[0] for key in keys}
    missing: list[str] = []
    dynamic: list[str] = []
    for path in code_files():
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(PROJECT)
        for is_f, key in KEY_CALL.findall(source):
            if is_f:
                dynamic.append(key)
            elif key not in keys:
                missing.append(f"{where}: {key}")
        for function, key in CHOICE_CALL.findall(source):
            if function == "choice" and not key:
                continue
            name = key or ("yes" if function == "yes_choice" else "no")
            if f"choice.{name}" not in keys:
                missing.append(f"{where}: choice.{name}")
        for literal in LITERAL.findall(source):
            if literal.split(".")[0] in sections and literal not in keys:
                missing.append(f"{where}: {literal}")
    assert missing == []
    for key in dynamic:
        prefix = key.split("{")[0]
        assert any(k.startswith(prefix) for k in keys), f"no key starts with {prefix!r}"


def test_every_key_built_from_data_exists() -> None:
    keys = CATALOGUE.keys("en")
    needed = {f"activity.{a}" for a in ACTIVITIES}
    needed |= {f"weekday.{day}" for day in range(7)}
    needed |= {f"ordinal.{n}" for n in (1, 2, 3, 4, -1)}
    needed |= {f"channel.{c}" for c in ("telegram", "sms", "voice", "console")}
    needed |= {f"timing.{t}" for t in ("day_before", "morning", "both")}
    needed |= {f"choice.{t}" for t in ("day_before", "morning", "both", "yes", "no", "unsure")}
    needed |= {f"registration.phone.{p.value}" for p in PhoneProblem}
    needed |= {f"mydata.activities_{a}" for a in ("yes", "unsure", "no")}
    needed |= {f"preferences.day_{k}{s}" for k in ("weekly", "monthly") for s in ("", "_for")}
    assert needed - keys == set()
    assert set(ACTIVITIES) <= set(ACTIVITY_EMOJI)
