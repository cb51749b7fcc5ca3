"""Bad input on the Twilio webhooks: missing or repeated parameters, a 10,000-character
body, characters outside GSM-7, a picture message, an unknown To, a garbled form body,
odd ids: never a 500 (Twilio would retry, and the person would hear an error). A replay of
the same MessageSid, CallSid round or delivery report has one effect."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from storage.models import (
    Base,
    InboundKey,
    OutboxMessage,
    Person,
    Position,
    SessionAnswer,
)
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, channel_states, help_requests, outbox
from tests.fakes.twilio_api import sign
from tests.twilio_support import (
    CLUB_NUMBER,
    LANDLINE,
    MOBILE,
    SMS_URL,
    STATUS_URL,
    VOICE_URL,
    TwilioClub,
    add_session,
    replies,
)

FORM = "application/x-www-form-urlencoded"


async def count(tc: TwilioClub, model: type[Base]) -> int:
    async with tc.club.units() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def reminded(tc: TwilioClub) -> tuple[int, int]:
    """Ann, a text member, has a reminder question open: (Ann, session)."""
    ann = await add_phone_person(tc.club, "Ann", MOBILE)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    return ann, session


async def post_pairs(
    tc: TwilioClub, url: str, pairs: list[tuple[str, str]], *, signed: bool = True
) -> httpx.Response:
    """POST form pairs as they are (repeated names kept), signed over every value the way
    Twilio signs repeated parameters."""
    headers = {"Content-Type": FORM}
    if signed:
        validator = RequestValidator(tc.fake.auth_token)
        headers["X-Twilio-Signature"] = validator.compute_signature(url, ImmutableMultiDict(pairs))
    async with httpx.AsyncClient(transport=tc.transport()) as client:
        return await client.post(url, content=urlencode(pairs), headers=headers)


async def post_raw(
    tc: TwilioClub, url: str, body: bytes, signature: str, content_type: str = FORM
) -> httpx.Response:
    async with httpx.AsyncClient(transport=tc.transport()) as client:
        return await client.post(
            url,
            content=body,
            headers={"X-Twilio-Signature": signature, "Content-Type": content_type},
        )


# ------------------------------------------------------------- missing fields


@pytest.mark.parametrize("missing", ["From", "MessageSid", "To", "Body", "NumMedia", "AccountSid"])
async def test_a_text_missing_a_field_gets_an_answer_not_an_error(
    tc: TwilioClub, missing: str
) -> None:
    ann, session = await reminded(tc)
    _, form = tc.fake.signed_sms(SMS_URL, MOBILE, CLUB_NUMBER, "1")
    del form[missing]
    if missing == "MessageSid":
        for alias in ("SmsSid", "SmsMessageSid"):
            del form[alias]
    webhook = await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
    assert webhook.status_code == 200
    replies(webhook)  # TwiML, perhaps with no message
    if missing in {"From", "MessageSid"}:  # nobody to answer, or no id to keep it once by
        assert await answer_of(tc.club, session, ann) is None
        assert await count(tc, InboundKey) == 0
    if missing in {"To", "NumMedia", "AccountSid"}:
        assert await answer_of(tc.club, session, ann) == "coming"


async def test_an_empty_signed_form_is_answered_calmly(tc: TwilioClub) -> None:
    for url in (SMS_URL, VOICE_URL, STATUS_URL):
        webhook = await tc.fake.post_signed(url, {}, transport=tc.transport())
        assert webhook.status_code == 200, url
    assert await count(tc, InboundKey) == 0
    assert tc.told.words == []


async def test_a_call_missing_its_sid_or_number_is_handed_over_politely(tc: TwilioClub) -> None:
    for drop in ("CallSid", "From"):
        _, form = tc.fake.signed_voice(VOICE_URL, "CA" + "4" * 32, LANDLINE, CLUB_NUMBER)
        del form[drop]
        webhook = await tc.fake.post_signed(VOICE_URL, form, transport=tc.transport())
        assert webhook.status_code == 200
        assert "Someone from the club will ring you soon." in webhook.text
        assert "<Hangup" in webhook.text


# ------------------------------------------------------------ repeated fields


async def test_repeated_fields_are_read_without_an_error(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    pairs = [
        ("From", MOBILE),
        ("To", CLUB_NUMBER),
        ("To", CLUB_NUMBER),
        ("MessageSid", "SM" + "e" * 32),
        ("MessageSid", "SM" + "f" * 32),
        ("Body", "2"),
        ("Body", "1"),
        ("NumMedia", "0"),
    ]
    response = await post_pairs(tc, SMS_URL, pairs)
    assert response.status_code == 200
    assert await answer_of(tc.club, session, ann) in {"coming", "not_coming"}
    assert await count(tc, InboundKey) == 1


async def test_repeated_fields_unsigned_are_still_refused(tc: TwilioClub) -> None:
    pairs = [("From", MOBILE), ("From", LANDLINE), ("MessageSid", "SM" + "e" * 32)]
    response = await post_pairs(tc, SMS_URL, pairs, signed=False)
    assert response.status_code == 403


async def test_repeated_digits_and_statuses_are_read_without_an_error(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    pairs = [
        ("CallSid", "CA" + "5" * 32),
        ("From", LANDLINE),
        ("To", CLUB_NUMBER),
        ("Direction", "inbound"),
        ("Digits", "1"),
        ("Digits", "9"),
    ]
    response = await post_pairs(tc, f"{VOICE_URL}?round=2&round=3&quiet=0", pairs)
    assert response.status_code == 200 and "<Response>" in response.text
    status_pairs = [("MessageSid", "SMnone"), ("MessageStatus", "sent"), ("MessageStatus", "x")]
    assert (await post_pairs(tc, STATUS_URL, status_pairs)).status_code == 200
    assert await answer_of(tc.club, session, ann) in {None, "coming"}


# ------------------------------------------------------------- odd contents


async def test_a_ten_thousand_character_text_gets_the_question_again(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, "la " * 3333 + "x")
    [reply] = replies(webhook)
    assert "Sorry, I did not understand that." in reply and "\n1 - Yes" in reply
    assert len(reply) < 400  # nothing of the long text comes back
    assert await answer_of(tc.club, session, ann) is None


async def test_a_ten_thousand_character_name_is_asked_for_again(tc: TwilioClub) -> None:
    for said in ("hi", "1", "1"):
        await tc.chat(MOBILE, said)
    reply = await tc.chat(MOBILE, "Ann" * 3334)
    assert "name" in reply.lower()
    assert [p.name for p in await rows_of(tc, Person)] == ["Sam"]


async def rows_of(tc: TwilioClub, model: type[Person]) -> list[Person]:
    async with tc.club.units() as uow:
        found = list(await uow.session.scalars(select(model)))
        uow.session.expunge_all()
        return found


@pytest.mark.parametrize(
    ("body", "answer"),
    [("👍", "coming"), ("Yes 😀", "coming"), ("No ❌ sorry", "not_coming"), ("«1»", "coming")],
)
async def test_characters_outside_gsm7_are_read(tc: TwilioClub, body: str, answer: str) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, body)
    assert webhook.status_code == 200
    assert await answer_of(tc.club, session, ann) == answer


async def test_text_in_other_scripts_gets_the_question_again(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    for body in ("你好", "Привет", "مرحبا", "\u200b\u200b", "\x00\x01"):
        webhook = await tc.text(MOBILE, body)
        assert webhook.status_code == 200
        [reply] = replies(webhook)
        assert "\n1 - " in reply
    assert await answer_of(tc.club, session, ann) is None


async def test_a_name_with_letters_outside_gsm7_is_kept(tc: TwilioClub) -> None:
    for said in ("hi", "1", "1", "Łucja", "1", "2", "1"):
        reply = await tc.chat(MOBILE, said)
    assert "Thank you, Łucja." in reply
    assert "Łucja" in [p.name for p in await rows_of(tc, Person)]


async def test_a_picture_message_gets_a_kind_answer(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, "", num_media=2)
    [reply] = replies(webhook)
    assert reply.startswith("I can read words and numbers.")
    assert "\n1 - Yes" in reply

    assert await answer_of(tc.club, session, ann) is None


async def test_the_words_with_a_picture_still_count(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, "1", num_media=1)
    assert replies(webhook) == ["Thank you. See you there!"]
    assert await answer_of(tc.club, session, ann) == "coming"


@pytest.mark.parametrize("count_given", ["-1", "many", "99999999999999999999", ""])
async def test_an_odd_picture_count_is_no_error(tc: TwilioClub, count_given: str) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, "1", NumMedia=count_given)
    assert webhook.status_code == 200
    assert await answer_of(tc.club, session, ann) == "coming"


async def test_a_text_to_another_number_is_not_the_clubs_business(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    webhook = await tc.text(MOBILE, "1", to="+447700900002")
    assert webhook.status_code == 200 and replies(webhook) == []
    stop = await tc.text(MOBILE, "STOP", to="+447700900002")
    assert stop.status_code == 200
    assert await answer_of(tc.club, session, ann) is None
    assert await channel_states(tc.club, ann) == {}
    assert await count(tc, InboundKey) == 0
    assert tc.told.words == []


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\x00\x81garbage",
        b"%%%&&&===&=&",
        b"From=%2B447700900123&Body=%ZZ%",
        b'{"From": "+447700900123", "Body": "1"}',
        b"a" * 70_000,
    ],
    ids=["not-utf8", "only-separators", "bad-escapes", "json", "oversized"],
)
async def test_a_garbled_body_is_no_error(tc: TwilioClub, body: bytes) -> None:
    for url in (SMS_URL, VOICE_URL, STATUS_URL):
        response = await post_raw(tc, url, body, sign(tc.fake.auth_token, url, {}))
        assert response.status_code in {200, 403}, url
    assert await count(tc, Position) == 0
    assert tc.told.words == []


async def test_a_garbled_but_signed_body_is_read_as_far_as_it_goes(tc: TwilioClub) -> None:
    """parse_qsl reads what it can; a body Twilio really signed is then handled."""
    body = b"From=%2B447700900123&To=%2B447700900001&MessageSid=SM1&Body=%ZZ&&=x&junk"
    form = {
        "From": MOBILE,
        "To": CLUB_NUMBER,
        "MessageSid": "SM1",
        "Body": "%ZZ",
        "": "x",
        "junk": "",
    }
    response = await post_raw(tc, SMS_URL, body, sign(tc.fake.auth_token, SMS_URL, form))
    assert response.status_code == 200
    assert "Which language" in response.text


# ---------------------------------------------------------------- odd ids


async def test_overlong_ids_are_kept_once_without_an_error(tc: TwilioClub) -> None:
    """A Twilio-compatible provider's ids may be longer than Twilio's 34 characters."""
    ann, session = await reminded(tc)
    long_sid = "SM" + "d" * 200
    first = await tc.text(MOBILE, "1", sid=long_sid)
    again = await tc.text(MOBILE, "1", sid=long_sid)
    assert replies(first) == ["Thank you. See you there!"]
    assert replies(again) == []
    assert await answer_of(tc.club, session, ann) == "coming"
    stop = await tc.text(MOBILE, "STOP", sid="SM" + "e" * 200)
    assert stop.status_code == 200
    assert await channel_states(tc.club, ann) == {"sms": "opted out"}


async def test_an_overlong_call_sid_still_gets_its_question(tc: TwilioClub) -> None:
    await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    await add_session(tc.club)
    _, form = tc.fake.signed_voice(VOICE_URL, "CA" + "8" * 200, LANDLINE, CLUB_NUMBER)
    webhook = await tc.fake.post_signed(VOICE_URL, form, transport=tc.transport())
    assert webhook.status_code == 200
    assert "<Gather" in webhook.text and "press 1" in webhook.text


@pytest.mark.parametrize("query", ["round=abc&quiet=-1", "round=99999&quiet=99999", "quiet=", ""])
async def test_odd_round_counters_are_no_error(tc: TwilioClub, query: str) -> None:
    await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    await add_session(tc.club)
    url = f"{VOICE_URL}?{query}" if query else VOICE_URL
    _, form = tc.fake.signed_voice(url, "CA" + "6" * 32, LANDLINE, CLUB_NUMBER)
    webhook = await tc.fake.post_signed(url, form, transport=tc.transport())
    assert webhook.status_code == 200
    assert "<Say" in webhook.text


# ------------------------------------------------------------------ replays


async def test_a_replayed_text_has_one_effect(tc: TwilioClub) -> None:
    ann, session = await reminded(tc)
    _, form = tc.fake.signed_sms(SMS_URL, MOBILE, CLUB_NUMBER, "0", "SM" + "1" * 32)
    first = await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
    again = await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
    assert "Someone from the club will get in touch" in first.text
    assert replies(again) == []
    assert len(await help_requests(tc.club)) == 1
    assert len(tc.told.words) == 1
    assert await count(tc, InboundKey) == 1
    # The same words under a new MessageSid are a new message.
    await tc.text(MOBILE, "0")
    assert len(await help_requests(tc.club)) == 2
    assert await answer_of(tc.club, session, ann) is None


async def test_a_replayed_stop_tells_the_coordinator_once(tc: TwilioClub) -> None:
    ann, _ = await reminded(tc)
    _, form = tc.fake.signed_sms(SMS_URL, MOBILE, CLUB_NUMBER, "STOP", "SM" + "2" * 32)
    for _ in range(3):
        webhook = await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
        assert webhook.status_code == 200
    assert await channel_states(tc.club, ann) == {"sms": "opted out"}
    assert tc.told.words == ["Ann asked not to get texts any more."]


async def test_a_replayed_registration_step_does_not_move_on_twice(tc: TwilioClub) -> None:
    await tc.chat(MOBILE, "hi")
    _, form = tc.fake.signed_sms(SMS_URL, MOBILE, CLUB_NUMBER, "1", "SM" + "3" * 32)
    await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
    await tc.fake.post_signed(SMS_URL, form, transport=tc.transport())
    async with tc.club.units() as uow:
        saved = await uow.records.position(f"sms:{MOBILE}")
        assert saved is not None and saved.step == "role"  # language answered once


async def test_a_replayed_keypress_has_one_effect_and_still_speaks(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    [call] = tc.fake.call_requests
    twiml = await tc.answer(call)
    replayed_answer = await tc.answer(call)  # Twilio fetched the Url twice
    assert replayed_answer.said or replayed_answer.played, replayed_answer.xml
    handed = await tc.press(call, twiml, "0")
    again = await tc.press(call, twiml, "0")
    assert handed.said == again.said  # the replay still says goodbye properly
    assert len(await help_requests(tc.club)) == 1
    assert len(tc.told.words) == 1


async def test_a_replayed_answer_key_is_not_a_silent_hang_up(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    [call] = tc.fake.call_requests
    twiml = await tc.answer(call)
    await tc.press(call, twiml, "2")
    again = await tc.press(call, twiml, "2")
    assert again.said or again.played, again.xml
    assert await answer_of(tc.club, session, ann) == "not_coming"
    async with tc.club.units() as uow:
        answers = await uow.session.scalar(select(func.count()).select_from(SessionAnswer))
    assert answers == 1


async def test_a_replayed_failure_report_falls_back_once(tc: TwilioClub) -> None:
    ann, _ = await reminded(tc)
    [message] = tc.fake.messages
    for _ in range(2):
        await tc.report(message.sid, "undelivered", 30003)
    assert len(tc.fake.call_requests) == 0  # the call is queued, once
    [failed, moved] = await outbox(tc.club)
    assert (failed.status, moved.channel, moved.status) == (Status.FAILED, "voice", Status.PENDING)
    assert len(tc.told.words) == 1
    await tc.dispatch()
    assert len(tc.fake.calls_to(MOBILE)) == 1
    assert await count(tc, OutboxMessage) == 2
    assert await channel_states(tc.club, ann) == {"sms": "unreachable"}
