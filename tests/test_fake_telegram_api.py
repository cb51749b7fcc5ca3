"""The fake Bot API, driven by the real python-telegram-bot stack.

These tests pin down that the fake answers the way Telegram does, as PTB understands it:
if they pass, channel and dispatcher tests built on the fake exercise real PTB behaviour
(its parameter encoding, its uploads, its mapping of error bodies to exceptions).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeBotApi

PERSON = 4242
OTHER = 5151
# An OGG page header carrying an OpusHead (pre-skip 312) and a last page at granule
# 312 + 3 * 48000: three seconds of Opus, as far as a duration reader is concerned.
OGG_OPUS = (
    b"OggS\x00\x02"
    + (0).to_bytes(8, "little")
    + b"\x00" * 12
    + b"OpusHead\x01\x01"
    + (312).to_bytes(2, "little")
    + b"\x80\xbb\x00\x00\x00\x00\x00"
    + b"OggS\x00\x04"
    + (312 + 3 * 48000).to_bytes(8, "little")
    + b"\x00" * 12
    + b"audio"
)


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("✅ Yes, I am coming", callback_data="q7:yes")],
            [InlineKeyboardButton("❌ No, not this time", callback_data="q7:no")],
        ]
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with fake.make_bot() as bot:
        yield bot


@pytest.fixture
def timedeltas(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when a duration is read as an int; opt in to timedeltas instead."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_a_plain_bot_reaches_the_fake(fake: FakeBotApi) -> None:
    """No helpers: just `base_url`, to which PTB appends the token and the method."""
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        me = await bot.get_me()
    assert me.is_bot
    assert me.id == fake.bot_user["id"] == 123456789
    assert me.username == "club_companion_bot"
    assert [call.method for call in fake.calls] == ["getMe", "getMe"]  # initialize + ours


async def test_a_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.base_url}999:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    wrong = Bot("999:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_an_unknown_method_is_not_found(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.base_url}{fake.token}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_send_message_records_the_keyboard_and_echoes_it(
    fake: FakeBotApi,
    bot: Bot,
) -> None:
    first = await bot.send_message(PERSON, "Are you coming on Tuesday?", reply_markup=keyboard())
    second = await bot.send_message(PERSON, "Thank you.")
    elsewhere = await bot.send_message(OTHER, "Hello.")

    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert first.chat.id == PERSON and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.is_bot
    assert first.reply_markup == keyboard()
    call = next(c for c in fake.calls if c.method == "sendMessage")
    assert call.params["chat_id"] == PERSON
    assert call.params["reply_markup"] == keyboard().to_dict()
    assert [m["text"] for m in fake.sent_messages(PERSON)] == [
        "Are you coming on Tuesday?",
        "Thank you.",
    ]
    assert fake.accepted_by_chat == {PERSON: 2, OTHER: 1}


async def test_json_bodies_with_json_encoded_fields_are_understood(fake: FakeBotApi) -> None:
    body = {
        "chat_id": str(PERSON),
        "text": "12345",
        "reply_markup": json.dumps(keyboard().to_dict()),
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.base_url}{fake.token}/sendMessage", json=body)
    result = response.json()["result"]
    assert result["text"] == "12345"  # a text that looks like a number stays text
    assert result["chat"]["id"] == PERSON
    assert result["reply_markup"] == keyboard().to_dict()


async def test_send_voice_stores_the_uploaded_bytes(
    fake: FakeBotApi,
    bot: Bot,
    timedeltas: None,
) -> None:
    sent = await bot.send_voice(PERSON, voice=OGG_OPUS, caption="Tuesday's session")
    assert sent.voice is not None
    assert sent.voice.duration == dtm.timedelta(seconds=3)  # read from the OGG pages
    assert sent.voice.mime_type == "audio/ogg"
    assert sent.caption == "Tuesday's session"

    given = await bot.send_voice(
        PERSON, voice=b"not really opus", duration=4, reply_markup=keyboard()
    )
    assert given.voice is not None and given.voice.duration == dtm.timedelta(seconds=4)
    assert given.reply_markup == keyboard()

    voices = fake.sent_voices(PERSON)
    assert [v.data for v in voices] == [OGG_OPUS, b"not really opus"]
    assert fake.calls[-1].files == {"voice": b"not really opus"}
    assert fake.calls[-1].params["reply_markup"] == keyboard().to_dict()

    again = await bot.send_voice(PERSON, voice=sent.voice.file_id)
    assert again.voice is not None and again.voice.file_id == sent.voice.file_id
    file = await bot.get_file(sent.voice.file_id)
    assert bytes(await file.download_as_bytearray()) == OGG_OPUS


async def test_edit_message_text_rewrites_the_question(fake: FakeBotApi, bot: Bot) -> None:
    question = await bot.send_message(PERSON, "Are you coming?", reply_markup=keyboard())
    edited = await bot.edit_message_text(
        "Are you coming? You said: yes",
        chat_id=PERSON,
        message_id=question.message_id,
    )
    assert isinstance(edited, type(question))
    assert edited.text == "Are you coming? You said: yes"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # Telegram drops a keyboard the edit leaves out

    [edit] = fake.edits(PERSON)
    assert (edit.message_id, edit.text, edit.reply_markup) == (1, edited.text, None)
    assert fake.chat_transcript(PERSON) == "bot: Are you coming? You said: yes"
    assert fake.chat_log(PERSON)[0].edited

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(edited.text, chat_id=PERSON, message_id=1)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Hello", chat_id=PERSON, message_id=99)


async def test_edit_reply_markup_and_callback_answers(fake: FakeBotApi, bot: Bot) -> None:
    question = await bot.send_message(PERSON, "Are you coming?", reply_markup=keyboard())
    update = fake.push_callback(PERSON, question.message_id, "q7:yes")
    query_id = update["callback_query"]["id"]
    assert update["callback_query"]["message"]["reply_markup"] == keyboard().to_dict()
    assert fake.unanswered_callbacks() == [query_id]

    assert await bot.answer_callback_query(query_id, text="Thank you")
    await bot.edit_message_reply_markup(PERSON, question.message_id, reply_markup=None)

    assert fake.answered_callbacks(PERSON) == [
        {"callback_query_id": query_id, "text": "Thank you"},
    ]
    assert fake.unanswered_callbacks() == []
    assert fake.chat_log(PERSON)[0].buttons == ()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("unknown")


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Long", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(PERSON, "Hello", reply_markup=markup)


async def test_get_updates_is_at_least_once_until_the_offset_moves(
    fake: FakeBotApi,
    bot: Bot,
) -> None:
    fake.push_message(PERSON, "/start", first_name="Ada")
    fake.push_voice(PERSON, OGG_OPUS, duration=3)

    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [u.update_id for u in again] == [1, 2]
    message = first[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.first_name == "Ada"
    assert message.entities[0].type == "bot_command"
    voice = first[1].message
    assert voice is not None and voice.voice is not None
    assert fake.file_bytes(voice.voice.file_id) == OGG_OPUS

    later = await bot.get_updates(offset=2, timeout=0)
    assert [u.update_id for u in later] == [2]
    assert await bot.get_updates(offset=3, timeout=0) == ()
    assert fake.pending_updates() == []


async def test_get_updates_long_polls_until_something_arrives(
    fake: FakeBotApi,
    bot: Bot,
) -> None:
    async def person_writes_soon() -> None:
        await asyncio.sleep(0.1)
        fake.push_message(PERSON, "hello")

    writer = asyncio.create_task(person_writes_soon())
    updates = await bot.get_updates(timeout=5)
    await writer
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_too_many_requests_raises_retry_after(
    fake: FakeBotApi,
    bot: Bot,
    timedeltas: None,
) -> None:
    fake.fail_next("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(PERSON, "Hello")
    assert raised.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.calls[-1].status == 429
    assert fake.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert (await bot.send_message(PERSON, "Hello")).message_id == 1  # only the next one


async def test_forbidden_and_blocked_chats(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendVoice", "403", chat_id=OTHER)
    await bot.send_voice(PERSON, voice=b"fine")  # another chat: not affected
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_voice(OTHER, voice=b"refused")

    fake.block_chat(PERSON)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(PERSON, "Hello")
    fake.unblock_chat(PERSON)
    await bot.send_message(PERSON, "Hello again")
    assert fake.chat_transcript(PERSON) == "bot: [voice]\nbot: Hello again"


async def test_server_errors_are_network_errors(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", "500", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(PERSON, "Hello")
    await bot.send_message(PERSON, "Hello")
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [500, 500, 200]


async def test_a_timeout_can_lose_the_answer_but_deliver_the_message(
    fake: FakeBotApi,
    bot: Bot,
) -> None:
    fake.fail_next("sendMessage", "timeout", delivered=True)
    with pytest.raises(TimedOut):
        await bot.send_message(PERSON, "Did this arrive?", read_timeout=0.3)
    fake.fail_next("sendMessage", "timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(PERSON, "This did not", read_timeout=0.3)
    assert fake.chat_transcript(PERSON) == "bot: Did this arrive?"


async def test_flood_limits_reject_a_second_message_to_one_chat(
    fake: FakeBotApi,
    bot: Bot,
    timedeltas: None,
) -> None:
    fake.limits(per_second=30, per_chat_per_second=1)
    await bot.send_message(PERSON, "One")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(PERSON, "Two")
    assert raised.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(OTHER, "One for someone else")

    assert fake.rejected_by_limit == 1
    assert fake.accepted_sends == 2
    assert fake.accepted_by_chat == {PERSON: 1, OTHER: 1}
    assert fake.max_sends_in_any_second(PERSON) == 1
    first, last = [c.time for c in fake.calls if c.method == "sendMessage" and c.status == 200]
    together = last - first < 1.0  # on a loaded machine the three sends can take a second
    assert fake.max_sends_in_any_second() == (2 if together else 1)


async def test_flood_limits_overall(fake: FakeBotApi, bot: Bot, timedeltas: None) -> None:
    fake.limits(per_second=2, per_chat_per_second=None)
    await bot.send_message(1, "a")
    await bot.send_message(2, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(3, "c")
    fake.limits(None, None)
    await bot.send_message(3, "c")
    assert fake.rejected_by_limit == 1


async def test_webhook_settings_and_delivery(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_webhook("https://club.example/telegram", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://club.example/telegram"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()

    seen: list[tuple[str | None, dict[str, object]]] = []

    async def receive(request: Request) -> Response:
        seen.append((request.headers.get("x-telegram-bot-api-secret-token"), await request.json()))
        return Response(status_code=200)

    app = Starlette(routes=[Route("/telegram", receive, methods=["POST"])])
    status = await fake.deliver_webhook(
        "http://club.test/telegram",
        {"message": {"text": "hi"}},
        "s3cret",
        transport=httpx.ASGITransport(app=app),
    )
    assert status == 200
    assert seen[0][0] == "s3cret"
    assert seen[0][1]["message"] == {"text": "hi"} and "update_id" in seen[0][1]


async def test_my_commands_round_trip(bot: Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("help", "Talk to a person")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.log_out() and await bot.close()


async def test_an_application_polls_answers_and_edits(fake: FakeBotApi) -> None:
    """The whole PTB loop: polling, a command, a button press answered and edited."""
    done = asyncio.Event()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id,
            "Are you coming?",
            reply_markup=keyboard(),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Are you coming? You chose: {query.data}")
        done.set()

    app = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        fake.push_message(PERSON, "/start")
        for _ in range(200):
            if fake.sent_messages(PERSON):
                break
            await asyncio.sleep(0.01)
        [question] = fake.sent_messages(PERSON)
        fake.push_callback(PERSON, question["message_id"], "q7:yes")
        await asyncio.wait_for(done.wait(), timeout=5)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    assert fake.chat_transcript(PERSON) == (
        "person: /start\nbot: Are you coming? You chose: q7:yes"
    )
    assert fake.unanswered_callbacks() == []
    assert fake.pending_updates() == []  # the updater confirmed what it handled
