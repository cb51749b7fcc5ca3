"""Each request that once gave a 500 (issue 12, items 1 and 3), kept as a named test: on
the real web app in webhook mode, each gets a 2xx and the right (kind, or no) effect, and
the logs carry no traceback and nothing personal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from conversations import text
from storage.models import InboundKey, OutboxMessage, Person, Position
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import count, rows
from tests.inbound_support import Inbound, LogWatch, inbound_club, watched_logs
from tests.twilio_support import CLUB_NUMBER, MOBILE, add_session, replies

ANN = 7101
JSONDict = dict[str, Any]


@pytest.fixture
async def inbound(database_url: str) -> AsyncIterator[Inbound]:
    async with inbound_club(database_url) as club:
        yield club


@pytest.fixture
def logs() -> Any:
    with watched_logs() as watch:
        yield watch


def clean(logs: LogWatch, *personal: str) -> None:
    assert logs.tracebacks() == []
    assert logs.mentioning(personal) == []
    assert not [line for line in logs.lines() if "storage unavailable" in line]


def bot_api(inbound: Inbound) -> Any:
    assert inbound.tw.bot_api is not None
    return inbound.tw.bot_api


def words(inbound: Inbound, key: str) -> str:
    return inbound.tw.club.catalogue.render("en", text(key))


async def started(inbound: Inbound, chat_id: int = ANN) -> JSONDict:
    """The person has sent /start: registration's first question is open."""
    update = bot_api(inbound).push_message(chat_id, "/start")
    assert (await inbound.telegram(update)).status_code == 200
    return dict(bot_api(inbound).sent_messages(chat_id)[-1])


def last_words(inbound: Inbound, chat_id: int = ANN) -> str:
    return str(bot_api(inbound).sent_messages(chat_id)[-1]["text"])


def message(chat_id: int, user_id: int, update_id: int = 900_001, **content: Any) -> JSONDict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ann"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            **content,
        },
    }


# ------------------------------------------------------------------- item 1


@pytest.mark.parametrize("typed", ["፩", "5" * 4301, "5" * 5000])
async def test_a_digit_that_is_not_0_to_9_typed_on_telegram_is_kindly_not_understood(
    inbound: Inbound, logs: LogWatch, typed: str
) -> None:
    await started(inbound)
    update = bot_api(inbound).push_message(ANN, typed)
    assert (await inbound.telegram(update)).status_code == 200
    assert words(inbound, "common.not_understood") in last_words(inbound)
    clean(logs, typed)


async def test_a_superscript_two_typed_reads_as_the_2_it_looks_like(
    inbound: Inbound, logs: LogWatch
) -> None:
    """Typed words are folded (NFKC) before digits are read, as "ﬁ" is read as "fi"."""
    await started(inbound)
    update = bot_api(inbound).push_message(ANN, "²")
    assert (await inbound.telegram(update)).status_code == 200
    [place] = await rows(inbound.tw.club, Position)
    assert place.data.get("language") not in {None, "en"}  # the second language offered
    clean(logs)


@pytest.mark.parametrize("typed", ["፩", "5" * 5000])
async def test_a_digit_that_is_not_0_to_9_texted_is_kindly_not_understood(
    inbound: Inbound, logs: LogWatch, typed: str
) -> None:
    await inbound.tw.chat(MOBILE, "hello")
    answered = await inbound.tw.chat(MOBILE, typed)
    assert words(inbound, "common.not_understood") in answered
    clean(logs, typed, MOBILE[3:])


async def test_button_data_never_issued_is_answered_and_asks_again(
    inbound: Inbound, logs: LogWatch
) -> None:
    question = await started(inbound)
    for data in ("q²:yes", "q" + "9" * 5000 + ":yes", "q1:s" + "9" * 30 + "m1.coming"):
        update = bot_api(inbound).push_callback(ANN, question["message_id"], data[:64])
        assert (await inbound.telegram(update)).status_code == 200
    assert len(bot_api(inbound).answered_callbacks(ANN)) == 3
    assert words(inbound, "common.stale") in last_words(inbound)
    clean(logs)


async def test_a_callback_query_with_no_sender_is_ignored(inbound: Inbound, logs: LogWatch) -> None:
    update = {
        "update_id": 900_002,
        "callback_query": {"id": "1", "chat_instance": "x", "data": "q1:yes"},
    }
    sent = len(bot_api(inbound).calls)
    assert (await inbound.telegram(update)).status_code == 200
    assert len(bot_api(inbound).calls) == sent
    clean(logs)


@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b'{"update_id": 1, "message": ' * 20_000, b"{" * 100_000]
)
async def test_deeply_nested_json_is_ignored(inbound: Inbound, logs: LogWatch, body: bytes) -> None:
    assert (await inbound.telegram(body)).status_code == 200
    clean(logs)


async def test_a_signed_text_with_a_garbled_media_count_is_answered(
    inbound: Inbound, logs: LogWatch
) -> None:
    webhook = await inbound.tw.text(MOBILE, "hello", NumMedia="²")
    assert webhook.status_code == 200
    assert replies(webhook)  # the welcome, as for any first text
    clean(logs, MOBILE[3:])


@pytest.mark.parametrize("code", ["²", "5" * 5000, "-1", "30003x"])
async def test_a_delivery_report_with_a_garbled_error_code_is_a_passing_failure(
    inbound: Inbound, logs: LogWatch, code: str
) -> None:
    ann = await add_phone_person(inbound.tw.club, "Ann", MOBILE, channels="sms")
    await queue_reminder(inbound.tw.club, ann, await add_session(inbound.tw.club))
    await inbound.tw.dispatch()
    [sent] = inbound.tw.fake.messages
    report = {"MessageSid": sent.sid, "MessageStatus": "undelivered", "ErrorCode": code}
    assert (await inbound.twilio("/twilio/status", report)).status_code == 200
    [row] = await rows(inbound.tw.club, OutboxMessage)
    assert row.status == Status.PENDING  # tried again, the person not marked unreachable
    clean(logs, MOBILE[3:])


# ------------------------------------------------------------------- item 3


@pytest.mark.parametrize("user_id", [2**63, 2**64 + 5, -(2**63) - 1, 2**52])
async def test_an_id_past_telegrams_52_bits_is_ignored(
    inbound: Inbound, logs: LogWatch, user_id: int
) -> None:
    assert (await inbound.telegram(message(user_id, user_id, text="hi"))).status_code == 200
    assert await count(inbound.tw.club, Position) == 0
    assert bot_api(inbound).sent_messages() == []
    clean(logs, str(user_id))


@pytest.mark.parametrize("update_id", [10**70, 2**63, -(2**60), "7", 1.5])
async def test_an_update_id_telegram_could_not_send_is_ignored(
    inbound: Inbound, logs: LogWatch, update_id: object
) -> None:
    update = message(ANN, ANN, text="hi")
    update["update_id"] = update_id
    assert (await inbound.telegram(update)).status_code == 200
    assert await count(inbound.tw.club, InboundKey) == 0
    clean(logs)


@pytest.mark.parametrize("file_id", ["v" * 201, "v" * 5000, "AwAC\x00x", "abc/def"])
async def test_a_voice_note_with_a_file_id_telegram_does_not_make_is_kindly_refused(
    inbound: Inbound, logs: LogWatch, file_id: str
) -> None:
    await started(inbound)
    voice = {"file_id": file_id, "file_unique_id": "u1", "duration": 2}
    assert (await inbound.telegram(message(ANN, ANN, voice=voice))).status_code == 200
    assert words(inbound, "common.only_words") in last_words(inbound)
    clean(logs, file_id)


@pytest.mark.parametrize("sender", ["+4477009\x0000123", "+447700900123\x00", "07700 900123"])
async def test_a_text_from_a_number_that_is_not_one_has_no_effect(
    inbound: Inbound, logs: LogWatch, sender: str
) -> None:
    params = {"From": sender, "To": CLUB_NUMBER, "MessageSid": "SM" + "a" * 32, "Body": "Ann"}
    response = await inbound.twilio("/twilio/sms", params)
    assert response.status_code == 200
    assert replies_of(response.text) == []
    assert await count(inbound.tw.club, Position) == 0
    assert await count(inbound.tw.club, Person) == 1  # the demo coordinator alone
    clean(logs, "7700", "900123")


async def test_words_with_a_nul_are_kept_without_it(inbound: Inbound, logs: LogWatch) -> None:
    await started(inbound)
    update = bot_api(inbound).push_message(ANN, "1")  # English
    await inbound.telegram(update)
    update = bot_api(inbound).push_message(ANN, "1")  # a member
    await inbound.telegram(update)
    update = bot_api(inbound).push_message(ANN, "Ann\x00 Lee\ud800")
    assert (await inbound.telegram(update)).status_code == 200
    [place] = await rows(inbound.tw.club, Position)
    assert place.data.get("name") == "Ann Lee", place.data
    clean(logs, "Ann Lee")


def replies_of(xml: str) -> list[str]:
    return [part.split("</Message>")[0] for part in xml.split("<Message>")[1:]]
