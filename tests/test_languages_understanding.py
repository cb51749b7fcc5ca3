"""Typed answers in each language: yes, no, not sure and help, with or without accents;
English words that mean something else in a language are not read as answers; a typed
language name is read whatever page of the language question is showing."""

from __future__ import annotations

import pytest

from conversations.catalogue import Catalogue
from conversations.flow import no_choice, yes_choice
from conversations.languages import Language, language_choices, read_language
from conversations.model import HELP_CHOICE, Choice, Meaning, text
from conversations.understanding import match_choice, normalise

CATALOGUE = Catalogue.load()

REMINDER = (
    Choice("s1m2.coming", text("choice.coming"), "✅", Meaning.YES),
    Choice("s1m2.not_coming", text("choice.not_coming"), "❌", Meaning.NO),
    Choice("s1m2.need_help", text("choice.need_help"), "🚗"),
)
YES_NO = (yes_choice(), no_choice())
FACES = (
    Choice("yes", text("choice.yes"), "👍", Meaning.YES),
    Choice("unsure", text("choice.unsure"), "🤔", Meaning.UNSURE),
    Choice("no", text("choice.no"), "👎", Meaning.NO),
)


def reads(language: str, words: str, choices: tuple[Choice, ...] = REMINDER) -> str | None:
    return match_choice(
        words,
        choices,
        CATALOGUE.vocabulary(language),
        lambda choice: CATALOGUE.label(language, choice),
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pt", "sim"),
        ("pt", "Sim!"),
        ("pt", "sim, vou"),
        ("pt", "claro"),
        ("es", "sí"),
        ("es", "si"),
        ("es", "Vale"),
        ("pl", "tak"),
        ("pl", "Tak, przyjdę"),
        ("fr", "oui"),
        ("fr", "d'accord"),
        ("fr", "Oui, je viens"),
    ],
)
def test_yes_in_each_language_means_coming(language: str, words: str) -> None:
    assert reads(language, words) == "s1m2.coming"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pt", "não"),
        ("pt", "nao"),
        ("pt", "Não, obrigado"),
        ("es", "no"),
        ("es", "no, gracias"),
        ("pl", "nie"),
        ("pl", "Nie przyjdę"),
        ("fr", "non"),
        ("fr", "non merci"),
    ],
)
def test_no_in_each_language_means_not_coming(language: str, words: str) -> None:
    assert reads(language, words) == "s1m2.not_coming"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pt", "talvez"),
        ("pt", "não sei"),
        ("es", "no sé"),
        ("es", "quizás"),
        ("pl", "nie wiem"),
        ("pl", "może"),
        ("fr", "je ne sais pas"),
        ("fr", "peut-être"),
    ],
)
def test_not_sure_in_each_language(language: str, words: str) -> None:
    assert reads(language, words, FACES) == "unsure"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pt", "ajuda"),
        ("pt", "Quero falar com uma pessoa"),
        ("es", "ayuda, por favor"),
        ("pl", "pomocy"),
        ("fr", "aidez-moi"),
        ("fr", "Parler à une personne"),
        ("pt", "0"),
    ],
)
def test_help_in_each_language_reaches_a_person(language: str, words: str) -> None:
    assert reads(language, words, YES_NO) == HELP_CHOICE


@pytest.mark.parametrize("language", ["pt", "es", "pl", "fr"])
def test_english_still_works_for_someone_using_another_language(language: str) -> None:
    assert reads(language, "yes") == "s1m2.coming"
    assert reads(language, "help", YES_NO) == HELP_CHOICE


def test_an_english_word_that_means_something_else_is_not_an_answer() -> None:
    assert reads("pt", "sim, no sábado") == "s1m2.coming"  # "no" is "on the" here
    assert reads("pt", "no") is None
    assert reads("pl", "no tak") == "s1m2.coming"  # "no" is "well" in Polish
    assert reads("es", "y") is None  # "y" is "and"
    assert reads("en", "no") == "s1m2.not_coming"


def test_a_typed_label_in_the_language_is_that_choice() -> None:
    assert reads("pt", "Desta vez não") == "s1m2.not_coming"
    assert reads("es", "ayuda para llegar") == "s1m2.need_help"
    assert reads("pl", "pomoc w dotarciu") == "s1m2.need_help"


def test_accents_and_case_are_dropped_when_reading() -> None:
    assert normalise("Não, OBRIGADO!") == "nao obrigado"
    assert normalise("Sí") == normalise("si")
    assert normalise("Może") == "moze"
    assert normalise("👍") == "👍"


LANGUAGES = CATALOGUE.language_list()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Português", "pt"),
        ("portugues", "pt"),
        ("Portuguese", "pt"),
        ("pt", "pt"),
        ("lang_pt", "pt"),
        ("espanhol", "es"),
        ("castellano", "es"),
        ("inglés", "en"),
        ("polski", "pl"),
        ("po polsku polski", "pl"),
        ("francês", "fr"),
        ("FR", "fr"),
        ("en français", "fr"),
        ("english or french", None),
        ("", None),
        ("0", None),
    ],
)
def test_a_language_is_read_by_any_of_its_names(typed: str, code: str | None) -> None:
    assert read_language(typed, LANGUAGES) == code


def test_the_language_pages_hold_three_answers_each() -> None:
    many = [Language(code, code.upper()) for code in ("en", "pt", "es", "pl", "fr", "so", "yo")]
    pages = [language_choices(many, page) for page in range(4)]
    keys = [[choice.key for choice in page] for page in pages]
    assert keys[0] == ["lang_en", "lang_pt", "more_languages"]
    assert keys[1] == ["lang_es", "lang_pl", "more_languages"]
    assert keys[2] == ["lang_fr", "lang_so", "lang_yo"]
    assert keys[3] == keys[2], "a page past the end shows the last"
    assert all(len(page) <= 3 for page in pages)
    more = pages[0][-1].label
    assert CATALOGUE.render("en", more) == "ES, PL, FR, SO, YO"
