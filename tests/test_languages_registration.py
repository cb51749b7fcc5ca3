"""Registration in each of the club's languages: the language comes first (three choices a
page, each named in itself), every later question is in the language chosen, answers are
typed digits and the language's own yes, and the person is kept with their language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import Club
from conversations import Input
from storage.models import Person
from tests.dialog import Log, Step, mentions, press, run_dialog, says

FIRST_PAGE = ("lang_en", "lang_pt", "more_languages")
SECOND_PAGE = ("lang_es", "lang_pl", "lang_fr")
ROLES = ("member", "carer", "volunteer")
HERE = ("here", "sms", "voice")

# language: (the digits that choose it from the first page, the word for yes)
BY_DIGITS = {
    "pt": (["2"], "sim"),
    "es": (["3", "1"], "sí"),
    "pl": (["3", "2"], "tak"),
    "fr": (["3", "3"], "oui"),
}


def choosing(language: str) -> list[Step]:
    """/start and the digits that choose `language`, ending at the role question."""
    digits, _yes = BY_DIGITS[language]
    steps: list[Step] = [
        ("/start", says("registration.welcome", "registration.language", choices=FIRST_PAGE))
    ]
    if len(digits) == 2:
        steps.append((digits[0], says("registration.language", choices=SECOND_PAGE)))
    steps.append((digits[-1], says("registration.welcome", "registration.role", choices=ROLES)))
    return steps


def member_by_digits(language: str, name: str) -> list[Step]:
    _digits, yes = BY_DIGITS[language]
    return [
        *choosing(language),
        ("1", says("registration.name", choices=())),
        (name, says("registration.channel", choices=HERE)),
        ("1", says("registration.spoken", choices=("yes", "no"))),
        (yes, says("registration.consent", "registration.consent.ask")),
        ("1", says("registration.done", "preferences.offer")),
    ]


async def person_named(club: Club, name: str) -> Person:
    async with club.units() as uow:
        found = (await uow.session.scalars(select(Person).where(Person.name == name))).one()
        uow.session.expunge_all()
        return found


def rendered(club: Club, log: Log, step: int) -> str:
    answer = log.answers[step]
    return " ".join(
        club.catalogue.render(answer.language, part)
        for reply in answer.replies
        for part in reply.texts
    )


@pytest.mark.parametrize("language", sorted(BY_DIGITS))
async def test_a_member_registers_in_their_language_with_digits(club: Club, language: str) -> None:
    script = member_by_digits(language, "Rosa")
    log = await run_dialog(club.dialogue, f"console:rosa-{language}", script)

    chosen_at = len(choosing(language)) - 1
    assert {a.language for a in log.answers[:chosen_at]} == {"en"}, "asked in English until chosen"
    assert {a.language for a in log.answers[chosen_at:]} == {language}
    rosa = await person_named(club, "Rosa")
    assert rosa.language == language
    assert rosa.spoken is True, f"{BY_DIGITS[language][1]!r} is yes in {language}"
    english = club.catalogue.render("en", log.answers[-1].replies[0].texts[0])
    own = rendered(club, log, -1)
    assert "Rosa" in own and english not in own
    welcome = rendered(club, log, chosen_at)
    assert "Healthy Living Club" in welcome and "welcome" not in welcome.lower()


async def test_the_language_question_names_each_language_in_itself(club: Club) -> None:
    log = await run_dialog(club.dialogue, "console:newcomer", [("/start", None)])
    question = log.answers[0].replies[-1]
    labels = [club.catalogue.label("en", c) for c in question.choices]
    assert labels == ["English", "Português", "Español, Polski, Français", "Talk to a person"]
    log = await run_dialog(
        club.dialogue, "console:newcomer", [(press("more_languages"), None)], log
    )
    labels = [club.catalogue.label("en", c) for c in log.last.replies[-1].choices]
    assert labels == ["Español", "Polski", "Français", "Talk to a person"]


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("português", "pt"),
        ("Portugues", "pt"),
        ("pt", "pt"),
        ("spanish", "es"),
        ("Español", "es"),
        ("en español, por favor", "es"),
        ("POLSKI", "pl"),
        ("polaco", "pl"),
        ("français", "fr"),
        ("French", "fr"),
        ("english", "en"),
    ],
)
async def test_a_typed_language_name_works_on_any_page(
    club: Club, typed: str, language: str
) -> None:
    steps: list[Step] = [("/start", None), (typed, mentions("registration.role", choices=ROLES))]
    log = await run_dialog(club.dialogue, "console:typist", steps)
    assert log.last.language == language


async def test_english_is_not_welcomed_twice(club: Club) -> None:
    steps: list[Step] = [("/start", None), ("1", says("registration.role", choices=ROLES))]
    log = await run_dialog(club.dialogue, "console:ann", steps)
    assert log.last.language == "en"


async def test_words_that_name_no_language_ask_again_shorter(club: Club) -> None:
    steps: list[Step] = [
        ("/start", None),
        (
            "klingon",
            says("common.not_understood", "registration.language.short", choices=FIRST_PAGE),
        ),
        ("sim", says("common.not_understood", "registration.language.short")),
        ("0", None),
    ]
    log = await run_dialog(club.dialogue, "console:lost", steps)
    assert "help.requested" in [p.key for r in log.last.replies for p in r.texts]


async def test_a_carer_chooses_the_language_for_the_members(club: Club) -> None:
    steps: list[Step] = [
        *choosing("pt"),
        ("2", says("registration.name")),
        ("Ana", says("registration.member")),
        ("Maria", says("registration.more_members", choices=("yes", "no"))),
        ("não", says("registration.channel")),
        ("1", says("registration.spoken")),
        ("nao", says("registration.consent_carer", "registration.consent.ask")),
        ("1", says("registration.done", "preferences.offer")),
    ]
    log = await run_dialog(club.dialogue, "console:ana", steps)
    assert (await person_named(club, "Ana")).language == "pt"
    assert (await person_named(club, "Maria")).language == "pt"
    assert "Maria" in rendered(club, log, -2)


async def test_a_refusal_is_answered_in_the_language_chosen(club: Club) -> None:
    steps: list[Step] = [
        *choosing("es"),
        ("1", None),
        ("Lola", None),
        ("1", None),
        ("no", says("registration.consent", "registration.consent.ask")),
        ("2", says("registration.refused", choices=())),
    ]
    log = await run_dialog(club.dialogue, "console:lola", steps)
    assert log.last.language == "es"
    assert rendered(club, log, -1).startswith("De acuerdo.")


async def test_the_language_can_be_changed_later_for_the_carer_and_members(club: Club) -> None:
    register: list[Step] = [
        ("/start", None),
        ("1", None),
        ("2", None),
        ("Ian", None),
        ("Olga", None),
        ("no", None),
        ("1", None),
        ("no", None),
        ("1", says("registration.done", "preferences.offer")),
        (press("later"), says("preferences.later")),
    ]
    log = await run_dialog(club.dialogue, "console:ian", register)
    change: list[Step] = [
        ("/language", says("language.current", "registration.language", choices=FIRST_PAGE)),
        ("3", says("registration.language", choices=SECOND_PAGE)),
        (press("lang_pl"), says("language.done", choices=())),
    ]
    log = await run_dialog(club.dialogue, "console:ian", change, log)
    assert log.last.language == "pl"
    assert rendered(club, log, -1).startswith("Dziękujemy.")
    assert (await person_named(club, "Ian")).language == "pl"
    assert (await person_named(club, "Olga")).language == "pl"
    answer = await club.dialogue.handle("console:ian", Input.command("language"))
    assert answer.language == "pl"
    assert club.catalogue.render("pl", answer.replies[-1].texts[0]).endswith("po polsku.")


@pytest.mark.parametrize("typed", ["language", "Português", "idioma", "język", "langue"])
async def test_typing_language_or_a_language_s_name_opens_the_choice(
    club: Club, typed: str
) -> None:
    """By text message there is no command menu: a word is enough, in any of the club's
    languages, when no question is open."""
    log = await run_dialog(club.dialogue, "console:rosa", member_by_digits("pt", "Rosa"))
    steps: list[Step] = [
        (press("later"), says("preferences.later")),
        (typed, says("language.current", "registration.language", choices=FIRST_PAGE)),
        ("1", says("language.done")),
    ]
    log = await run_dialog(club.dialogue, "console:rosa", steps, log)
    assert log.last.language == "en"
    assert (await person_named(club, "Rosa")).language == "en"
