"""Delivery reports and failures: a message's state only moves forward; Twilio's permanent
codes (21610, 30003, 30005, 30006, 21211, 21614) close that way to the person and move the
message to their next channel, with the coordinator told; passing ones (30001, 20429, 5xx)
are tried again. The fallback chain end to end: Telegram blocked, then a text refused as
not a mobile, then a landline call that is answered with one key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import utc_now
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, channel_states, outbox
from tests.clubs import twilio_club
from tests.fakes.clock import FakeClock
from tests.twilio_support import LANDLINE, MOBILE, TwilioClub, add_session

PERMANENT = {
    21610: "opted out",
    30003: "unreachable",
    30005: "unknown number",
    30006: "landline or unreachable carrier",
    21211: "not a valid number",
    21614: "not a mobile number",
}
TOLD_TEXT = "Bob can no longer get messages by text message."


async def texted(tc: TwilioClub, channels: str = "sms,voice") -> tuple[int, int]:
    """Bob's reminder has gone as a text: (Bob, session)."""
    bob = await add_phone_person(tc.club, "Bob", MOBILE, channels=channels)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, bob, session)
    assert await tc.dispatch() == 1
    return bob, session


# ------------------------------------------------------------ forward only


async def test_a_message_state_only_moves_forward(tc: TwilioClub) -> None:
    await texted(tc)
    [message] = tc.fake.messages
    for early in ("queued", "sending", "sent"):
        await tc.report(message.sid, early)
        [row] = await outbox(tc.club)
        assert row.status == Status.SENT
    await tc.report(message.sid, "delivered")
    [row] = await outbox(tc.club)
    assert row.status == Status.DELIVERED
    for late, code in (("sent", None), ("queued", None), ("undelivered", 30003), ("failed", 21610)):
        await tc.report(message.sid, late, code)
        [row] = await outbox(tc.club)
        assert row.status == Status.DELIVERED, late
    assert tc.fake.call_requests == []
    assert tc.told.words == []


async def test_a_late_delivery_after_a_failure_changes_nothing(tc: TwilioClub) -> None:
    bob, _ = await texted(tc)
    [message] = tc.fake.messages
    await tc.report(message.sid, "undelivered", 30005)
    await tc.report(message.sid, "delivered")
    failed, moved = await outbox(tc.club)
    assert (failed.status, moved.channel) == (Status.FAILED, "voice")
    assert await channel_states(tc.club, bob) == {"sms": "unknown number"}


async def test_reports_about_unknown_messages_are_ignored(tc: TwilioClub) -> None:
    await texted(tc)
    webhook = await tc.fake.post_signed(
        f"{tc.club.settings.public_url}/twilio/status",
        {"MessageSid": "SM" + "0" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"},
        transport=tc.transport(),
    )
    assert webhook.status_code == 200
    [row] = await outbox(tc.club)
    assert row.status == Status.SENT


# ------------------------------------------------------- permanent failures


@pytest.mark.parametrize("code", list(PERMANENT))
async def test_a_permanent_failure_report_moves_to_the_next_channel(
    tc: TwilioClub, code: int
) -> None:
    bob, session = await texted(tc)
    [message] = tc.fake.messages

    await tc.report(message.sid, "undelivered", code)

    failed, moved = await outbox(tc.club)
    assert (failed.status, failed.channel, failed.last_error) == (
        Status.FAILED,
        "sms",
        PERMANENT[code],
    )
    assert (moved.channel, moved.status, moved.kind) == ("voice", Status.PENDING, "reminder")
    assert moved.idempotency_key == f"{failed.idempotency_key}>voice"
    assert await channel_states(tc.club, bob) == {"sms": PERMANENT[code]}
    assert tc.told.words == [TOLD_TEXT]
    assert await tc.dispatch() == 1
    [call] = tc.fake.calls_to(MOBILE)
    spoken = await tc.answer(call)
    await tc.press(call, spoken, "1")
    assert await answer_of(tc.club, session, bob) == "coming"


@pytest.mark.parametrize("code", list(PERMANENT))
async def test_a_permanent_refusal_when_sending_moves_to_the_next_channel(
    tc: TwilioClub, code: int
) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    session = await add_session(tc.club)
    await queue_reminder(tc.club, bob, session)
    tc.fake.fail_next("Messages", code=code)

    assert await tc.dispatch() == 2  # the text, then the call

    assert tc.fake.messages == []
    assert len(tc.fake.calls_to(MOBILE)) == 1
    failed, moved = await outbox(tc.club)
    assert (failed.status, failed.last_error) == (Status.FAILED, PERMANENT[code])
    assert (moved.channel, moved.status) == ("voice", Status.SENT)
    assert await channel_states(tc.club, bob) == {"sms": PERMANENT[code]}
    assert tc.told.words == [TOLD_TEXT]


async def test_a_call_that_cannot_be_placed_moves_to_texts(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", MOBILE, channels="voice,sms")
    await queue_reminder(tc.club, ann, await add_session(tc.club))
    tc.fake.fail_next("Calls", code=21211)
    await tc.dispatch()
    assert tc.fake.call_requests == []
    [text] = tc.fake.messages_to(MOBILE)
    assert "Thursday Club" in text.body
    assert await channel_states(tc.club, ann) == {"voice": "not a valid number"}
    assert tc.told.words == ["Ann can no longer get messages by phone call."]


async def test_when_every_channel_fails_the_coordinator_is_told(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await queue_reminder(tc.club, bob, await add_session(tc.club))
    tc.fake.fail_next("Messages", code=21610)
    tc.fake.fail_next("Calls", code=21211)
    await tc.dispatch()
    assert await channel_states(tc.club, bob) == {
        "sms": "opted out",
        "voice": "not a valid number",
    }
    assert [r.status for r in await outbox(tc.club)] == [Status.FAILED, Status.FAILED]
    assert tc.told.words[0] == TOLD_TEXT
    assert "Bob" in tc.told.words[-1] and len(tc.told.words) == 2
    # The next reminder finds no way to Bob, and says so.
    await queue_reminder(tc.club, bob, await add_session(tc.club, timedelta(hours=5)))
    await tc.dispatch()
    assert tc.told.words[-1] == "Bob can no longer get messages by any of the ways we know."


# --------------------------------------------------------- passing failures


@pytest.mark.parametrize(
    ("code", "status", "wait"),
    [
        (30001, None, timedelta(seconds=5)),
        (20429, None, timedelta(seconds=1)),
        (None, 500, timedelta(seconds=5)),
        (None, 503, timedelta(seconds=5)),
        (None, 502, timedelta(seconds=5)),
    ],
    ids=["30001-queue-overflow", "20429-too-many", "500", "503", "502-gateway"],
)
async def test_a_passing_refusal_is_tried_again(
    tc: TwilioClub, code: int | None, status: int | None, wait: timedelta
) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await queue_reminder(tc.club, bob, await add_session(tc.club))
    clock = FakeClock(utc_now())
    tc.fake.fail_next("Messages", code=code, status=status)

    assert await tc.dispatch(clock) == 1

    [row] = await outbox(tc.club)
    assert (row.status, row.attempts, row.channel) == (Status.PENDING, 1, "sms")
    assert row.due_at.replace(tzinfo=clock.now.tzinfo) == clock.now + wait
    assert tc.fake.messages == []
    clock.advance(wait)
    assert await tc.dispatch(clock) == 1
    [row] = await outbox(tc.club)
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(tc.fake.messages_to(MOBILE)) == 1
    assert tc.fake.call_requests == []
    assert await channel_states(tc.club, bob) == {}
    assert tc.told.words == []


async def test_a_timeout_is_tried_again(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await queue_reminder(tc.club, bob, await add_session(tc.club))
    clock = FakeClock(utc_now())
    tc.fake.timeout_next("Messages", delay=0.05)
    await tc.dispatch(clock)
    [row] = await outbox(tc.club)
    assert row.status == Status.PENDING
    clock.advance(timedelta(seconds=5))
    await tc.dispatch(clock)
    assert [r.status for r in await outbox(tc.club)] == [Status.SENT]


@pytest.mark.parametrize("code", [30001, 20429])
async def test_a_passing_failure_report_sends_again(tc: TwilioClub, code: int) -> None:
    bob, _ = await texted(tc)
    [first] = tc.fake.messages

    await tc.report(first.sid, "undelivered", code)

    [row] = await outbox(tc.club)
    assert row.status == Status.PENDING
    assert await tc.dispatch() == 1
    assert len(tc.fake.messages_to(MOBILE)) == 2
    [row] = await outbox(tc.club)
    assert row.status == Status.SENT and row.provider_id == tc.fake.messages[-1].sid
    assert await channel_states(tc.club, bob) == {}
    assert tc.told.words == []


async def test_passing_failures_that_keep_coming_move_on_in_the_end(tc: TwilioClub) -> None:
    bob, _ = await texted(tc)
    for _ in range(3):
        await tc.report(tc.fake.messages[-1].sid, "undelivered", 30001)
        await tc.dispatch()
    # After three tries the text is given up (not for good) and a call goes instead.
    statuses = [(r.channel, r.status) for r in await outbox(tc.club)]
    assert statuses == [("sms", Status.FAILED), ("voice", Status.SENT)]
    assert len(tc.fake.messages_to(MOBILE)) == 3
    assert len(tc.fake.calls_to(MOBILE)) == 1
    assert await channel_states(tc.club, bob) == {}  # texts may work next time
    assert tc.told.words == [TOLD_TEXT]


async def test_an_unanswered_call_is_tried_again_later(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    await queue_reminder(tc.club, ann, await add_session(tc.club))
    await tc.dispatch()
    [call] = tc.fake.call_requests
    await tc.call_report(call.sid, "no-answer")
    [row] = await outbox(tc.club)
    assert row.status == Status.PENDING
    assert row.due_at.replace(tzinfo=utc_now().tzinfo) > utc_now() + timedelta(minutes=29)
    assert tc.told.words == []


async def test_a_call_unanswered_twice_moves_to_a_text(tc: TwilioClub) -> None:
    """No answer is not the number's fault: rung once more half an hour later, then the
    reminder goes by text instead, and the coordinator hears of it (she has no carer)."""
    ann = await add_phone_person(tc.club, "Ann", MOBILE, channels="voice,sms")
    session = await add_session(tc.club, timedelta(hours=5))
    await queue_reminder(tc.club, ann, session)
    clock = FakeClock(utc_now())
    for attempt in range(1, 3):
        assert await tc.dispatch(clock) == 1
        assert len(tc.fake.calls_to(MOBILE)) == attempt
        assert tc.fake.messages == []
        await tc.call_report(tc.fake.call_requests[-1].sid, "no-answer")
        clock.advance(timedelta(minutes=31))
    assert await tc.dispatch(clock) == 1
    [text] = tc.fake.messages_to(MOBILE)
    assert "Thursday Club" in text.body
    assert [(r.channel, r.status) for r in await outbox(tc.club)] == [
        ("voice", Status.FAILED),
        ("sms", Status.SENT),
    ]
    assert await channel_states(tc.club, ann) == {}  # calls may reach her another day
    assert tc.told.words == [
        "Ann did not answer a reminder call twice. Please ring them.",
        "Ann can no longer get messages by phone call.",
    ]
    assert await tc.chat(MOBILE, "1") == "Thank you. See you there!"
    assert await answer_of(tc.club, session, ann) == "coming"


# ------------------------------------------------------------ the whole chain


async def test_telegram_blocked_then_text_refused_then_a_landline_call(database_url: str) -> None:
    """Ann's number was imported as a mobile but is a landline: Telegram is blocked, the
    text is refused (21614), and the call gets through; she presses 1."""
    async with twilio_club(database_url, telegram=True) as tc:
        assert tc.bot_api is not None
        ann = await add_phone_person(
            tc.club, "Ann", LANDLINE, channels="telegram,sms,voice", telegram_id=7001
        )
        session = await add_session(tc.club)
        await queue_reminder(tc.club, ann, session)
        tc.bot_api.block_chat(7001)
        tc.fake.landline(LANDLINE)

        assert await tc.dispatch() == 3

        assert [(r.channel, r.status) for r in await outbox(tc.club)] == [
            ("telegram", Status.FAILED),
            ("sms", Status.FAILED),
            ("voice", Status.SENT),
        ]
        assert await channel_states(tc.club, ann) == {
            "telegram": "blocked",
            "sms": "not a mobile number",
        }
        assert tc.told.words == [
            "Ann can no longer get messages by Telegram.",
            "Ann can no longer get messages by text message.",
        ]
        assert tc.fake.messages == []
        [call] = tc.fake.calls_to(LANDLINE)
        spoken = await tc.answer(call)
        assert "If you are coming, say yes or press 1." in spoken.said[0]
        await tc.press(call, spoken, "1")
        assert await answer_of(tc.club, session, ann) == "coming"
