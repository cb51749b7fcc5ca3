"""The club's languages in the catalogue: every English key in every language with the same
placeholders and words of its own (no English after a language is chosen), marked for
review, with speech settings; dates and times written each language's way (Babel: its own
12-hour or 24-hour clock, never both); sentences of at most 15 words on real reminders in
the morning and the afternoon; "Talk to a person" worded one way in each language; grammar
the audit found wrong (Polish cases, Portuguese gender).

The per-language rules on every text with real-looking values (sentence length, three
sentences, one question, no jargon or secrets) are in test_catalogue.py, and plain words
(Flesch reading ease for English, the club's own words in every language) in
test_catalogue_plain_words.py.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from conversations.catalogue import MESSAGES, Catalogue
from conversations.model import HELP_CHOICE, Moment, Param, Reply, Text, text
from conversations.when import when_params
from tests.catalogue_gaps import gaps
from tests.test_catalogue import WALKS, walk

CATALOGUE = Catalogue.load()
LANGUAGES = sorted(CATALOGUE.languages)
OTHERS = [language for language in LANGUAGES if language != "en"]
LONDON = ZoneInfo("Europe/London")
MOST_SENTENCES = 3
MOST_WORDS = 15
MOST_LABEL_WORDS = 6

SPEECH = {"en": ("en", "co.uk"), "pt": ("pt", "pt"), "es": ("es", "es"), "pl": ("pl", "com")}
SPEECH["fr"] = ("fr", "fr")
YES_NO = {
    "pt": ("sim", "não"),
    "es": ("sí", "no"),
    "pl": ("tak", "nie"),
    "fr": ("oui", "non"),
}


def meta(language: str) -> dict[str, object]:
    data = tomllib.loads((MESSAGES / f"{language}.toml").read_text(encoding="utf-8"))
    return dict(data["meta"])


def test_the_club_has_its_five_languages() -> None:
    assert set(LANGUAGES) >= {"en", "pt", "es", "pl", "fr"}
    names = [language.own_name for language in CATALOGUE.language_list()]
    assert names[:5] == ["English", "Português", "Español", "Polski", "Français"]


@pytest.mark.parametrize("language", OTHERS)
def test_nothing_is_missing_and_every_placeholder_matches(language: str) -> None:
    found = gaps(language)
    assert found.missing == [], f"{language} lacks {found.missing}"
    assert found.extra == [], f"{language} has keys English lacks: {found.extra}"
    assert found.placeholders == {}


def test_the_gap_finder_finds_a_missing_key_and_a_placeholder_mismatch(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "en.toml").write_text(
        '[meta]\nown_name = "English"\n[words]\n[text]\n"a" = "Hi {name}"\n"b" = "Bye"\n'
    )
    (folder / "xx.toml").write_text(
        '[meta]\nown_name = "X"\n[words]\n[text]\n"a" = "Oi {nome}"\n"c" = "?"\n'
    )
    found = gaps("xx", folder)
    assert found.missing == ["b"]
    assert found.extra == ["c"]
    assert found.placeholders == {"a": ({"name"}, {"nome"})}


SAME_IN_ENGLISH = {"choice.no": "es", "activity.art": "fr", "sessions.label": "fr"}
"""Texts whose words are the same as English's in that language ("No", "art")."""


@pytest.mark.parametrize("language", OTHERS)
def test_every_text_with_words_of_its_own_is_in_the_language(language: str) -> None:
    """Nobody who chose a language reads English: a text the same as English's is only a
    name or a placeholder ("Telegram", "{name}"), or a word both languages share."""
    english = {
        key
        for key in CATALOGUE.keys("en")
        if CATALOGUE.template(language, key) == CATALOGUE.template("en", key)
        and SAME_IN_ENGLISH.get(key) != language
    }
    words_of_its_own = {
        key
        for key in english
        if re.sub(r"\{\w+\}|Telegram|[^\w]", "", CATALOGUE.template("en", key)).strip()
    }
    assert words_of_its_own == set()


@pytest.mark.parametrize("language", OTHERS)
def test_each_translation_awaits_review_and_speaks_its_language(language: str) -> None:

    info = CATALOGUE.info[language]
    assert meta(language)["reviewed"] is False, "a native speaker from the club reviews it"
    assert (info.speech, info.speech_tld) == SPEECH[language]
    assert info.locale.startswith(f"{language}_")
    assert info.phone_voice.startswith("Polly.")


def test_portuguese_is_portugal_s() -> None:
    info = CATALOGUE.info["pt"]
    assert (info.locale, info.speech_tld) == ("pt_PT", "pt")
    words = " ".join(CATALOGUE.template("pt", key) for key in CATALOGUE.keys("pt"))
    for brazilian in ("celular", "carona", "equipe", "registro", "contato", "você"):
        assert not re.search(rf"\b{brazilian}\b", words, re.IGNORECASE), brazilian


@pytest.mark.parametrize("language", OTHERS)
def test_each_language_has_its_own_yes_no_unsure_help_and_skip(language: str) -> None:
    words = CATALOGUE.vocabulary(language)
    yes, no = YES_NO[language]
    assert yes in words["yes"]
    assert no in words["no"]
    for name in ("unsure", "help", "skip"):
        own = [w for w in words[name] if w not in CATALOGUE.vocabulary("en")[name]]
        assert own, f"{language} has no {name} words of its own"


@pytest.mark.parametrize("language", LANGUAGES)
def test_talk_to_a_person_is_worded_one_way_in_each_language(language: str) -> None:
    person = CATALOGUE.template(language, f"choice.{HELP_CHOICE}")
    assert person
    if language != "en":
        assert person != CATALOGUE.template("en", f"choice.{HELP_CHOICE}"), "translated"
    for key in CATALOGUE.keys(language):
        if key.startswith("choice.") and key != f"choice.{HELP_CHOICE}":
            assert CATALOGUE.template(language, key).lower() != person.lower(), key


# Dates and times, each language's way: its own 12-hour or 24-hour clock, never both.

TUESDAY_AFTERNOON = datetime(2026, 12, 1, 13, 30, tzinfo=LONDON)
THURSDAY_MORNING = datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)
WRITTEN = {
    "en": ("Tuesday", "1 December", "1:30 in the afternoon"),
    "pt": ("terça-feira", "1 de dezembro", "13:30"),
    "es": ("martes", "1 de diciembre", "13:30"),
    "pl": ("wtorek", "1 grudnia", "13:30"),
    "fr": ("mardi", "1 décembre", "13:30"),
}


def said(language: str, value: object) -> str:
    if isinstance(value, Moment):
        return CATALOGUE.moment(language, value)
    assert isinstance(value, Text)
    return CATALOGUE.render(language, value)


def clock(language: str, hour: int, minute: int = 0) -> str:
    at = datetime(2026, 12, 3, hour, minute, tzinfo=LONDON)
    return said(language, when_params(at, LONDON)["clock"])


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_weekday_date_and_clock_are_written_the_language_s_way(language: str) -> None:
    params = when_params(TUESDAY_AFTERNOON, LONDON)
    written = tuple(said(language, params[name]) for name in ("weekday", "date", "clock"))
    assert written == WRITTEN[language]


def test_english_keeps_its_twelve_hour_clock_with_the_part_of_the_day() -> None:
    assert clock("en", 10) == "10 in the morning"
    assert clock("en", 10, 30) == "10:30 in the morning"
    assert clock("en", 12) == "12 noon"
    assert clock("en", 19) == "7 in the evening"
    assert clock("pt", 10) == "10:00"


def day_periods(language: str) -> list[str]:
    """The language's words for parts of the day, as Babel has them ("de la tarde")."""
    periods = Locale.parse(CATALOGUE.info[language].locale).day_periods["format"]["wide"]
    return [words for name, words in periods.items() if name not in {"am", "pm"}]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_clock_says_the_part_of_the_day_only_when_it_is_a_twelve_hour_clock(
    language: str,
) -> None:
    """A 24-hour clock needs no part of the day ("13:30 de la tarde" says the afternoon
    twice); a 12-hour one always has it ("1:30 in the afternoon")."""
    info = CATALOGUE.info[language]
    pattern = info.clock or Locale.parse(info.locale).time_formats["short"].pattern
    twelve_hours = "h" in pattern or "K" in pattern
    for hour in (10, 13, 19):
        written = clock(language, hour, 30)
        has_part = any(part in written for part in day_periods(language))
        assert has_part == twelve_hours, f"{language}: {written}"
    assert ("13:30" in clock(language, 13, 30)) != twelve_hours
    if not twelve_hours:
        after_a_time = [rf"\d:\d\d,? {re.escape(part)}" for part in day_periods(language)]
        for key in sorted(CATALOGUE.keys(language)):
            words = reminder(language, key)
            assert not any(re.search(p, words) for p in after_a_time), f"{key}: {words}"


def test_a_moment_is_written_in_the_club_s_time_zone() -> None:
    utc = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("UTC"))  # 13:30 in London in summer
    assert said("pt", when_params(utc, LONDON)["clock"]) == "13:30"


def reminder(language: str, key: str, when: datetime = TUESDAY_AFTERNOON) -> str:
    params: dict[str, Param] = {
        **when_params(when, LONDON),
        "title": "Tuesday Club",
        "activity": text("activity.outings"),
        "place": "Norwood Community Hall",
        "postcode": "SE27 9JU",
        "name": "Maria",
        "who": "Maria",
        "ask": text("reminder.ask"),
    }
    wanted = Catalogue.placeholders(CATALOGUE.template(language, key))
    return CATALOGUE.render(language, Text(key, {k: params.get(k, "Ann") for k in wanted}))


def test_english_reminders_read_as_they_should() -> None:
    assert reminder("en", "reminder.day_before", THURSDAY_MORNING) == (
        "Just a reminder: trips to art shows and concerts at the Tuesday Club. "
        "It is on Thursday 3 December, at 10 in the morning."
    )
    assert reminder("en", "reminder.ask.short") == (
        "Will you come to the Tuesday Club on Tuesday 1 December?"
    )


def test_a_portuguese_reminder_names_the_day_date_time_and_place() -> None:
    assert reminder("pt", "reminder.day_before") == (
        "Lembrete: sessão Tuesday Club, com visitas a galerias e concertos. "
        "É terça-feira, 1 de dezembro, às 13:30."
    )
    assert reminder("pt", "reminder.place") == "É em Norwood Community Hall, SE27 9JU."


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reminder_and_notice_names_weekday_date_and_time(language: str) -> None:
    keys = ("reminder.day_before", "reminder.morning", "reminder.next", "notice.changed")
    for key in (*keys, "sms.reminder", "sms.reminder_short"):
        words = reminder(language, key)
        for needed in WRITTEN[language]:
            assert needed in words, f"{language} {key} lacks {needed!r}: {words}"


# Sentence length and count on real texts: a date is three words, a title two, a time
# two ("13:30") or more ("10:30 in the morning"), in the morning and in the afternoon.


def sentences(words: str) -> list[str]:
    parts = re.split(r"(?<=[.?!])\s+", words.strip())
    return [part for part in parts if re.search(r"[^\W_]", part)]


def word_count(sentence: str) -> int:
    return len(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", sentence))


DATED = sorted(
    key
    for key in CATALOGUE.keys("en")
    if {"weekday", "date", "clock"} & Catalogue.placeholders(CATALOGUE.template("en", key))
    and not key.startswith("sms.")  # a text message is counted in parts, not sentences
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_of_a_dated_text_is_longer_than_fifteen_words(language: str) -> None:
    too_long = {
        f"{key} at {when:%H:%M}": sentence
        for key in DATED
        for when in (TUESDAY_AFTERNOON, THURSDAY_MORNING)
        for sentence in sentences(reminder(language, key, when))
        if word_count(sentence) > MOST_WORDS
    }
    assert too_long == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dated_text_has_at_most_three_sentences(language: str) -> None:
    for key in DATED:
        assert len(sentences(reminder(language, key))) <= MOST_SENTENCES, key


# Grammar the audit found wrong.


def test_polish_names_an_activity_a_person_or_a_channel_after_a_colon_in_the_nominative() -> None:
    """ "Czy Jan lubi takie zajęcia: muzyka?", "dane tych osób: Jan" (plural for one person),
    "przez: wiadomość tekstowa": each wants another case after its word."""
    ask = CATALOGUE.render(
        "pl",
        text("preferences.activity_for", name="Jan", activity=text("activity.music"), emoji=""),
    )
    assert ask.strip() == "Zajęcia: muzyka. Czy Jan to lubi?"
    for key, params in (
        ("forget.also_members", {"names": "Jan"}),
        ("registration.consent_carer", {"members": ("Jan",)}),
    ):
        words = CATALOGUE.render("pl", Text(key, params))
        assert "tych osób" not in words and "dotyczą: Jan" in words, words
    channels = CATALOGUE.render("pl", text("mydata.channels", channels=(text("channel.sms"),)))
    assert channels == "Sposób przypomnień: wiadomość tekstowa."


def test_portuguese_answers_a_person_gives_do_not_say_their_gender() -> None:
    """ "Não, obrigado" is only a man's; a woman says "obrigada"."""
    labels = {
        key: CATALOGUE.template("pt", key)
        for key in CATALOGUE.keys("pt")
        if key.startswith("choice.")
    }
    gendered = {key: label for key, label in labels.items() if re.search(r"obrigad[oa]", label)}
    assert gendered == {}


# Every question the engine asks, rendered in each language (rule 2 and no loose braces).


@cache
def every_reply() -> tuple[Reply, ...]:
    """The replies of test_catalogue's walk through every flow, each distinct one once."""
    seen: dict[str, Reply] = {}
    for snapshot in WALKS.values():
        for reply in walk(snapshot):
            seen.setdefault(repr(reply), reply)
    return tuple(seen.values())


@pytest.mark.parametrize("language", OTHERS)
def test_every_question_the_engine_asks_reads_well_in_the_language(language: str) -> None:
    person = CATALOGUE.template(language, f"choice.{HELP_CHOICE}")
    for reply in every_reply():
        labels = [CATALOGUE.label(language, choice) for choice in reply.choices]
        for label in labels:
            assert label.strip() and "{" not in label, label
            assert word_count(label) <= MOST_LABEL_WORDS, f"a long button label: {label}"
        if labels:
            assert labels[-1] == person
        said = " ".join(CATALOGUE.render(language, part) for part in reply.texts)
        assert "{" not in said and "}" not in said, said
        assert said.count("?") <= 1, f"more than one question in one message: {said}"
