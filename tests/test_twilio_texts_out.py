"""Texts and calls going out through twilio-python to the fake REST API: a validity period
on reminders so a late text is never delivered after the session, status callbacks on
PUBLIC_URL, English reminders in one 160-character GSM-7 segment for the demo club, long
texts split on word boundaries, no text ever tried to a landline, and calls that play the
club's own recording of the words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from bot.channels.twilio.sms_sender import LONGEST_VALIDITY_SECONDS
from bot.channels.twilio.sms_text import LONGEST_TEXT, render_sms, split_text
from bot.outbox.delivery import Outcome, Outgoing
from bot.service.views import session_view
from conversations import PersonView, Snapshot
from conversations.engine import asking
from conversations.flows.reminder import reminder_question
from storage.models import Broadcast, ClubSession, OutboxMessage, utc_now
from storage.outbox import Delivery, Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import channel_states, outbox
from tests.clubs import twilio_club
from tests.fakes.clock import FakeClock, planner_for
from tests.fakes.twilio_api import segments_of
from tests.twilio_support import (
    CLUB_NUMBER,
    LANDLINE,
    MOBILE,
    STATUS_URL,
    VOICE_URL,
    TwilioClub,
    add_session,
)

LONDON = ZoneInfo("Europe/London")
KINDS = ("day_before", "morning", "followup", "next")


async def starts_at(tc: TwilioClub, session_id: int) -> datetime:
    async with tc.club.units() as uow:
        meeting = await uow.sessions.get(session_id)
        assert meeting is not None
        return session_view(meeting).starts_at


# ----------------------------------------------------------- validity periods


async def test_a_reminder_text_is_valid_only_until_the_session_starts(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    session = await add_session(tc.club, timedelta(hours=2))
    await queue_reminder(tc.club, bob, session)
    before = utc_now()
    await tc.dispatch()
    after = utc_now()
    [message] = tc.fake.messages
    starts = await starts_at(tc, session)
    assert message.validity_period is not None
    assert int((starts - after).total_seconds()) - 1 <= message.validity_period
    assert message.validity_period <= int((starts - before).total_seconds())
    assert message.params["ValidityPeriod"] == [str(message.validity_period)]


async def test_the_validity_period_is_at_most_twilios_ten_hours(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await queue_reminder(tc.club, bob, await add_session(tc.club, timedelta(days=2)))
    await tc.dispatch()
    [message] = tc.fake.messages
    assert message.validity_period == LONGEST_VALIDITY_SECONDS == 36_000


async def test_a_notice_with_no_session_has_no_validity_period(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await broadcast(tc, bob, "The hall has a new ramp at the front door.")
    await tc.dispatch()
    [message] = tc.fake.messages
    assert message.validity_period is None
    assert "new ramp" in message.body


async def test_a_reminder_for_a_session_that_has_started_is_not_sent(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    session = await add_session(tc.club, timedelta(hours=-3))
    await queue_reminder(tc.club, bob, session)
    await tc.dispatch()
    assert tc.fake.messages == [] and tc.fake.call_requests == []
    [row] = await outbox(tc.club)
    assert (row.status, row.last_error) == (Status.SKIPPED, "session started")


@pytest.mark.parametrize("channel", ["sms", "voice"])
async def test_a_reminder_that_waited_past_the_start_is_dropped_not_the_channel(
    tc: TwilioClub, channel: str
) -> None:
    """Composed while the session was still ahead, then held up (by the rate limit) until
    it had started: the text or call does not go, and Bob's channels stay open."""
    bob = await add_phone_person(tc.club, "Bob", MOBILE, channels=f"{channel},sms,voice")
    session = await add_session(tc.club, timedelta(hours=-2))  # at the top of the last hour
    began = await starts_at(tc, session)
    await queue_reminder(tc.club, bob, session, due=began - timedelta(minutes=30))
    clock = FakeClock(began - timedelta(minutes=10))  # when the dispatcher composed it

    await tc.dispatch(clock)
    clock.set(utc_now())
    await tc.dispatch(clock)

    assert tc.fake.messages == [] and tc.fake.call_requests == []
    assert await channel_states(tc.club, bob) == {}
    assert tc.told.words == []
    assert [r.status for r in await outbox(tc.club)] == [Status.SKIPPED]


# ---------------------------------------------------------- status callbacks


async def test_texts_and_calls_ask_for_reports_on_public_url(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, bob, session)
    await queue_reminder(tc.club, ann, session)
    await tc.dispatch()
    [message] = tc.fake.messages
    [call] = tc.fake.call_requests
    assert message.status_callback == STATUS_URL == "https://club.example.org/twilio/status"
    assert (message.from_, message.to) == (CLUB_NUMBER, MOBILE)
    assert call.status_callback == STATUS_URL
    assert call.url == f"{VOICE_URL}?round=1"
    assert call.timeout is not None and call.timeout >= 30
    assert tc.fake.calls[0].authorized  # twilio-python's basic auth, through TWILIO_BASE_URL


async def test_a_messaging_service_sends_instead_of_the_number(database_url: str) -> None:
    async with twilio_club(database_url, twilio_messaging_service_sid="MG" + "1" * 32) as tc:
        bob = await add_phone_person(tc.club, "Bob", MOBILE)
        await queue_reminder(tc.club, bob, await add_session(tc.club))
        await tc.dispatch()
        [message] = tc.fake.messages
        assert message.messaging_service_sid == "MG" + "1" * 32
        assert message.from_ is None
        assert message.status == "accepted"


# ------------------------------------------------------------- one segment


def demo_sessions(year: int) -> list[ClubSession]:
    """Every Tuesday Club, Thursday Club and first-Sunday Crafternoon of a year, as the demo
    club has them (its titles, place and postcode), with ids for the views."""
    slots = {1: ("Tuesday Club", "music", time(13, 30)), 3: ("Thursday Club", "art", time(10, 30))}
    found: list[ClubSession] = []
    day = date(year, 1, 1)
    while day.year == year:
        chosen = slots.get(day.weekday())
        if chosen is None and day.weekday() == 6 and day.day <= 7:
            chosen = ("Crafternoon", "crafts", time(14, 0))
        if chosen is not None:
            title, activity, at = chosen
            starts = datetime.combine(day, at, LONDON).astimezone(UTC)
            found.append(
                ClubSession(
                    id=len(found) + 1,
                    series_id=None,
                    title=title,
                    activity_key=activity,
                    place="Norwood Community Hall",
                    postcode="SE27 9JU",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    cancelled_at=None,
                )
            )
        day += timedelta(days=1)
    return found


@pytest.mark.parametrize(
    ("member_name", "most_parts"),
    [(None, 1), ("Dora", 1), ("Margaret", 1), ("Bartholomew Smith", 2)],
)
async def test_english_reminders_for_the_demo_club_fit_one_gsm7_segment(
    tc: TwilioClub, member_name: str | None, most_parts: int
) -> None:
    """Every kind of reminder, for every session of the demo club over a year, to the
    member ("Are you coming?") or a carer ("Is Dora coming?"). A name as long as
    "Bartholomew Smith" makes some two parts (the README says when), never fewer words."""
    snapshot = Snapshot(channel="sms", club_name=tc.club.settings.club_name, person=None)
    member = PersonView(7, member_name or "Ann", frozenset({"member"}))
    speaker = 7 if member_name is None else 8
    longest = ""
    for meeting in demo_sessions(2027):
        for kind in KINDS:
            question = reminder_question(session_view(meeting), member, speaker, kind, snapshot)
            words = render_sms(tc.club.catalogue, "en", asking(question, 1))
            parts, encoding = segments_of(words)
            assert parts <= most_parts and encoding == "GSM-7", words
            assert "Norwood Community Hall, SE27 9JU." in words
            assert words.endswith("1 yes, 2 no, 3 help getting there, 0 talk to a person")
            longest = max(longest, words, key=len)
    assert len(longest) <= 160 * most_parts


async def test_the_demo_clubs_planned_reminders_go_as_one_segment_each(tc: TwilioClub) -> None:
    async with tc.club.units() as uow:
        series = [s.id for s in await uow.club.series()]
    for name, phone in (("Ann", MOBILE), ("Bob", "+447700900124")):
        await add_phone_person(tc.club, name, phone, series=series)
    for day in range(36):  # the planner as it runs on each of the coming five weeks
        await planner_for(tc.club, FakeClock(utc_now() + timedelta(days=day))).plan()
    async with tc.club.units() as uow:  # everything planned is due now
        await uow.session.execute(update(OutboxMessage).values(due_at=utc_now()))
        await uow.commit()
    await tc.dispatch()
    titles = ("Tuesday Club,", "Thursday Club,", "Crafternoon,")
    bodies = [m.body for m in tc.fake.messages]
    assert any(body.startswith("Crafternoon,") for body in bodies)
    # the title when it fits in one text, else the text starts with the day
    assert all(body.startswith((*titles, "Tuesday ", "Thursday ", "Sunday ")) for body in bodies)
    for message in tc.fake.messages:
        assert (message.segments, message.encoding) == (1, "GSM-7"), message.body
        assert "SE27 9JU" in message.body


# ------------------------------------------------------------ long texts


def test_split_text_cuts_only_at_spaces() -> None:
    words = " ".join(f"word{n}" for n in range(1000))
    pieces = split_text(words, 160)
    assert all(len(piece) <= 160 for piece in pieces)
    assert " ".join(pieces) == words
    assert all(piece.split(" ")[0].startswith("word") for piece in pieces)
    assert split_text("short") == ["short"]
    assert split_text("") == []
    long_word = "x" * 3500
    assert split_text(f"a {long_word} b") == ["a", "x" * 1600, "x" * 1600, "x" * 300 + " b"]


async def broadcast(tc: TwilioClub, person_id: int, words: str) -> None:
    async with tc.club.units() as uow:
        notice = Broadcast(words=words, audience="all")
        uow.session.add(notice)
        await uow.session.flush()
        await uow.outbox.enqueue(
            [
                Delivery(
                    person_id,
                    "sms",
                    "broadcast",
                    f"broadcast:{notice.id}:{person_id}",
                    utc_now(),
                    {"broadcast": notice.id},
                    None,
                    notice.id,
                )
            ]
        )
        await uow.commit()


async def test_a_long_notice_is_split_on_word_boundaries(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    sentence = "The summer outing to the seaside leaves from the hall at nine. "
    await broadcast(tc, bob, sentence * 40)  # about 2,500 characters

    await tc.dispatch()

    parts = [m.body for m in tc.fake.messages_to(MOBILE)]
    assert len(parts) == 2
    assert all(len(part) <= LONGEST_TEXT for part in parts)
    assert all(not part.startswith(" ") and not part.endswith(" ") for part in parts)
    whole = " ".join(parts)
    assert whole.count("seaside") == 40
    assert "nine. The summer" in whole
    assert parts[1].split(" ")[0] in sentence.split(" ")  # a whole word begins part two
    [row] = await outbox(tc.club)
    assert row.status == Status.SENT and row.provider_id == tc.fake.messages[0].sid
    assert all(m.encoding == "GSM-7" for m in tc.fake.messages)


async def test_curly_quotes_and_emoji_are_made_plain_for_gsm7(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await broadcast(tc, bob, "We’re having a “tea party” – bring a friend! 🎉☕")
    await tc.dispatch()
    [message] = tc.fake.messages
    assert message.encoding == "GSM-7"
    assert 'We\'re having a "tea party" - bring a friend!' in message.body


# --------------------------------------------------------------- landlines


async def test_no_text_is_tried_to_a_landline(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="sms,voice")
    session = await add_session(tc.club)
    await queue_reminder(tc.club, ann, session)  # on "sms", her first channel
    await broadcast(tc, ann, "The hall has a new ramp at the front door.")

    await tc.dispatch()

    assert tc.fake.messages == []
    assert not any(c.path.endswith("/Messages.json") for c in tc.fake.calls)
    calls = tc.fake.calls_to(LANDLINE)
    assert len(calls) == 2
    assert {r.channel for r in await outbox(tc.club)} == {"sms"}  # picked voice when sending
    [notice] = [call for call in calls if call.twiml]  # in either order: sends overlap
    spoken = await tc.answer(notice)
    assert any("new ramp" in said for said in spoken.said)
    assert spoken.gather is None and spoken.hangs_up  # a notice asks nothing


async def test_a_landline_only_member_with_no_way_left_is_reported(tc: TwilioClub) -> None:
    ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="sms")
    await queue_reminder(tc.club, ann, await add_session(tc.club))
    await tc.dispatch()
    assert tc.fake.messages == [] and tc.fake.call_requests == []
    assert tc.told.words == ["Ann can no longer get messages by any of the ways we know."]


# --------------------------------------------------------------- speech


async def test_a_call_plays_the_clubs_own_recording(database_url: str) -> None:
    async with twilio_club(database_url, tts_engine="offline") as tc:
        ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
        await queue_reminder(tc.club, ann, await add_session(tc.club))
        await tc.dispatch()
        [call] = tc.fake.call_requests
        spoken = await tc.answer(call)
        [url] = spoken.played
        assert url.startswith("https://club.example.org/audio/") and url.endswith(".mp3")
        assert spoken.said == []
        async with httpx.AsyncClient(transport=tc.transport()) as client:
            audio = await client.get(url)
        assert audio.status_code == 200
        assert audio.headers["content-type"] == "audio/mpeg"
        assert len(audio.content) > 1000
        again = await tc.stay_silent(call, spoken)
        assert again.played == [url]  # made once, played again


async def test_the_sms_sender_holds_back_a_text_past_its_deadline(tc: TwilioClub) -> None:
    sender = tc.club.senders["sms"]
    session = await add_session(tc.club)
    message = Outgoing(
        row_id=1,
        person_id=1,
        channel="sms",
        handle=MOBILE,
        reply=asking(
            reminder_question(
                session_view(
                    ClubSession(
                        id=session,
                        series_id=None,
                        title="Thursday Club",
                        activity_key="art",
                        place="Norwood Community Hall",
                        postcode="SE27 9JU",
                        starts_at=utc_now(),
                        ends_at=utc_now() + timedelta(hours=1),
                        cancelled_at=None,
                    )
                ),
                PersonView(1, "Bob", frozenset({"member"})),
                1,
                "morning",
                Snapshot(channel="sms", club_name="Healthy Living Club", person=None),
            ),
            1,
        ),
        language="en",
        spoken=False,
        slow=False,
        kind="reminder",
        attempts=1,
        expires_at=utc_now() - timedelta(seconds=1),
    )
    result = await sender.send(message)
    assert result.outcome is not Outcome.SENT
    assert result.outcome is not Outcome.PERMANENT  # the number is fine; the moment passed
    assert tc.fake.messages == []
