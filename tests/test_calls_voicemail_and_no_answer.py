"""Issue 16, voicemail and no answer: calls wait for an answering machine's greeting to
end and leave it the whole reminder; a fax hears nothing; a call not answered (or busy)
is rung once more half an hour later, then the member's carer gets the reminder on their
own channel, or the coordinator is told when there is no carer. Replayed reports count
once."""

from __future__ import annotations

from datetime import timedelta

from storage.models import utc_now
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, outbox
from tests.fakes.clock import FakeClock
from tests.twilio_support import LANDLINE, MOBILE, TwilioClub, add_session

NOT_ANSWERED = "Ann did not answer a reminder call twice. Please ring them."


async def test_a_machine_hears_the_whole_reminder_after_its_greeting(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    [call] = tc.fake.call_requests
    assert call.machine_detection == "DetectMessageEnd"

    webhook = await tc.fake.answer_call(
        call.sid, answered_by="machine_end_beep", transport=tc.transport()
    )

    assert webhook.status_code == 200
    assert "<Gather" not in webhook.text and webhook.text.endswith("<Hangup /></Response>")
    assert "Thursday Club" in webhook.text and "Norwood Community Hall" in webhook.text
    assert "Please ring the club to answer. Thank you, goodbye." in webhook.text
    assert "press 1" not in webhook.text
    assert await answer_of(tc.club, session, ann) is None  # still open to answer later


async def test_a_fax_hears_nothing_and_twilio_gets_200(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    await queue_reminder(tc.club, ann, await add_session(tc.club))
    await tc.dispatch()
    [call] = tc.fake.call_requests
    webhook = await tc.fake.answer_call(call.sid, answered_by="fax", transport=tc.transport())
    assert webhook.status_code == 200
    assert webhook.text.endswith("<Response><Hangup /></Response>")


async def not_answered_twice(tc: TwilioClub, ann: int) -> FakeClock:
    """Ann's reminder call rung, not answered, rung again 31 minutes later, busy."""
    await queue_reminder(tc.club, ann, await add_session(tc.club, timedelta(hours=5)))
    clock = FakeClock(utc_now())
    assert await tc.dispatch(clock) == 1
    await tc.call_report(tc.fake.call_requests[-1].sid, "no-answer")
    await tc.call_report(tc.fake.call_requests[-1].sid, "no-answer")  # replayed: counts once
    assert await tc.dispatch(clock) == 0  # not at once
    clock.advance(timedelta(minutes=31))
    assert await tc.dispatch(clock) == 1
    assert len(tc.fake.calls_to(LANDLINE)) == 2
    await tc.call_report(tc.fake.call_requests[-1].sid, "busy")
    return clock


async def test_not_answered_twice_tells_the_carer_on_their_own_channel(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    await add_phone_person(tc.club, "Cath", MOBILE, channels="sms", cares_for=ann, roles=("carer",))

    clock = await not_answered_twice(tc, ann)
    await tc.dispatch(clock)

    assert len(tc.fake.calls_to(LANDLINE)) == 2  # no third call
    [text] = tc.fake.messages_to(MOBILE)
    assert "Ann" in text.body and "Thursday Club" in text.body
    assert NOT_ANSWERED not in tc.told.words
    assert [(r.channel, r.status) for r in await outbox(tc.club)] == [
        ("voice", Status.FAILED),
        ("sms", Status.SENT),
    ]


async def test_not_answered_twice_with_no_carer_tells_the_coordinator(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")

    clock = await not_answered_twice(tc, ann)
    await tc.dispatch(clock)

    assert NOT_ANSWERED in tc.told.words
    assert len(tc.fake.calls_to(LANDLINE)) == 2 and tc.fake.messages == []
