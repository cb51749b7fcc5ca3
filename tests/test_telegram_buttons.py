"""Buttons on Telegram: every press answered and its question edited to show the choice;
old, made-up and strangers' presses handled kindly; every keyboard built to the rules; and
stickers, photos, locations and contacts met with a kind line and the question again."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.channels.telegram.channel import CHOSEN_MARK
from bot.channels.telegram.render import MAX_CALLBACK_BYTES, callback_data, read_callback
from conversations import HELP_CHOICE
from conversations.model import text
from storage.models import Person
from tests.club_rows import count, position, rows
from tests.clubs import telegram_club
from tests.telegram_support import (
    TelegramClub,
    callback_key,
    choose_english,
    keyboard_of,
    message_update,
    person_by_telegram,
    register_by_buttons,
)

JEAN = 5101
MARGARET = 5102
STRANGER = 5199
CALLBACK = re.compile(r"^q\d+:[a-z0-9_]+$")


def button_label(message: dict[str, Any], data: str) -> str:
    for row in keyboard_of(message):
        for button in row:
            if button["callback_data"] == data:
                return str(button["text"])
    raise AssertionError(f"{data} is not under the message")


async def press_and_check(tg: TelegramClub, chat: int, key: str) -> None:
    """Press `key` on the open question; the press is answered without a notice and the
    question is rewritten to end with "✅ <the button's label>", its keyboard gone."""
    question = tg.question(chat)
    data = tg.button(question, key)
    update = await tg.press(chat, key)
    query_id = update["callback_query"]["id"]
    answers = [a for a in tg.fake.answered_callbacks(chat) if a["callback_query_id"] == query_id]
    assert len(answers) == 1, f"press {key} answered {len(answers)} times"
    assert answers[0].get("text") is None
    edits = tg.fake.edits(chat, question["message_id"])
    assert len(edits) == 1, f"question for {key} edited {len(edits)} times"
    expected = f"{question['text']}\n\n{CHOSEN_MARK} {button_label(question, data)}"
    assert edits[0].text == expected
    assert edits[0].reply_markup is None


def subject_key(tg: TelegramClub, chat: int, index: int) -> str:
    keys = [
        callback_key(b["callback_data"])
        for row in keyboard_of(tg.question(chat))
        for b in row
        if callback_key(b["callback_data"]).startswith("subject_")
    ]
    return keys[index]


async def test_every_press_is_answered_and_its_question_shows_the_choice(
    sqlite_url: str,
) -> None:
    async with telegram_club(sqlite_url) as tg:
        await tg.say(JEAN, "/start")
        await press_and_check(tg, JEAN, "lang_en")
        await press_and_check(tg, JEAN, "carer")
        await tg.say(JEAN, "Jean")
        await tg.say(JEAN, "Bill")
        await press_and_check(tg, JEAN, "yes")
        await tg.say(JEAN, "Rose")
        await press_and_check(tg, JEAN, "no")
        await press_and_check(tg, JEAN, "here_telegram")
        await press_and_check(tg, JEAN, "no")
        await press_and_check(tg, JEAN, "consent_yes")
        await press_and_check(tg, JEAN, "start_now")
        await press_and_check(tg, JEAN, subject_key(tg, JEAN, 1))
        for key in ("yes", "unsure", "no"):
            await press_and_check(tg, JEAN, key)
        await press_and_check(tg, JEAN, "carry_on")
        await press_and_check(tg, JEAN, "yes")
        await press_and_check(tg, JEAN, "unsure")
        await press_and_check(tg, JEAN, "no")
        await press_and_check(tg, JEAN, "enough")
        await tg.say(JEAN, "/mydata")
        await press_and_check(tg, JEAN, "all_fine")
        await tg.say(JEAN, "/start")
        await press_and_check(tg, JEAN, "my_choices")
        await press_and_check(tg, JEAN, subject_key(tg, JEAN, 0))
        await press_and_check(tg, JEAN, HELP_CHOICE)

        assert tg.fake.unanswered_callbacks() == []
        rose = [p for p in await _people(tg) if p.name == "Rose"]
        assert len(rose) == 1
        transcript = tg.fake.chat_transcript(JEAN)
        assert f"{CHOSEN_MARK} 🤝 I care for someone who comes" in transcript
        assert f"{CHOSEN_MARK} 🙋 Talk to a person" in transcript
        check_every_keyboard(tg)


async def _people(tg: TelegramClub) -> list[Person]:
    return await rows(tg.club, Person)


def check_every_keyboard(tg: TelegramClub) -> None:
    """Every keyboard the bot sent: one button per row, callback data of at most 64 bytes
    in the "q<question id>:<key>" form, all for one question, "Talk to a person" last."""
    help_label = f"🙋 {tg.club.catalogue.render('en', text('choice.person'))}"
    keyboards = [
        c.params["reply_markup"]["inline_keyboard"]
        for c in tg.fake.calls
        if c.params.get("reply_markup")
    ]
    assert len(keyboards) >= 10
    for buttons in keyboards:
        assert all(len(row) == 1 for row in buttons), buttons
        datas = [row[0]["callback_data"] for row in buttons]
        assert all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in datas), datas
        assert all(CALLBACK.match(d) for d in datas), datas
        assert len({d.partition(":")[0] for d in datas}) == 1, datas
        assert callback_key(datas[-1]) == HELP_CHOICE
        assert buttons[-1][0]["text"] == help_label
        assert [callback_key(d) for d in datas].count(HELP_CHOICE) == 1
        assert 1 <= len(buttons) <= 4  # a free-text question offers only "Talk to a person"
        assert all(row[0]["text"].strip() for row in buttons)


def test_callback_data_is_tied_to_its_question_and_fits_telegram() -> None:
    assert callback_data(12, "consent_yes") == "q12:consent_yes"
    assert read_callback("q12:consent_yes") == (12, "consent_yes")
    with pytest.raises(ValueError):
        callback_data(1, "k" * MAX_CALLBACK_BYTES)
    for made_up in ("garbage", "q999", "q:x", "q1:", "qx:y", "", None, "q-1:yes", "Q1:yes"):
        assert read_callback(made_up) is None, made_up


async def test_a_press_on_an_older_question_is_answered_kindly_and_the_question_repeated(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await tg.say(MARGARET, "/start")
        await choose_english(tg, MARGARET)
        role_question = tg.fake.sent_messages(MARGARET)[-1]  # as sent, with its buttons
        await tg.press(MARGARET, "member")
        await tg.say(MARGARET, "Margaret")
        current = tg.question(MARGARET)
        before = await position(tg.club, f"telegram:{MARGARET}")
        assert before is not None and before.step == "channel"

        update = await tg.press(MARGARET, "carer", message=role_question)

        [answer] = [
            a
            for a in tg.fake.answered_callbacks(MARGARET)
            if a["callback_query_id"] == update["callback_query"]["id"]
        ]
        assert answer["text"] == tg.words("telegram.stale_button")
        [again] = tg.reply_messages(MARGARET)
        assert again["text"] == f"{tg.words('common.stale')}\n\n{current['text']}"
        assert keyboard_of(again) == keyboard_of(current)  # the same question, same id
        assert len(tg.fake.edits(MARGARET, role_question["message_id"])) == 1
        after = await position(tg.club, f"telegram:{MARGARET}")
        assert after is not None
        assert (after.step, after.question_id) == ("channel", before.question_id)
        assert after.data["role"] == "member"

        await tg.press(MARGARET, "here_telegram", message=current)  # the current one works
        moved = await position(tg.club, f"telegram:{MARGARET}")
        assert moved is not None and moved.step == "spoken"


@pytest.mark.parametrize("made_up", ["garbage", "q999:nope", "current:nope", "q1:", "q:x"])
async def test_callback_data_never_issued_gets_a_kind_answer(sqlite_url: str, made_up: str) -> None:
    async with telegram_club(sqlite_url) as tg:
        await tg.say(MARGARET, "/start")
        await choose_english(tg, MARGARET)
        await tg.press(MARGARET, "member")
        await tg.say(MARGARET, "Margaret")
        current = tg.question(MARGARET)
        question_id = tg.button(current, "sms").partition(":")[0]
        data = made_up.replace("current", question_id)

        update = await tg.press_data(MARGARET, current["message_id"], data)

        [answer] = [
            a
            for a in tg.fake.answered_callbacks(MARGARET)
            if a["callback_query_id"] == update["callback_query"]["id"]
        ]
        assert answer["text"] == tg.words("telegram.stale_button")
        [again] = tg.reply_messages(MARGARET)
        assert again["text"] == f"{tg.words('common.stale')}\n\n{current['text']}"
        assert keyboard_of(again) == keyboard_of(current)
        assert tg.fake.edits(MARGARET, current["message_id"]) == []
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.step == "channel"


async def test_made_up_callback_data_from_someone_registered_and_idle(sqlite_url: str) -> None:
    async with telegram_club(sqlite_url) as tg:
        await register_by_buttons(tg, MARGARET, "Margaret")
        await tg.press(MARGARET, "later")
        update = await tg.press_data(MARGARET, 1, "q999:nope")
        assert update["callback_query"]["id"] not in tg.fake.unanswered_callbacks()
        [menu] = tg.reply_messages(MARGARET)
        assert menu["text"].startswith(tg.words("common.closed"))
        assert tg.words("menu.ask") in menu["text"]
        keys = [callback_key(b[0]["callback_data"]) for b in keyboard_of(menu)]
        assert keys[-1] == HELP_CHOICE and len(keys) >= 2


async def test_a_press_from_someone_unknown_starts_registration(database_url: str) -> None:
    async with telegram_club(database_url) as tg:
        people = await count(tg.club, Person)
        update = await tg.press_data(STRANGER, 3, "q3:consent_yes")
        assert tg.fake.unanswered_callbacks() == []
        assert update["callback_query"]["id"] in {
            a["callback_query_id"] for a in tg.fake.answered_callbacks(STRANGER)
        }
        [welcome] = tg.reply_messages(STRANGER)
        assert welcome["text"].startswith(
            tg.words("registration.welcome", club=tg.club.settings.club_name)
        )
        assert [callback_key(b[0]["callback_data"]) for b in keyboard_of(welcome)] == [
            "lang_en",
            "lang_pt",
            "more_languages",
            HELP_CHOICE,
        ]
        assert await count(tg.club, Person) == people  # consent was never given
        assert await person_by_telegram(tg.club, STRANGER) is None
        saved = await position(tg.club, f"telegram:{STRANGER}")
        assert saved is not None and (saved.flow, saved.step) == ("registration", "language")


STICKER = {
    "sticker": {
        "file_id": "sticker-1",
        "file_unique_id": "us1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
}
PHOTO = {"photo": [{"file_id": "photo-1", "file_unique_id": "up1", "width": 90, "height": 90}]}
LOCATION = {"location": {"latitude": 51.4312, "longitude": -0.0921}}
CONTACT = {"contact": {"phone_number": "+447700900123", "first_name": "Ann"}}


@pytest.mark.parametrize(
    "content", [STICKER, PHOTO, LOCATION, CONTACT], ids=["sticker", "photo", "location", "contact"]
)
async def test_things_that_are_not_words_get_a_kind_line_and_the_question_again(
    sqlite_url: str, content: dict[str, Any]
) -> None:
    async with telegram_club(sqlite_url) as tg:
        await tg.say(MARGARET, "/start")
        await choose_english(tg, MARGARET)
        await tg.press(MARGARET, "member")
        await tg.say(MARGARET, "Margaret")
        current = tg.question(MARGARET)

        await tg.raw(message_update(MARGARET, **content), chat_id=MARGARET)

        [again] = tg.reply_messages(MARGARET)
        assert again["text"] == f"{tg.words('common.only_words')}\n\n{current['text']}"
        assert keyboard_of(again) == keyboard_of(current)
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.step == "channel"
        await tg.press(MARGARET, "here_telegram", message=again)  # and it still works
        moved = await position(tg.club, f"telegram:{MARGARET}")
        assert moved is not None and moved.step == "spoken"
