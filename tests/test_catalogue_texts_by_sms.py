"""What a person reads by text message: a reminder in one GSM-7 part in every language, the
answers below a question one to a line (so "Yes, that is fine" reads as one answer), and a
question answered in words saying that 0 reaches a person, which it does.

A reminder is checked for the demo club's sessions on every weekday and in every month,
to a member ("Are you coming?") and to a carer ("Is Margaret coming?"). The README says
how long a title and a place may be before a reminder takes two parts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.channels.twilio.sms_text import one_text, render_sms
from conversations import (
    HELP_CHOICE,
    Engine,
    Input,
    PersonView,
    Position,
    SessionView,
    Snapshot,
    all_flows,
    in_gsm7_letters,
    is_gsm7,
    segments,
)
from conversations.catalogue import Catalogue
from conversations.engine import asking
from conversations.flows.reminder import reminder_question
from conversations.model import Moment

CATALOGUE = Catalogue.load()
LANGUAGES = sorted(CATALOGUE.languages)
LONDON = ZoneInfo("Europe/London")
DEMO_SESSIONS = (
    ("Tuesday Club", "music", time(13, 30)),
    ("Thursday Club", "art", time(10, 30)),
    ("Crafternoon", "crafts", time(14, 0)),
)
PLACE, POSTCODE = "Norwood Community Hall", "SE27 9JU"
MEMBER = PersonView(7, "Margaret", frozenset({"member"}))
"""A member with a longer name than most, for the carer's "Is Margaret coming?"."""


def days_to_try() -> list[date]:
    """Every weekday (in September, the longest month in most of the languages) and the
    last days of every month (two-digit days)."""
    week = [date(2026, 9, 21) + timedelta(days=n) for n in range(7)]
    month_ends = [date(2026, month + 1, 1) - timedelta(days=1) for month in range(1, 12)]
    return [*week, *month_ends, date(2026, 12, 31)]


def reminder_by_text(
    language: str, title: str, activity: str, starts: datetime, carer: bool
) -> str:
    session = SessionView(1, 1, title, activity, PLACE, POSTCODE, starts, starts)
    snapshot = Snapshot("sms", "Healthy Living Club", None, zone=LONDON)
    speaker = 8 if carer else MEMBER.id
    question = reminder_question(session, MEMBER, speaker, "day_before", snapshot)
    return render_sms(CATALOGUE, language, asking(question, 1))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reminder_by_text_is_one_plain_text_part(language: str) -> None:
    more_than_one = []
    for day in days_to_try():
        for title, activity, at in DEMO_SESSIONS:
            starts = datetime.combine(day, at, tzinfo=LONDON)
            for carer in (False, True):
                words = reminder_by_text(language, title, activity, starts, carer)
                assert is_gsm7(words), words
                assert POSTCODE in words and PLACE in words
                weekday = CATALOGUE.moment(language, Moment(starts, "weekday"))
                assert in_gsm7_letters(weekday) in words, words
                if segments(words) > 1:
                    more_than_one.append(words)
    assert more_than_one == []


def test_a_reminder_keeps_its_own_letters_when_they_fit_and_its_title_when_it_can() -> None:
    starts = datetime(2026, 12, 1, 13, 30, tzinfo=LONDON)
    english = reminder_by_text("en", "Crafternoon", "crafts", starts, carer=False)
    assert english.startswith("Crafternoon, Tuesday 1 December, 1:30 in the afternoon.")
    assert english.endswith("Are you coming? 1 yes, 2 no, 3 help getting there, 0 talk to a person")
    polish = reminder_by_text("pl", "Tuesday Club", "music", starts, carer=False)
    assert "wtorek, 1 grudnia, o 13:30" in polish and "czlowiekiem" in polish
    assert one_text(["Olá, até terça-feira"]) == "Olá, até terça-feira"  # fits as UCS-2


def test_letters_outside_gsm7_lose_only_their_accents() -> None:
    assert in_gsm7_letters("terça-feira, não, sessão") == "terca-feira, nao, sessao"
    assert in_gsm7_letters("Łódź, października, człowiek") == "Lodz, pazdziernika, czlowiek"
    assert in_gsm7_letters("miércoles, à, ñ, über") == "miércoles, à, ñ, über"  # GSM-7 has them
    assert in_gsm7_letters("sábado, août, 🎵") == "sabado, aout, 🎵"


# Answers one to a line, and 0 for a person.

ENGINE = Engine(all_flows(CATALOGUE.language_list()), CATALOGUE.vocabulary, CATALOGUE.label)
NEWCOMER = Snapshot("sms", "Healthy Living Club", None, phone="+447700900123")


def newcomer_asked(*answers: str) -> tuple[Position, str]:
    """A newcomer by text who has answered `answers`: where they are, and the last text."""
    position = Position("idle", "idle")
    words = ""
    for typed in ("hello", *answers):
        outcome = ENGINE.handle(NEWCOMER, position, Input.typed(typed))
        position = outcome.position or position
        words = render_sms(CATALOGUE, "en", outcome.replies[-1])
    return position, words


def test_an_answer_with_a_comma_in_it_reads_as_one_answer() -> None:
    """It read "Reply 1 for Yes, that is fine and 2 for No, thank you"."""
    _, consent = newcomer_asked("1", "1", "Ann", "1", "2")
    assert consent.endswith(
        "Is that all right with you?\n"
        "Reply with a number:\n"
        "1 - Yes, that is fine\n"
        "2 - No, thank you\n"
        "0 - Talk to a person"
    ), consent


def test_a_question_answered_in_words_says_0_reaches_a_person_and_it_does() -> None:
    position, asked = newcomer_asked("1", "1")
    assert asked == "What is your first name? Or reply 0 to talk to a person.", asked
    outcome = ENGINE.handle(NEWCOMER, position, Input.typed("0"))
    assert outcome.taken == HELP_CHOICE or any(
        part.key == "help.requested" for reply in outcome.replies for part in reply.texts
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_writes_its_answers_and_0_for_a_person(language: str) -> None:
    start = ENGINE.handle(NEWCOMER, Position("idle", "idle"), Input.typed("hello"))
    asked = render_sms(CATALOGUE, language, start.replies[-1])
    lines = asked.split("\n")
    person = CATALOGUE.template(language, f"choice.{HELP_CHOICE}")
    assert lines[-1] == f"0 - {person}"
    assert [line[:4] for line in lines[-4:]] == ["1 - ", "2 - ", "3 - ", "0 - "], asked
