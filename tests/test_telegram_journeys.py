"""Whole journeys through the Telegram channel, over the fake Bot API by long polling:
sign-up with buttons, a spoken question as a real OGG/Opus voice note, /preferences,
/mydata and /forgetme; the command menu and the webhook set on start; and logs that keep
names, numbers, message texts and the token out."""

from __future__ import annotations

import io
import logging

import av
import pytest
from sqlalchemy import select

from bot.channels.telegram.app import COMMANDS
from bot.service.demo_club import ACTIVITIES
from conversations.model import text
from storage.models import HelpRequest, InboundKey, Person, Preference
from storage.models import Position as PositionRow
from tests.club_rows import count, position, preferences_of, rows
from tests.clubs import telegram_club
from tests.telegram_support import (
    PUBLIC_URL,
    SECRET,
    add_coordinator,
    choose_english,
    person_by_telegram,
    register_by_buttons,
)

MARGARET = 4201
ARTHUR = 4202


def ogg_opus_seconds(data: bytes) -> float:
    """Open the voice note with PyAV: it must be Opus in OGG; returns its decoded length."""
    with av.open(io.BytesIO(data), "r") as container:
        assert container.format.name == "ogg"
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        rate = stream.codec_context.sample_rate
        return sum(frame.samples for frame in container.decode(audio=0)) / rate


async def test_sign_up_by_buttons_then_a_spoken_question_comes_as_a_voice_note(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await register_by_buttons(tg, MARGARET, "Margaret", spoken=True)
        await register_by_buttons(tg, ARTHUR, "Arthur", spoken=False)
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        assert (margaret.name, margaret.channels, margaret.spoken) == (
            "Margaret",
            "telegram",
            True,
        )
        assert margaret.consent_at is not None and margaret.consent_given_by_name == "Margaret"
        assert tg.replies(MARGARET)[-1].startswith(tg.words("registration.done", name="Margaret"))
        assert tg.fake.sent_voices(MARGARET) == []  # not yet registered: nothing was spoken

        await tg.press(MARGARET, "start_now")
        await tg.press(ARTHUR, "start_now")

        asked = tg.replies(MARGARET)
        music = tg.words("preferences.activity", activity=text("activity.music"), emoji="🎵")
        assert asked == [music]
        [voice] = tg.fake.sent_voices(MARGARET)
        assert voice.data.startswith(b"OggS")
        assert b"OpusHead" in voice.data
        assert ogg_opus_seconds(voice.data) > 0
        assert voice.message["voice"]["duration"] > 0
        assert voice.mime_type == "audio/ogg"
        assert tg.fake.sent_voices(ARTHUR) == []  # Arthur asked for no spoken versions
        assert tg.replies(ARTHUR) == asked
        assert tg.fake.unanswered_callbacks() == []


async def test_preferences_command_changes_an_activity(database_url: str) -> None:
    async with telegram_club(database_url) as tg:
        await register_by_buttons(tg, MARGARET, "Margaret")
        await tg.press(MARGARET, "later")
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        async with tg.club.units() as uow:  # every activity answered "yes" some time ago
            activity_ids = {a.key: a.id for a in await uow.club.activities()}
            for key in ACTIVITIES:
                await uow.people.set_preference(margaret.id, activity_ids[key], "yes", None)
            await uow.commit()

        await tg.say(MARGARET, "/preferences")
        assert tg.replies(MARGARET) == [
            tg.words("preferences.earlier", answer=text("choice.yes"))
            + "\n\n"
            + tg.words("preferences.activity", activity=text("activity.music"), emoji="🎵")
        ]
        await tg.press(MARGARET, "no")

        changed = await preferences_of(tg.club, margaret.id)
        assert changed["music"] == "no"
        assert all(changed[key] == "yes" for key in ACTIVITIES if key != "music")
        [music] = [
            p
            for p in await rows(tg.club, Preference)
            if p.person_id == margaret.id and p.activity_id == activity_ids["music"]
        ]
        assert music.answered_by_id == margaret.id
        assert tg.replies(MARGARET) == [
            tg.words("preferences.earlier", answer=text("choice.yes"))
            + "\n\n"
            + tg.words("preferences.activity", activity=text("activity.art"), emoji="🎨")
        ]


async def test_my_data_shows_what_is_kept_and_forget_me_erases_the_person(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await register_by_buttons(tg, MARGARET, "Margaret")
        await tg.press(MARGARET, "start_now")
        await tg.press(MARGARET, "yes")  # music

        await tg.say(MARGARET, "/mydata")
        shown = "\n".join(tg.replies(MARGARET))
        assert tg.words("mydata.intro") in shown
        assert tg.words("mydata.name", name="Margaret") in shown
        assert "Likes: music." in shown
        assert tg.words("mydata.next") in shown
        kept = await person_by_telegram(tg.club, MARGARET)
        assert kept is not None

        await tg.say(MARGARET, "/forgetme")
        assert tg.words("forget.ask") in tg.replies(MARGARET)[-1]
        await tg.press(MARGARET, "erase")

        assert tg.replies(MARGARET) == [tg.words("forget.done")]
        assert await person_by_telegram(tg.club, MARGARET) is None
        assert [p for p in await rows(tg.club, Person) if p.id == kept.id] == []
        assert [p for p in await rows(tg.club, Preference) if p.person_id == kept.id] == []
        assert await position(tg.club, f"telegram:{MARGARET}") is None
        assert not any(
            row.address == f"telegram:{MARGARET}" for row in await rows(tg.club, PositionRow)
        )


async def test_the_command_menu_is_set_and_polling_replaces_any_webhook(
    sqlite_url: str,
) -> None:
    async with telegram_club(sqlite_url) as tg:
        calls = [c for c in tg.fake.calls if c.method == "setMyCommands"]
        [call] = [c for c in calls if not c.params.get("language_code")]
        commands = call.params["commands"]
        assert [c["command"] for c in commands] == list(COMMANDS)
        assert set(COMMANDS) == {"start", "help", "preferences", "mydata", "forgetme", "language"}
        assert {c.params.get("language_code") for c in calls} >= {None, "pt", "es", "pl", "fr"}
        assert all(c["description"].strip() for c in commands)
        assert commands[0]["description"] == tg.words("telegram.command.start")
        methods = [c.method for c in tg.fake.calls]
        assert "deleteWebhook" in methods and "setWebhook" not in methods
        assert tg.fake.webhook_url == ""
        await tg.say(MARGARET, "/start")  # and polling really delivers updates
        welcome = tg.words("registration.welcome", club=tg.club.settings.club_name)
        assert tg.replies(MARGARET)[0].startswith(welcome)


async def test_webhook_mode_sets_the_webhook_with_its_secret(sqlite_url: str) -> None:
    async with telegram_club(sqlite_url, webhook=True) as tg:
        assert tg.fake.webhook_url == f"{PUBLIC_URL}/telegram"
        assert tg.fake.webhook_secret == SECRET
        methods = [c.method for c in tg.fake.calls]
        assert "setMyCommands" in methods
        assert "getUpdates" not in methods and "deleteWebhook" not in methods
        assert tg.club.telegram is not None and tg.club.telegram.application.updater is None
        status = await tg.post(tg.fake.push_message(MARGARET, "/start"))
        assert status == 200
        assert len(tg.fake.sent_messages(MARGARET)) == 1


PROJECT_LOGGERS = ("bot", "conversations", "storage", "config")


async def test_logs_carry_no_token_names_numbers_or_message_texts(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A sign-up with a phone number, a help request, a voice note, words the bot cannot
    read, failures while sending and a blocked chat: every project log line is checked."""
    for name in PROJECT_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    secret_words = "my neighbour Philippa knows my door code"
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, 9000, "Cora Lindqvist")
        chat = 7700900461
        await tg.say(chat, "/start", first_name="Philippa")
        await choose_english(tg, chat)
        await tg.press(chat, "carer")
        await tg.say(chat, "Philippa Quincey")
        await tg.say(chat, "Bartholomew")
        await tg.press(chat, "no")
        await tg.press(chat, "sms")
        await tg.say(chat, "07700 900461")
        await tg.press(chat, "yes")
        tg.fake.fail_next("sendMessage", "500", chat_id=chat)
        await tg.press(chat, "consent_yes")
        await tg.say(chat, secret_words)
        await tg.press(chat, "person")
        await tg.voice(chat)
        tg.fake.fail_next("editMessageText", "400", chat_id=chat)
        await tg.press(chat, "start_now")
        tg.fake.block_chat(chat)
        await tg.press(chat, "yes")
        assert await count(tg.club, HelpRequest) >= 2
        assert await count(tg.club, InboundKey) > 0
        people = {p.name for p in await rows(tg.club, Person)}
        assert {"Philippa Quincey", "Bartholomew"} <= people

    ours = [r for r in caplog.records if r.name.split(".")[0] in PROJECT_LOGGERS]
    assert ours, "the run logged nothing at all: the check below would prove nothing"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in ours)
    for private in (
        tg.fake.token,
        tg.fake.token.split(":")[1],
        "Philippa",
        "Quincey",
        "Bartholomew",
        "07700 900461",
        "7700900461",
        "+447700900461",
        secret_words,
        "door code",
    ):
        assert private not in logged, f"{private!r} appears in the logs:\n{logged}"


async def test_only_rows_for_the_person_are_written_by_a_start(database_url: str) -> None:
    """A /start from someone new keeps no personal data before consent: just the
    conversation's place and the update id."""
    async with telegram_club(database_url) as tg:
        before = await count(tg.club, Person)
        await tg.say(MARGARET, "/start", first_name="Margaret")
        await choose_english(tg, MARGARET)
        await tg.press(MARGARET, "member")
        await tg.say(MARGARET, "Margaret")
        assert await count(tg.club, Person) == before
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.step == "channel"
        async with tg.club.units() as uow:
            kept = list(await uow.session.execute(select(InboundKey.source, InboundKey.key)))
        updates = [key for source, key in kept if source == "telegram"]
        assert len(updates) == 4  # /start, English, "I come to the club", the name
        presses = [key for source, key in kept if source == "press"]
        assert len(presses) == 2  # each press, for its question (an hour), by hashes alone
        assert not any(str(MARGARET) in key for key in presses)
