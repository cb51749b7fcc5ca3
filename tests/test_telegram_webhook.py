"""Telegram's webhook on the real web app: the secret header, replays, and everything odd
Telegram (or anyone) might post. Telegram repeats anything that is not a 2xx, so only an
answer that could not be saved may get one (500); everything else gets 200."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from bot.channels.web import SECRET_HEADER
from storage.models import HelpRequest, Preference
from tests.club_rows import all_rows, count, position, rows
from tests.clubs import telegram_club
from tests.telegram_support import (
    SECRET,
    WEBHOOK_URL,
    TelegramClub,
    add_coordinator,
    choose_english,
    message_update,
    person_by_telegram,
    register_by_buttons,
)

MARGARET = 6101
COORDINATOR = 6900
GROUP = -100123456


async def post_body(tg: TelegramClub, body: bytes, secret: str | None = SECRET) -> int:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with httpx.AsyncClient(transport=tg.transport()) as client:
        response = await client.post(WEBHOOK_URL, content=body, headers=headers)
    return response.status_code


async def at_first_activity(tg: TelegramClub) -> None:
    """Margaret signs up and is asked about her first activity (music)."""
    await register_by_buttons(tg, MARGARET, "Margaret")
    await tg.press(MARGARET, "start_now")


async def test_the_right_secret_is_answered_200_and_processed(database_url: str) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        update = tg.fake.push_message(MARGARET, "/start")
        assert await tg.post(update) == 200
        [welcome] = tg.replies(MARGARET)
        assert welcome.startswith(tg.words("registration.welcome", club="Healthy Living Club"))
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.step == "language"
        await register_by_buttons(tg, MARGARET, "Margaret")  # a whole sign-up by webhook
        assert await person_by_telegram(tg.club, MARGARET) is not None


WRONG_SECRETS = ["wrong-secret", None, "", SECRET + "x", SECRET[:-1], SECRET.upper()]


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    database_url: str,
) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        await at_first_activity(tg)
        before = await all_rows(tg.club)
        sent = len(tg.fake.calls)
        question = tg.question(MARGARET)

        for secret in WRONG_SECRETS:
            pressed = tg.fake.push_callback(
                MARGARET, question["message_id"], tg.button(question, "yes")
            )
            forget = tg.fake.push_message(MARGARET, "/forgetme")
            assert await tg.post(pressed, secret=secret) == 403, secret
            assert await tg.post(forget, secret=secret) == 403, secret

        assert await all_rows(tg.club) == before
        assert len(tg.fake.calls) == sent  # nothing was sent, answered or edited
        assert await tg.post(pressed) == 200  # the same press with the right secret counts
        assert [p.answer for p in await rows(tg.club, Preference)] == ["yes"]


async def test_a_replayed_press_has_one_effect(database_url: str) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        await at_first_activity(tg)
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        question = tg.question(MARGARET)
        pressed = tg.fake.push_callback(
            MARGARET, question["message_id"], tg.button(question, "yes")
        )
        mark = tg.mark(MARGARET)

        assert await tg.post(pressed) == 200
        assert await tg.post(pressed) == 200
        assert await tg.post(pressed) == 200

        assert [p.answer for p in await rows(tg.club, Preference)] == ["yes"]
        assert len(tg.replies(MARGARET, mark)) == 1  # one next question, not three
        assert len(tg.fake.edits(MARGARET, question["message_id"])) == 1
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.data["index"] == 1  # moved on once, to art


async def test_a_replayed_help_request_reaches_the_coordinator_once(database_url: str) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        await add_coordinator(tg.club, COORDINATOR)
        await at_first_activity(tg)
        question = tg.question(MARGARET)
        pressed = tg.fake.push_callback(
            MARGARET, question["message_id"], tg.button(question, "person")
        )
        typed = tg.fake.push_message(MARGARET, "I would like to talk to a person")

        for update in (pressed, pressed, typed, typed):
            assert await tg.post(update) == 200

        assert await count(tg.club, HelpRequest) == 2
        assert len(tg.fake.sent_messages(COORDINATOR)) == 2


ODD_BODIES = {
    "malformed json": b'{"update_id": 5, "message": {',
    "a json list": b'[{"update_id": 5}]',
    "a json string": b'"hello"',
    "a json number": b"5",
    "json null": b"null",
    "an empty object": b"{}",
    "an empty body": b"",
    "not utf-8": b"\xff\xfe\x00garbage",
    "an unknown update type": json.dumps(
        {"update_id": 77, "something_new": {"id": 1, "from": {"id": MARGARET}}}
    ).encode(),
    "a poll answer": json.dumps(
        {
            "update_id": 78,
            "poll_answer": {
                "poll_id": "1",
                "option_ids": [0],
                "user": {"id": MARGARET, "is_bot": False, "first_name": "M"},
            },
        }
    ).encode(),
    "a message missing its fields": json.dumps(
        {"update_id": 79, "message": {"message_id": 1}}
    ).encode(),
    "a message that is text": json.dumps({"update_id": 80, "message": "hi"}).encode(),
    "a three megabyte message": json.dumps(  # well-formed: only its size stops it
        {"update_id": 81, **message_update(MARGARET, text="Yes " + "a" * 3_000_000)}
    ).encode(),
}


async def test_odd_bodies_are_answered_200_and_change_nothing(database_url: str) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        await at_first_activity(tg)  # someone mid-way, whose place must not move
        before = await all_rows(tg.club)
        sent = len(tg.fake.calls)
        for name, body in ODD_BODIES.items():
            assert await post_body(tg, body) == 200, name
            assert len(tg.fake.calls) == sent, name
        assert await all_rows(tg.club) == before
        assert await tg.post(tg.fake.push_message(MARGARET + 1, "/start")) == 200  # still up
        assert len(tg.fake.sent_messages(MARGARET + 1)) == 1


async def test_an_edited_message_is_answered_kindly(sqlite_url: str) -> None:
    async with telegram_club(sqlite_url, webhook=True) as tg:
        await tg.say(MARGARET, "/start")
        await choose_english(tg, MARGARET)
        await tg.press(MARGARET, "member")
        before = await position(tg.club, f"telegram:{MARGARET}")
        edited = message_update(MARGARET, kind="edited_message", text="Margret")

        assert await tg.post(tg.fake.push_update(edited)) == 200

        assert tg.fake.sent_messages(MARGARET)[-1]["text"] == tg.words("telegram.edited")
        after = await position(tg.club, f"telegram:{MARGARET}")
        assert before is not None and after is not None
        assert (after.step, after.question_id, after.data) == (
            before.step,
            before.question_id,
            before.data,
        )


async def test_a_group_message_is_answered_in_the_group_and_nothing_is_kept(
    database_url: str,
) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        before = await all_rows(tg.club)
        group = message_update(GROUP, user_id=MARGARET, chat_type="group", text="/start")
        edited_in_group = message_update(
            GROUP, user_id=MARGARET, chat_type="supergroup", kind="edited_message", text="hi"
        )

        assert await tg.post(tg.fake.push_update(group)) == 200
        assert await tg.post(tg.fake.push_update(edited_in_group)) == 200

        assert [m["text"] for m in tg.fake.sent_messages(GROUP)] == [
            tg.words("telegram.private_only")
        ]
        assert tg.fake.sent_messages(MARGARET) == []
        assert await all_rows(tg.club) == before


async def test_a_channel_post_is_ignored(sqlite_url: str) -> None:
    async with telegram_club(sqlite_url, webhook=True) as tg:
        before = await all_rows(tg.club)
        sent = len(tg.fake.calls)
        for kind in ("channel_post", "edited_channel_post"):
            post = message_update(GROUP, chat_type="channel", kind=kind, text="News")
            assert await tg.post(tg.fake.push_update(post)) == 200
        assert len(tg.fake.calls) == sent
        assert await all_rows(tg.club) == before


def failing_units(*_: Any) -> Any:
    raise OperationalError("SELECT 1", {}, ConnectionError("the database went away"))


async def test_an_answer_that_cannot_be_saved_is_500_and_its_repeat_counts_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with telegram_club(database_url, webhook=True) as tg:
        await at_first_activity(tg)
        question = tg.question(MARGARET)
        pressed = tg.fake.push_callback(
            MARGARET, question["message_id"], tg.button(question, "yes")
        )
        sent = len(tg.fake.calls)
        before = await all_rows(tg.club)

        with monkeypatch.context() as patch:
            patch.setattr(tg.club.dialogue, "_units", failing_units)
            assert await tg.post(pressed) == 500

        assert await all_rows(tg.club) == before
        assert len(tg.fake.calls) == sent  # no "try again" line: Telegram will repeat it
        assert tg.fake.unanswered_callbacks() == [pressed["callback_query"]["id"]]

        mark = tg.mark(MARGARET)
        assert await tg.post(pressed) == 200  # Telegram's repeat, the database back
        assert await tg.post(pressed) == 200  # and one more, to be sure
        assert [p.answer for p in await rows(tg.club, Preference)] == ["yes"]
        assert len(tg.replies(MARGARET, mark)) == 1
        assert tg.fake.unanswered_callbacks() == []
        assert len(tg.fake.edits(MARGARET, question["message_id"])) == 1


async def test_by_polling_an_answer_that_cannot_be_saved_is_met_with_a_kind_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no webhook to repeat it, the person is asked to try again, and the button's
    notice does not claim the question was answered."""
    async with telegram_club(sqlite_url) as tg:
        await at_first_activity(tg)
        question = tg.question(MARGARET)
        with monkeypatch.context() as patch:
            patch.setattr(tg.club.dialogue, "_units", failing_units)
            update = await tg.press(MARGARET, "yes", message=question)
        assert tg.replies(MARGARET) == [tg.words("common.busy")]
        [answer] = [
            a
            for a in tg.fake.answered_callbacks(MARGARET)
            if a["callback_query_id"] == update["callback_query"]["id"]
        ]
        assert answer.get("text") != tg.words("telegram.stale_button")
        assert tg.fake.edits(MARGARET, question["message_id"]) == []
        assert await count(tg.club, Preference) == 0
        await tg.press(MARGARET, "yes", message=question)  # pressed again, once it is back
        assert [p.answer for p in await rows(tg.club, Preference)] == ["yes"]


async def test_replays_arriving_together_still_have_one_effect(database_url: str) -> None:
    """Telegram may post again before the first post is answered: the copies race, and
    the update id, saved with the answer, lets exactly one of them through."""
    async with telegram_club(database_url, webhook=True) as tg:
        await at_first_activity(tg)
        question = tg.question(MARGARET)
        pressed = tg.fake.push_callback(
            MARGARET, question["message_id"], tg.button(question, "yes")
        )
        mark = tg.mark(MARGARET)

        statuses = await asyncio.gather(*(tg.post(pressed) for _ in range(4)))

        assert statuses == [200] * 4
        assert [p.answer for p in await rows(tg.club, Preference)] == ["yes"]
        assert len(tg.replies(MARGARET, mark)) == 1
        assert len(tg.fake.edits(MARGARET, question["message_id"])) == 1
