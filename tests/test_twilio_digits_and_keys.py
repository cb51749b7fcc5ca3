"""Every flow by text-message digits alone, and reminders by phone keys alone (design rule
6), through the real web app: registration typing only digits, names and a number;
preferences; reminder answers and changing them; 0 reaching a person by text and by key;
silence on a call (twice) handed over to a person, never a hang-up without those words."""

from __future__ import annotations

import pytest

from conversations.model import text
from storage.models import CareLink, Person, SessionAnswer
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, help_requests, position, preferences_of, rows, series_ids_of
from tests.twilio_support import CLUB_NUMBER, LANDLINE, MOBILE, TwilioClub, Twiml, add_session

CARER_PHONE = "+447700900555"
HANDOVER = "Someone from the club will ring you soon. Thank you, goodbye."
Script = list[tuple[str, str]]
"""(what the person texts, words the club's reply must contain)."""

REGISTER_MEMBER: Script = [
    ("Hello", "Which language would you like"),
    ("1", "Which of these is you?\nReply with a number:\n1 - I come to the club"),
    ("1", "What is your first name?"),
    (
        "Ann",
        "How should reminders reach you?\nReply with a number:\n1 - Text message\n2 - Phone call",
    ),
    ("1", "read out loud"),
    ("2", "Is that all right with you?\nReply with a number:\n1 - Yes, that is fine"),
    ("1", "Thank you, Ann. You will now get messages from the club."),
]
CHOOSE_ACTIVITIES: Script = [
    ("1", "Do you like music?"),
    ("1", "Do you like art?"),
    ("2", "Do you like gardening?"),
    ("3", "Shall we do some more?\nReply with a number:\n1 - Yes, carry on"),
    ("1", "Do you like crafts?"),
    ("1", "Do you like cooking and meals?"),
    ("3", "Do you like trips to art shows and concerts?"),
    ("2", "Shall we do some more?"),
    ("1", "Do you like dance and movement?"),
    ("3", "Do you like memories and stories?"),
    ("1", "Do you come to the Tuesday Club on Tuesdays?"),
    ("2", "Do you come to the Thursday Club on Thursdays?"),
    ("1", "Do you come to the Crafternoon"),
    ("2", "When would you like your reminders?\nReply with a number:\n1 - The day before"),
    ("2", "Your choices are saved."),
]


async def run_script(tc: TwilioClub, number: str, script: Script) -> None:
    for said, expected in script:
        reply = await tc.chat(number, said)
        assert expected in reply, f"after {said!r} the club said {reply!r}"
        assert "{" not in reply


def no_silent_hang_up(twiml: Twiml) -> None:
    """A call ends only after words are said; a question is always followed by a Redirect,
    so silence never falls off the end of the TwiML (which would hang up)."""
    if twiml.gather is not None:
        assert twiml.verbs[-1] == "Redirect", twiml.xml
        assert int(twiml.gather.attrib["timeout"]) >= 15
    else:
        assert twiml.hangs_up and twiml.said and twiml.said[-1].strip(), twiml.xml
        assert twiml.verbs[-2:] == ["Say", "Hangup"], twiml.xml


async def ann_by_phone(tc: TwilioClub, phone: str = MOBILE) -> Person:
    async with tc.club.units() as uow:
        found = await uow.people.by_address(f"sms:{phone}")
        assert found is not None
        uow.session.expunge_all()
        return found


# ------------------------------------------------------------------- by text


async def test_a_member_registers_and_chooses_activities_by_digits_alone(
    tc: TwilioClub,
) -> None:
    await run_script(tc, MOBILE, [*REGISTER_MEMBER, *CHOOSE_ACTIVITIES])

    ann = await ann_by_phone(tc)
    assert (ann.name, ann.phone, ann.phone_is_landline) == ("Ann", MOBILE, False)
    assert ann.channel_order == ["sms", "voice"]
    assert (ann.language, ann.spoken, ann.reminder_timing) == ("en", False, "morning")
    assert await preferences_of(tc.club, ann.id) == {
        "music": "yes",
        "art": "unsure",
        "gardening": "no",
        "crafts": "yes",
        "meals": "no",
        "outings": "unsure",
        "movement": "no",
        "memories": "yes",
    }
    async with tc.club.units() as uow:
        series = {s.title: s.id for s in await uow.club.series()}
    assert await series_ids_of(tc.club, ann.id) == {series["Thursday Club"]}
    saved = await position(tc.club, f"sms:{MOBILE}")
    assert saved is not None and saved.flow == "idle"


async def test_a_carer_registers_for_a_member_by_digits_and_names(tc: TwilioClub) -> None:
    await run_script(
        tc,
        CARER_PHONE,
        [
            ("Hello", "Which language"),
            ("1", "Which of these is you?"),
            ("2", "What is your first name?"),
            ("Cath", "What is the name of the person you care for?"),
            (
                "Dora",
                "Do you care for anyone else who comes to the club?\nReply with a number:\n1 - Yes",
            ),
            ("2", "How should reminders reach you?"),
            ("2", "read out loud"),
            ("1", "the details of Dora"),
            ("1", "Thank you, Cath."),
            ("2", ""),  # preferences later
        ],
    )
    cath = await ann_by_phone(tc, CARER_PHONE)
    assert cath.channel_order == ["voice", "sms"]
    assert cath.spoken is True
    [link] = await rows(tc.club, CareLink)
    dora = next(p for p in await rows(tc.club, Person) if p.name == "Dora")
    assert (link.carer_id, link.member_id) == (cath.id, dora.id)
    assert dora.phone is None


async def test_a_volunteer_registers_by_digits(tc: TwilioClub) -> None:
    await run_script(
        tc,
        MOBILE,
        [
            ("hi", "Which language"),
            ("1", "Which of these is you?"),
            ("3", "What is your first name?"),
            ("Vic", "How should reminders reach you?"),
            ("1", "read out loud"),
            ("2", "Is that all right"),
            ("1", "Thank you, Vic."),
        ],
    )
    vic = await ann_by_phone(tc)
    assert vic.channel_order == ["sms", "voice"]


async def test_refusing_consent_by_digit_keeps_nothing(tc: TwilioClub) -> None:
    await run_script(tc, MOBILE, [*REGISTER_MEMBER[:-1], ("2", "")])
    assert [p.name for p in await rows(tc.club, Person)] == ["Sam"]  # the demo coordinator


async def test_reminder_answers_by_digits_and_changing_them_later(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", MOBILE)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    [reminder] = tc.fake.messages_to(MOBILE)
    assert reminder.body.endswith("1 yes, 2 no, 3 help getting there, 0 talk to a person")

    assert await tc.chat(MOBILE, "2") == (
        "Thank you for letting us know. We hope to see you next time."
    )
    assert await answer_of(tc.club, session, ann) == "not_coming"
    # Later: the menu by text, "My next session" by digit, then coming after all.
    menu = await tc.chat(MOBILE, "hello")
    assert "\n1 - My next session" in menu

    asked = await tc.chat(MOBILE, "1")
    assert "Thursday Club" in asked and "Are you coming?" in asked
    assert await tc.chat(MOBILE, "1") == "Thank you. See you there!"
    assert await answer_of(tc.club, session, ann) == "coming"
    # 3: help getting there; the coordinator hears of it.
    await queue_reminder(tc.club, ann, session, kind="morning")
    await tc.dispatch()
    assert await tc.chat(MOBILE, "3") == (
        "Thank you. Someone from the club will call you about getting there."
    )
    assert await answer_of(tc.club, session, ann) == "need_help"
    assert any("Ann needs help getting to the Thursday Club" in w for w in tc.told.words)


async def test_words_are_understood_as_well_as_digits(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", MOBILE)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    assert await tc.chat(MOBILE, "YES please") == "Thank you. See you there!"
    assert await answer_of(tc.club, session, ann) == "coming"


async def test_a_carer_answers_for_the_member_by_digit(tc: TwilioClub) -> None:
    dora = await add_phone_person(tc.club, "Dora", LANDLINE, landline=True, channels="")
    cath = await add_phone_person(tc.club, "Cath", CARER_PHONE, roles=("carer",))
    async with tc.club.units() as uow:
        await uow.people.link_carer(cath, dora)
        await uow.commit()
    session = await add_session(tc.club)
    await queue_reminder(tc.club, cath, session, member_id=dora)
    await tc.dispatch()
    [reminder] = tc.fake.messages_to(CARER_PHONE)
    assert "Is Dora coming?" in reminder.body

    assert await tc.chat(CARER_PHONE, "1") == "Thank you. See you there!"
    [answer] = await rows(tc.club, SessionAnswer)
    assert (answer.session_id, answer.person_id, answer.answer) == (session, dora, "coming")
    assert answer.answered_by_id == cath


async def test_0_by_text_reaches_a_person(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", MOBILE)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()

    reply = await tc.chat(MOBILE, "0")

    assert "Someone from the club will get in touch with you soon." in reply
    [request] = await help_requests(tc.club)
    assert (request.person_id, request.kind, request.where) == (ann, "talk", "reminder.answer")
    assert tc.told.words == [
        "🙋 Ann would like to talk to a person. They were answering a reminder, by text message."
    ]
    assert await answer_of(tc.club, session, ann) is None


async def test_a_newcomer_texting_0_reaches_a_person(tc: TwilioClub) -> None:
    reply = await tc.chat(MOBILE, "0")
    assert "Someone from the club will get in touch" in reply
    [request] = await help_requests(tc.club)
    assert request.person_id is None and request.address == f"sms:{MOBILE}"
    assert f"Someone new got in touch by text message, from {MOBILE}." in tc.told.words


# ------------------------------------------------------------------ by keypad


async def rung(tc: TwilioClub, phone: str = LANDLINE) -> tuple[int, int, Twiml]:
    """A landline member's reminder call, answered: (person, session, first TwiML)."""
    ann = await add_phone_person(tc.club, "Ann", phone, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    twiml = await tc.answer(tc.fake.calls_to(phone)[-1])
    no_silent_hang_up(twiml)
    return ann, session, twiml


@pytest.mark.parametrize(
    ("key", "answer", "words"),
    [
        ("1", "coming", "Thank you. See you there!"),
        ("2", "not_coming", "Thank you for letting us know. We hope to see you next time."),
        ("3", "need_help", "Thank you. Someone from the club will call you about getting there."),
    ],
)
async def test_a_reminder_is_answered_by_one_key(
    tc: TwilioClub, key: str, answer: str, words: str
) -> None:
    ann, session, twiml = await rung(tc)
    [words_said] = twiml.said
    for digit, option in [
        ("1", "If you are coming, say yes"),
        ("2", "If you cannot come this time, say no"),
        ("3", "If you need help getting there, say travel"),
        ("0", "To talk to a person, say help"),
    ]:
        assert f"{option} or press {digit}." in words_said

    thanked = await tc.press(tc.fake.call_requests[-1], twiml, key)

    assert thanked.said == [words]
    no_silent_hang_up(thanked)
    assert await answer_of(tc.club, session, ann) == answer


async def test_a_key_that_means_nothing_asks_again(tc: TwilioClub) -> None:
    ann, session, twiml = await rung(tc)
    call = tc.fake.call_requests[-1]
    for key in ("7", "*", "#"):
        twiml = await tc.press(call, twiml, key)
        no_silent_hang_up(twiml)
        assert twiml.gather is not None
        assert "press 1" in " ".join(twiml.said)
    await tc.press(call, twiml, "1")
    assert await answer_of(tc.club, session, ann) == "coming"


async def test_0_on_the_keypad_reaches_a_person(tc: TwilioClub) -> None:
    ann, session, twiml = await rung(tc)

    handed = await tc.press(tc.fake.call_requests[-1], twiml, "0")

    assert handed.said == [HANDOVER]
    no_silent_hang_up(handed)
    [request] = await help_requests(tc.club)
    assert (request.person_id, request.kind) == (ann, "talk")
    assert request.session_id in (session, None)
    assert tc.told.words == [
        "🙋 Ann would like to talk to a person. They were answering a reminder, by phone call."
    ]
    assert await answer_of(tc.club, session, ann) is None


async def test_silence_repeats_the_question_then_hands_over(tc: TwilioClub) -> None:
    ann, session, twiml = await rung(tc)
    call = tc.fake.call_requests[-1]
    question = twiml.said
    twiml = await tc.stay_silent(call, twiml)
    no_silent_hang_up(twiml)
    assert twiml.said == question  # said again in full
    assert tc.told.words == []

    handed = await tc.stay_silent(call, twiml)

    assert handed.said == [HANDOVER]
    no_silent_hang_up(handed)
    assert tc.told.words == [
        "🙋 Ann would like to talk to a person. They were answering a reminder, by phone call."
    ]
    [request] = await help_requests(tc.club)
    assert request.person_id == ann
    assert await answer_of(tc.club, session, ann) is None


async def test_a_key_after_a_silence_still_counts(tc: TwilioClub) -> None:
    ann, session, twiml = await rung(tc)
    call = tc.fake.call_requests[-1]
    again = await tc.stay_silent(call, twiml)
    await tc.press(call, again, "2")
    assert await answer_of(tc.club, session, ann) == "not_coming"
    assert tc.told.words == []


async def test_a_known_member_ringing_the_club_hears_the_next_session_and_answers(
    tc: TwilioClub,
) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)

    call, twiml = await tc.ring_club(LANDLINE)

    no_silent_hang_up(twiml)
    [said] = twiml.said
    assert said.startswith("Your next session is art at the Thursday Club.")
    assert "If you are coming, say yes or press 1." in said
    thanked = await tc.press(call, twiml, "1")
    no_silent_hang_up(thanked)
    assert await answer_of(tc.club, session, ann) == "coming"


async def test_an_unknown_caller_is_greeted_and_the_coordinator_told(tc: TwilioClub) -> None:
    _, twiml = await tc.ring_club("+447700900999")

    no_silent_hang_up(twiml)
    assert twiml.said == [
        "Hello, this is the Healthy Living Club. Someone from the club will ring you back soon."
        " Goodbye."
    ]
    assert tc.told.words == ["Someone new got in touch by phone call, from +447700900999."]
    assert [p.name for p in await rows(tc.club, Person)] == ["Sam"]


async def test_a_call_to_someone_with_nothing_to_answer_says_so_kindly(tc: TwilioClub) -> None:
    await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    _, twiml = await tc.ring_club(LANDLINE)
    no_silent_hang_up(twiml)
    assert twiml.said == ["There is no session on your days coming up yet."]
    assert CLUB_NUMBER not in twiml.xml


# ------------------------------------------------------- in the person's language


async def test_a_portuguese_member_is_handed_over_in_portuguese(tc: TwilioClub) -> None:
    ana = await add_phone_person(
        tc.club, "Ana", LANDLINE, landline=True, channels="voice", language="pt"
    )
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ana, session)
    await tc.dispatch()
    call = tc.fake.calls_to(LANDLINE)[-1]
    twiml = await tc.answer(call)
    assert "carregue em 1" in twiml.said[0]

    handed = await tc.press(call, twiml, "0")

    handover = tc.club.catalogue.render("pt", text("voice.handover"))
    assert handed.said == [handover]
    say = handed.root.find("Say")
    assert say is not None and say.attrib["language"] == "pt-PT"
    no_silent_hang_up(handed)


async def test_start_and_help_are_answered_in_the_persons_language(tc: TwilioClub) -> None:
    await add_phone_person(tc.club, "Ana", MOBILE, language="pt")
    club = tc.club.settings.club_name
    await tc.text(MOBILE, "STOP")
    assert await tc.chat(MOBILE, "START") == tc.club.catalogue.render("pt", text("sms.opted_in"))
    assert await tc.chat(MOBILE, "HELP") == tc.club.catalogue.render(
        "pt", text("sms.help", club=club)
    )
    assert await tc.chat("+447700900999", "HELP") == tc.club.catalogue.render(
        "en", text("sms.help", club=club)
    )
