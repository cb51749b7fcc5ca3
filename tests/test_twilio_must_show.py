"""Issue 5's must-show, end to end through the composition root and the fake Twilio API:
a member with only a landline gets a reminder call, presses 1 and is recorded as coming;
a text member answers "1", then "STOP", then "START"."""

from __future__ import annotations

from bot.channels.twilio.voice import GATHER_SECONDS
from conversations import Input
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, channel_states, outbox
from tests.clubs import twilio_club
from tests.twilio_support import (
    CLUB_NUMBER,
    LANDLINE,
    MOBILE,
    PUBLIC_URL,
    STATUS_URL,
    VOICE_URL,
    TwilioClub,
    add_session,
)


async def test_a_landline_member_is_rung_presses_1_and_is_recorded_as_coming(
    tc: TwilioClub,
) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)

    assert await tc.dispatch() == 1

    assert tc.fake.messages == []  # no text is tried to a landline
    [call] = tc.fake.call_requests
    assert (call.to, call.from_) == (LANDLINE, CLUB_NUMBER)
    assert call.url is not None and call.url.startswith(f"{VOICE_URL}?")
    assert call.method == "POST"
    assert call.status_callback == STATUS_URL
    [row] = await outbox(tc.club)
    assert (row.channel, row.status, row.provider_id) == ("voice", Status.SENT, call.sid)

    spoken = await tc.answer(call)  # Twilio posts Direction=outbound-api, signed
    assert tc.fake.webhooks[-1].params["Direction"] == "outbound-api"
    gather = spoken.gather
    assert gather is not None
    assert gather.attrib["numDigits"] == "1"
    assert int(gather.attrib["timeout"]) >= 15 == GATHER_SECONDS
    assert gather.attrib["action"].startswith(f"{PUBLIC_URL}/twilio/voice?")
    [words] = spoken.said
    assert "Thursday Club" in words and "Norwood Community Hall, SE27 9JU" in words
    assert "Are you coming?" in words
    assert "If you are coming, say yes or press 1." in words
    assert words.index("If you are coming") < words.index("press 1")
    assert "To talk to a person, say help or press 0." in words
    assert spoken.verbs == ["Gather", "Redirect"]  # silence is never a hang-up

    thanked = await tc.press(call, spoken, "1")

    assert await answer_of(tc.club, session, ann) == "coming"
    assert thanked.said == ["Thank you. See you there!"]
    assert thanked.hangs_up
    await tc.call_report(call.sid, "completed")
    [row] = await outbox(tc.club)
    assert row.status == Status.DELIVERED


async def test_a_member_who_registers_a_landline_for_calls_is_rung(tc: TwilioClub) -> None:
    """Registration (here in the console chat) with "phone call" and a London landline:
    the number is known to be a landline, so the reminder is a call and never a text."""
    script = ["hello", "1", "1", "Ann", "3", "020 7946 0018", "2", "1"]
    for said in script:
        await tc.club.dialogue.handle("console:ann", Input.typed(said))
    async with tc.club.units() as uow:
        ann = await uow.people.by_address(f"voice:{LANDLINE}")
        assert ann is not None
        assert ann.phone_is_landline is True
        assert ann.channel_order[0] == "voice"
        ann_id = ann.id
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann_id, session, channel="sms")  # even if asked for a text

    await tc.dispatch()

    assert tc.fake.messages == []
    [call] = tc.fake.calls_to(LANDLINE)
    spoken = await tc.answer(call)
    await tc.press(call, spoken, "1")
    assert await answer_of(tc.club, session, ann_id) == "coming"


async def test_a_text_member_answers_1_then_stop_then_start(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE, channels="sms,voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, bob, session)
    await tc.dispatch()
    [reminder] = tc.fake.messages_to(MOBILE)
    assert "Thursday Club" in reminder.body and "? 1 yes, 2 no" in reminder.body

    assert await tc.chat(MOBILE, "1") == "Thank you. See you there!"
    assert await answer_of(tc.club, session, bob) == "coming"

    stopped = await tc.text(MOBILE, "STOP")
    assert stopped.status_code == 200
    assert "<Message>" not in stopped.text  # Twilio itself confirms an opt-out
    assert await channel_states(tc.club, bob) == {"sms": "opted out"}
    assert tc.told.words == ["Bob asked not to get texts any more."]
    tc.fake.opt_out(MOBILE)  # Twilio now refuses texts to Bob
    # While opted out, the next reminder rings Bob instead of texting.
    await queue_reminder(tc.club, bob, session, kind="morning")
    await tc.dispatch()
    assert len(tc.fake.messages_to(MOBILE)) == 1
    assert len(tc.fake.calls_to(MOBILE)) == 1

    assert await tc.chat(MOBILE, "START") == (
        "Welcome back. You will get texts from the club again."
    )
    tc.fake.opt_in(MOBILE)
    assert await channel_states(tc.club, bob) == {}
    await queue_reminder(tc.club, bob, session, kind="followup")
    await tc.dispatch()
    assert len(tc.fake.messages_to(MOBILE)) == 2  # texts again
    assert await answer_of(tc.club, session, bob) == "coming"  # unchanged throughout
    assert tc.told.words == ["Bob asked not to get texts any more."]


async def test_in_a_club_without_telegram_the_coordinator_is_told_by_text(
    tc: TwilioClub,
) -> None:
    """ "Coordinator told" must reach a real coordinator when Twilio is the only provider:
    coordinators with a mobile get a text; one with only a landline is not texted."""
    cora_phone, lee_phone = "+447700900777", "+442079460999"
    await add_phone_person(tc.club, "Cora", cora_phone, roles=("coordinator",))
    await add_phone_person(
        tc.club, "Lee", lee_phone, landline=True, channels="voice", roles=("coordinator",)
    )
    bob = await add_phone_person(tc.club, "Bob", MOBILE)

    await tc.text(MOBILE, "STOP")
    await tc.text("+447700900888", "Hello")  # someone new

    told = [m.body for m in tc.fake.messages_to(cora_phone)]
    assert told == [
        "Bob asked not to get texts any more.",
        "Someone new got in touch by text message, from +447700900888.",
    ]
    assert all(m.encoding == "GSM-7" for m in tc.fake.messages_to(cora_phone))
    assert tc.fake.messages_to(lee_phone) == []
    assert await channel_states(tc.club, bob) == {"sms": "opted out"}
    # A coordinator who has opted out of texts is not texted.
    await tc.text(cora_phone, "STOP")
    await tc.text(MOBILE, "START")
    await tc.text(MOBILE, "0")
    assert len(tc.fake.messages_to(cora_phone)) == 2


async def test_a_coordinator_on_telegram_is_not_texted_as_well(database_url: str) -> None:
    async with twilio_club(database_url, telegram=True) as tc:
        assert tc.bot_api is not None
        await add_phone_person(
            tc.club, "Cora", "+447700900777", roles=("coordinator",), telegram_id=9100
        )
        await tc.text("+447700900888", "Hello")
        assert tc.fake.messages_to("+447700900777") == []
        [told] = [m["text"] for m in tc.bot_api.sent_messages(9100)]
        assert told == "Someone new got in touch by text message, from +447700900888."
