"""Golden dialogs of the people's flows, on the engine alone, in every language: each
reply has the keys expected and reads wholly in the person's language (see
`tests/golden.py`). Registration, preferences, the menu and help, the next session, my
data, forget me, changing language; and what the club starts: a reminder, feedback after
a session, a poll, and notices."""

from __future__ import annotations

import pytest

from conversations import (
    AnswerPoll,
    Broadcast,
    Erase,
    FeedbackAsked,
    PollAsked,
    Register,
    ReminderSent,
    RequestHelp,
    SessionNotice,
    SetFeedback,
    SetLanguage,
    SetPreference,
    SetReminderTiming,
    SetSessionAnswer,
)
from tests.dialog import mentions, press, says
from tests.golden import LANGUAGES, choose_language, run_golden, started
from tests.memory_club import MemoryClub

ACTIVITIES = 8
ROLES = ("member", "carer", "volunteer")
ENJOYED = ("act_music", "company", "something_else")
TELEGRAM = "telegram:4201"
PHONE = "sms:+447700900123"


def registered(club: MemoryClub, language: str, role: str = "member") -> None:
    """Someone known at TELEGRAM, reading `language`, with a member in their care if a carer."""
    person = club.add("Ann", TELEGRAM, roles=(role,), language=language, series_ids=frozenset({2}))
    if role == "carer":
        bob = club.add("Bob", "console:bob", language=language, series_ids=frozenset({2}))
        club.cared_for[person.id] = [bob.id]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_member_registers_and_says_what_they_enjoy(language: str) -> None:
    club = MemoryClub()
    log = run_golden(club, TELEGRAM, choose_language(language))
    assert log.last.replies[-1].texts[-1].key == "registration.role"
    assert [c.key for c in log.last.replies[-1].choices][:3] == list(ROLES)
    yes_no = ("yes", "no")
    answers = [press(a) for a in ("yes", "unsure", "no", "yes", "no", "yes", "unsure", "no")]
    run_golden(
        club,
        TELEGRAM,
        [
            (press("member"), says("registration.name", choices=())),
            ("Ann", says("registration.channel", choices=("here_telegram", "sms", "voice"))),
            (press("here_telegram"), says("registration.spoken", choices=yes_no)),
            (press("yes"), says("registration.consent", "registration.consent.ask")),
            (press("consent_yes"), says("registration.done", "preferences.offer")),
            (press("start_now"), says("preferences.activity", choices=("yes", "unsure", "no"))),
            *[(a, says("preferences.activity")) for a in answers[:2]],
            (answers[2], says("preferences.carry_on", choices=("carry_on", "enough"))),
            (press("carry_on"), says("preferences.activity")),
            *[(a, says("preferences.activity")) for a in answers[3:5]],
            (answers[5], says("preferences.carry_on")),
            (press("carry_on"), says("preferences.activity")),
            (answers[6], says("preferences.activity")),
            (answers[7], says("preferences.day_weekly", choices=yes_no)),
            (press("yes"), says("preferences.day_weekly")),
            (press("no"), says("preferences.day_monthly")),
            (press("yes"), says("preferences.timing", choices=("day_before", "morning", "both"))),
            (press("morning"), says("preferences.done", choices=())),
            ("/mydata", mentions("mydata.intro", "mydata.activities_yes", "mydata.next")),
            (press("all_fine"), says("menu.goodbye")),
        ],
        log,
    )
    [register] = [c for c in club.applied if isinstance(c, Register)]
    assert (register.name, register.role, register.language) == ("Ann", "member", language)
    ann = club.person(TELEGRAM)
    assert ann is not None
    assert len(ann.preferences) == ACTIVITIES and ann.reminder_timing == "morning"
    assert ann.series_ids == {1, 3}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_carer_registers_two_members_by_text_and_chooses_for_one(language: str) -> None:
    club = MemoryClub()
    log = run_golden(club, PHONE, choose_language(language))
    run_golden(
        club,
        PHONE,
        [
            (press("carer"), says("registration.name")),
            ("Ana", says("registration.member")),
            ("Maria", says("registration.more_members", choices=("yes", "no"))),
            (press("yes"), says("registration.another_member")),
            ("José", says("registration.more_members")),
            (press("no"), says("registration.channel", choices=("sms", "voice"))),
            (press("voice"), says("registration.spoken")),
            (press("no"), says("registration.consent_carer", "registration.consent.ask")),
            (press("consent_yes"), says("registration.done", "preferences.offer")),
            (press("start_now"), says("preferences.whose", choices=("subject_3", "subject_4"))),
            (press("subject_4"), says("preferences.activity_for")),
            ("/menu", says("menu.hello", "menu.ask")),
            (press("my_choices"), says("preferences.whose")),
            (press("person"), says("help.requested", "help.carry_on", "preferences.whose")),
        ],
        log,
    )
    [register] = [c for c in club.applied if isinstance(c, Register)]
    assert register.member_names == ("Maria", "José")
    assert register.channels == ("voice", "sms") and register.phone == "+447700900123"
    assert [c.where for c in club.applied if isinstance(c, RequestHelp)] == ["preferences.whose"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_volunteer_registers_and_a_refusal_keeps_nothing(language: str) -> None:
    club = MemoryClub()
    log = run_golden(club, TELEGRAM, choose_language(language))
    run_golden(
        club,
        TELEGRAM,
        [
            (press("volunteer"), says("registration.name")),
            ("Vi", says("registration.channel")),
            (press("here_telegram"), says("registration.spoken")),
            (press("no"), says("registration.consent", "registration.consent.ask")),
            (press("consent_yes"), says("registration.done", "registration.done_volunteer")),
        ],
        log,
    )
    refusing = "console:rita"
    log = run_golden(club, refusing, choose_language(language))
    run_golden(
        club,
        refusing,
        [
            (press("member"), says("registration.name")),
            ("Rita", says("registration.channel", choices=("here", "sms", "voice"))),
            (press("here"), says("registration.spoken")),
            (press("no"), says("registration.consent", "registration.consent.ask")),
            (press("consent_no"), says("registration.refused", choices=())),
        ],
        log,
    )
    assert club.person(refusing) is None
    assert [c.name for c in club.applied if isinstance(c, Register)] == ["Vi"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_the_menu_and_the_next_session(language: str) -> None:
    club = MemoryClub()
    registered(club, language)
    ann = club.person(TELEGRAM)
    assert ann is not None
    run_golden(
        club,
        TELEGRAM,
        [
            ("/help", says("help.about", "menu.hello", "menu.ask")),
            (press("next_session"), says("reminder.next", "reminder.place", "reminder.ask")),
            (press("s2m2.coming"), says("reminder.thanks_coming", choices=())),
            ("hello", says("common.not_understood", "menu.hello", "menu.ask")),
            ("0", says("help.requested", "help.carry_on", "menu.hello", "menu.ask")),
            ("/dance", says("common.unknown_command", "menu.hello", "menu.ask")),
            ("/preferences", says("preferences.activity")),
            (press("unsure"), says("preferences.activity")),
            ("/forgetme", says("forget.explain", "forget.ask", choices=("erase", "keep"))),
            (press("keep"), says("forget.kept")),
        ],
    )
    assert SetSessionAnswer(2, ann.id, "coming") in club.applied
    assert SetPreference(ann.id, "music", "unsure") in club.applied


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_carer_reads_their_data_then_is_forgotten_with_their_member(language: str) -> None:
    club = MemoryClub()
    registered(club, language, role="carer")
    run_golden(
        club,
        TELEGRAM,
        [
            ("/mydata", mentions("mydata.intro", "mydata.member", "mydata.timing")),
            (press("forget"), says("forget.explain", "forget.also_members", "forget.ask")),
            (press("erase"), says("forget.done", choices=())),
        ],
    )
    assert [c for c in club.applied if isinstance(c, Erase)] == [Erase((2, 3))]
    assert club.person(TELEGRAM) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_carer_changes_the_language_for_themselves_and_their_member(language: str) -> None:
    club = MemoryClub()
    registered(club, language, role="carer")
    other = next(code for code in ("pl", "fr") if code != language)
    run_golden(
        club,
        TELEGRAM,
        [
            ("/language", says("language.current", "registration.language")),
            (press("more_languages"), says("registration.language")),
            (press(f"lang_{other}"), says("language.done", choices=())),
            ("/menu", says("menu.hello", "menu.ask")),
        ],
    )
    assert SetLanguage((2, 3), other) in club.applied


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_for_a_member_is_answered_by_their_carer(language: str) -> None:
    club = MemoryClub()
    registered(club, language, role="carer")
    expected = says("reminder.day_before", "reminder.place", "reminder.ask_for")
    log = started(club, TELEGRAM, ReminderSent(2, 3, "day_before"), expected)
    run_golden(
        club,
        TELEGRAM,
        [
            ("maybe", says("common.not_understood", "reminder.ask.short")),
            (press("s2m3.need_help"), says("reminder.thanks_need_help")),
            (press("s1m3.coming"), says("reminder.finished")),
        ],
        log,
    )
    assert SetSessionAnswer(2, 3, "need_help") in club.applied


@pytest.mark.parametrize("language", LANGUAGES)
def test_feedback_after_a_session_then_the_question_left_open(language: str) -> None:
    club = MemoryClub()
    registered(club, language)
    log = run_golden(club, TELEGRAM, [("/preferences", says("preferences.activity"))])
    asked = says("feedback.face", "feedback.skip_hint", choices=("happy", "unsure", "unhappy"))
    log = started(club, TELEGRAM, FeedbackAsked(1, 2), asked)
    run_golden(
        club,
        TELEGRAM,
        [
            (
                press("happy"),
                says("feedback.enjoyed", choices=("act_music", "company", "something_else")),
            ),
            (press("company"), says("feedback.comment", choices=("no_comment",))),
            ("Lovely singing", says("feedback.named", choices=("yes", "no"))),
            (press("yes"), says("feedback.thanks", "preferences.activity")),
        ],
        log,
    )
    parts = [(c.part, c.value) for c in club.applied if isinstance(c, SetFeedback)]
    assert parts == [
        ("face", "happy"),
        ("enjoyed", "company"),
        ("comment", "Lovely singing"),
        ("named", "yes"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_poll_answered_with_an_idea_and_notices_said(language: str) -> None:
    club = MemoryClub()
    registered(club, language)
    asked = says("poll.ask", "poll.own_idea", choices=("act_music", "act_art"))
    log = started(club, TELEGRAM, PollAsked(7, ("music", "art")), asked)
    run_golden(club, TELEGRAM, [("A trip to the seaside", says("poll.thanks"))], log)
    assert AnswerPoll(7, 2, None, "A trip to the seaside") in club.applied

    started(club, TELEGRAM, Broadcast("Tea at 3"), says("notice.broadcast", choices=()))
    for notice in ("cancelled", "changed"):
        started(club, TELEGRAM, SessionNotice(notice, 2), says(f"notice.{notice}"))
    log = started(club, TELEGRAM, ReminderSent(3, 2, "morning"), mentions("reminder.morning"))
    run_golden(club, TELEGRAM, [("/preferences", None), ("later", None)], log)
    timing = [c for c in club.applied if isinstance(c, SetReminderTiming)]
    assert timing == []
