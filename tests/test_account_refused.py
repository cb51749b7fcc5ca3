"""A provider refusing the club's own account is the club's problem, never a member's: a
wrong or rotated TWILIO_AUTH_TOKEN (Twilio's 20003) and a bot token Telegram rejects while
sending. The messages wait in the outbox, nobody is marked unreachable, the log says so
loudly with nothing personal, and the coordinators are told once, not once a message.
Once the credentials are right again, everything kept goes, and the next notice reaches
everyone."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from telegram import Update

from bot.channels.twilio.sms_text import gsm_safe
from bot.outbox.policy import ACCOUNT_WAIT
from bot.outbox.replies import REPLY
from bot.service.broadcasts import Sending, no_quiet_hours, queue_broadcast
from conversations import SendNotice, text
from storage.models import utc_now
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import channel_states
from tests.club_rows import outbox as rows
from tests.clubs import twilio_club
from tests.fakes.clock import FakeClock
from tests.twilio_support import LANDLINE, MOBILE, TwilioClub, add_session

CORA_PHONE = "+447700900555"
TOM = 8301


def refused_words(tc: TwilioClub, *channels: str) -> str:
    names = tuple(text(f"channel.{channel}") for channel in channels)
    return tc.club.catalogue.render("en", text("coordinator.account_refused", channel=names))


async def notice_to_everyone(tc: TwilioClub) -> int:
    async with tc.club.units() as uow:
        notice = SendNotice("The hall is closed on Friday.", "everyone", None, None, urgent=True)
        queued = await queue_broadcast(
            uow, notice, None, tuple(tc.club.senders), Sending.at(utc_now(), no_quiet_hours)
        )
        await uow.commit()
    return queued.recipients


def loud_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_wrong_twilio_token_keeps_the_messages_and_marks_nobody(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with twilio_club(database_url) as tc:
        sue = await add_phone_person(tc.club, "Sue", MOBILE, channels="sms")
        vic = await add_phone_person(tc.club, "Vic", LANDLINE, landline=True, channels="voice")
        session = await add_session(tc.club)
        right = tc.fake.auth_token
        tc.fake.auth_token = "rotated-in-the-console"  # the club's token is wrong from now on
        for someone in (sue, vic):
            await queue_reminder(tc.club, someone, session)
        clock = FakeClock(utc_now())

        with caplog.at_level(logging.WARNING):
            assert await tc.dispatch(clock) == 2
            assert await notice_to_everyone(tc) == 2  # nobody was marked: both are reached
            clock.set(utc_now())
            assert await tc.dispatch(clock) == 2

        kept = await rows(tc.club)
        assert {(r.status, r.attempts) for r in kept} == {(Status.PENDING, 0)}
        assert {r.last_error for r in kept} == {"the club's Twilio credentials were refused"}
        assert all(
            clock.now < r.due_at.replace(tzinfo=clock.now.tzinfo) <= clock.now + ACCOUNT_WAIT
            for r in kept
        )
        assert await channel_states(tc.club, sue) == {} and await channel_states(tc.club, vic) == {}
        assert tc.told.words == [refused_words(tc, "sms", "voice")]  # once, for both ways
        [loud] = loud_lines(caplog)
        assert "twilio refuses the club's own account" in loud
        for private in (MOBILE, LANDLINE, "Sue", "Vic", right, "rotated"):
            assert private not in caplog.text

        tc.fake.auth_token = right  # put right, and the service restarted with it
        clock.advance(ACCOUNT_WAIT)
        assert await tc.dispatch(clock) == 4
        assert {r.status for r in await rows(tc.club)} == {Status.SENT}
        assert len(tc.fake.messages_to(MOBILE)) == 2  # the reminder, then the notice
        assert len(tc.fake.calls_to(LANDLINE)) == 2
        assert tc.told.words == [refused_words(tc, "sms", "voice")]


async def test_a_suspended_account_reported_later_marks_nobody(database_url: str) -> None:
    """A delivery report can say it too (30002): the text is kept to go again."""
    async with twilio_club(database_url) as tc:
        sue = await add_phone_person(tc.club, "Sue", MOBILE, channels="sms")
        await queue_reminder(tc.club, sue, await add_session(tc.club))
        await tc.dispatch()
        [sent] = tc.fake.messages_to(MOBILE)

        await tc.report(sent.sid, "failed", 30002)

        [row] = await rows(tc.club)
        assert (row.status, row.last_error) == (
            Status.PENDING,
            "the club's Twilio account is suspended",
        )
        assert await channel_states(tc.club, sue) == {}
        assert tc.told.words == [refused_words(tc, "sms", "voice")]


async def test_a_rejected_bot_token_keeps_reminders_and_replies_and_marks_nobody(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram refuses the bot's token mid-run: reminders and a reply to someone who wrote
    wait; the coordinator, who follows the club on Telegram, is texted instead, once."""
    async with twilio_club(database_url, telegram=True) as tc:
        assert tc.bot_api is not None and tc.club.telegram is not None
        await add_phone_person(
            tc.club, "Cora", CORA_PHONE, roles=("coordinator",), telegram_id=9301
        )
        tom = await add_phone_person(
            tc.club, "Tom", MOBILE, channels="telegram,sms", telegram_id=TOM
        )
        session = await add_session(tc.club)
        right = tc.bot_api.token
        tc.bot_api.token = "123456789:revoked"  # Telegram now refuses the club's token
        await queue_reminder(tc.club, tom, session)
        clock = FakeClock(utc_now())

        with caplog.at_level(logging.WARNING):
            assert await tc.dispatch(clock) == 1
            said = tc.bot_api.push_message(TOM, "/start")
            update = Update.de_json(said, tc.club.telegram.application.bot)
            assert await tc.club.telegram.channel.handle_update(update)

        kept = await rows(tc.club)
        assert sorted((r.kind, r.channel, r.status) for r in kept) == [
            ("reminder", "telegram", Status.PENDING),
            (REPLY, "telegram", Status.PENDING),
        ]
        assert await channel_states(tc.club, tom) == {}  # not marked, not moved to texts
        assert tc.fake.messages_to(MOBILE) == []
        [told] = tc.fake.messages_to(CORA_PHONE)
        assert told.body == gsm_safe(refused_words(tc, "telegram"))
        assert right not in caplog.text and "revoked" not in caplog.text

        tc.bot_api.token = right
        clock.advance(ACCOUNT_WAIT + timedelta(seconds=1))
        assert await tc.dispatch(clock) == 2
        assert {r.status for r in await rows(tc.club)} == {Status.SENT}
        _menu, reminder = sorted(
            tc.bot_api.sent_messages(TOM), key=lambda m: "Thursday" in m["text"]
        )
        assert "Thursday Club" in reminder["text"]
        assert len(tc.fake.messages_to(CORA_PHONE)) == 1
