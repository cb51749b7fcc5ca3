"""Issue 16, calls that listen: a reminder call answered by saying a word (the fake Twilio
posts SpeechResult and Confidence), read back before it counts; "help", silence twice or
words not understood twice end kindly with a call-back request for the coordinator; the
TwiML of every call question, in all five languages, listens for words and keys."""

from __future__ import annotations

import re

import pytest

from bot.channels.twilio.voice import GATHER_SECONDS
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, help_requests
from tests.twilio_support import LANDLINE, TwilioClub, Twiml, add_session

HANDOVER = "Someone from the club will ring you soon. Thank you, goodbye."
ASKED_TO_RING = (
    "🙋 Ann would like to talk to a person. They were answering a reminder, by phone call."
)
SPEECH_TAGS = {"en": "en-GB", "pt": "pt-PT", "es": "es-ES", "pl": "pl-PL", "fr": "fr-FR"}
YES_WORD = {"en": "Yes.", "pt": "Sim.", "es": "Sí.", "pl": "Tak.", "fr": "Oui."}
KEY_LAST = re.compile(r"\s[0-9]\.$")
"""A sentence that ends with a key alone ("... or press 1."), not a time ("at 9:00.")."""


async def rung(tc: TwilioClub, language: str = "en") -> tuple[int, int, Twiml]:
    """A landline member's reminder call, answered: (person, session, first TwiML)."""
    ann = await add_phone_person(
        tc.club, "Ann", LANDLINE, landline=True, channels="voice", language=language
    )
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    return ann, session, await tc.answer(tc.fake.calls_to(LANDLINE)[-1])


def listens(twiml: Twiml, language: str, choices: int) -> None:
    """A question that takes a word or a key in the person's language, with time to answer,
    each option said before its key, and silence followed by more words (never a hang-up)."""
    gather = twiml.gather
    assert gather is not None, twiml.xml
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["language"] == SPEECH_TAGS[language]
    assert int(gather.attrib["timeout"]) >= 15 == GATHER_SECONDS
    assert gather.attrib["numDigits"] == "1"
    hints = [hint.strip().casefold() for hint in gather.attrib["hints"].split(",")]
    assert YES_WORD[language].rstrip(".").casefold() in hints
    assert twiml.verbs[-1] == "Redirect"
    words = " ".join(twiml.said)
    keyed = [s for s in re.split(r"(?<=\.)\s+", words) if KEY_LAST.search(s)]
    assert [s[-2] for s in keyed] == [*(str(d) for d in range(1, choices + 1)), "0"], words
    for sentence in keyed:  # the option first, then the key, in the one sentence
        assert len(sentence.split()) >= 6, sentence


@pytest.mark.parametrize("language", sorted(SPEECH_TAGS))
async def test_every_call_question_listens_in_each_language(tc: TwilioClub, language: str) -> None:
    ann, session, question = await rung(tc, language)
    listens(question, language, choices=3)
    call = tc.fake.calls_to(LANDLINE)[-1]

    checking = await tc.say(call, question, YES_WORD[language])

    listens(checking, language, choices=2)
    assert await answer_of(tc.club, session, ann) is None  # not final before it is checked
    thanked = await tc.say(call, checking, YES_WORD[language])
    assert thanked.hangs_up and thanked.said
    assert await answer_of(tc.club, session, ann) == "coming"


async def test_a_member_says_yes_hears_it_read_back_and_is_recorded_as_coming(
    tc: TwilioClub,
) -> None:
    ann, session, question = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]

    checking = await tc.say(call, question, "Yes.", confidence=0.87)

    posted = tc.fake.webhooks[-1].params
    assert (posted["SpeechResult"], posted["Confidence"][:4]) == ("Yes.", "0.87")
    [heard] = checking.said
    assert heard.startswith("You said: Yes, coming. If that is right, say yes or press 1.")
    assert "If not, say no or press 2." in heard
    assert await answer_of(tc.club, session, ann) is None
    thanked = await tc.say(call, checking, "yes")
    assert thanked.said == ["Thank you. See you there!"]
    assert await answer_of(tc.club, session, ann) == "coming"
    assert tc.told.words == []


async def test_no_to_the_read_back_asks_again_and_a_key_confirms(tc: TwilioClub) -> None:
    ann, session, question = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]

    checking = await tc.say(call, question, "Yes")
    again = await tc.say(call, checking, "No")

    assert again.said == question.said  # the whole question again, nothing recorded
    assert await answer_of(tc.club, session, ann) is None
    checking = await tc.say(call, again, "Travel, please")
    assert checking.said[0].startswith("You said: Help getting there.")
    await tc.press(call, checking, "1")
    assert await answer_of(tc.club, session, ann) == "need_help"


@pytest.mark.parametrize("when", ["question", "read-back"])
async def test_saying_help_reaches_a_person_at_once(tc: TwilioClub, when: str) -> None:
    ann, session, twiml = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]
    if when == "read-back":
        twiml = await tc.say(call, twiml, "not this time")

    handed = await tc.say(call, twiml, "Help.")

    assert handed.said == [HANDOVER] and handed.hangs_up
    assert tc.told.words == [ASKED_TO_RING]
    [request] = await help_requests(tc.club)
    assert (request.person_id, request.kind) == (ann, "talk")
    assert await answer_of(tc.club, session, ann) is None


async def test_silence_twice_ends_kindly_with_the_request_recorded(tc: TwilioClub) -> None:
    ann, _, twiml = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]

    twiml = await tc.stay_silent(call, twiml)
    assert twiml.gather is not None and tc.told.words == []
    handed = await tc.stay_silent(call, twiml)

    assert handed.said == [HANDOVER] and handed.hangs_up
    assert tc.told.words == [ASKED_TO_RING]
    assert [r.person_id for r in await help_requests(tc.club)] == [ann]


@pytest.mark.parametrize(
    ("words", "confidence"),
    [
        ("purple elephants", 0.9),  # not an answer
        ("Yes.", 0.12),  # the recogniser was guessing
        ("Oui, je viens.", 0.9),  # another language than the person's
    ],
)
async def test_words_not_understood_are_asked_again_kindly_then_handed_over(
    tc: TwilioClub, words: str, confidence: float
) -> None:
    ann, session, question = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]

    again = await tc.say(call, question, words, confidence)

    assert again.said == ["Sorry, I did not catch that.", *question.said]
    assert again.gather is not None and tc.told.words == []
    assert await answer_of(tc.club, session, ann) is None
    handed = await tc.say(call, again, words, confidence)
    assert handed.said == [HANDOVER] and handed.hangs_up
    assert tc.told.words == [ASKED_TO_RING]
    assert await answer_of(tc.club, session, ann) is None


async def test_a_key_after_words_not_understood_still_counts(tc: TwilioClub) -> None:
    ann, session, question = await rung(tc)
    call = tc.fake.calls_to(LANDLINE)[-1]
    again = await tc.say(call, question, "mumble")
    await tc.press(call, again, "2")
    assert await answer_of(tc.club, session, ann) == "not_coming"
    assert tc.told.words == []
