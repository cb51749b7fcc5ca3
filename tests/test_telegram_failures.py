"""When Telegram fails while the club replies: a blocked chat is noted and the coordinator
told; flood waits are waited out; server errors and timeouts are retried; and whatever
happens to the reply, the person's answer is already saved."""

from __future__ import annotations

import pytest

import bot.channels.telegram.app
import bot.channels.telegram.sending
from conversations.model import text
from storage.models import ChannelState, Preference
from tests.club_rows import position, rows
from tests.clubs import telegram_club
from tests.fakes.telegram_api import FailureKind
from tests.telegram_support import (
    TelegramClub,
    add_coordinator,
    choose_english,
    message_update,
    person_by_telegram,
    register_by_buttons,
)

MARGARET = 7101
COORDINATOR = 7900
GROUP = -100777


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short backoffs and a one-second client timeout, so retries take moments."""
    monkeypatch.setattr(bot.channels.telegram.sending, "FIRST_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(bot.channels.telegram.app, "TIMEOUT_SECONDS", 1.0)


async def at_first_activity(tg: TelegramClub) -> None:
    await register_by_buttons(tg, MARGARET, "Margaret")
    await tg.press(MARGARET, "start_now")


def send_statuses(tg: TelegramClub, chat: int, method: str = "sendMessage") -> list[int | None]:
    return [
        c.status for c in tg.fake.calls if c.method == method and c.params.get("chat_id") == chat
    ]


async def test_a_blocked_chat_is_noted_and_the_coordinator_told_once(database_url: str) -> None:
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, COORDINATOR, "Cora")
        await at_first_activity(tg)
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        tg.fake.block_chat(MARGARET)

        update = await tg.press(MARGARET, "yes")

        assert update["callback_query"]["id"] not in tg.fake.unanswered_callbacks()
        states = [(s.person_id, s.channel, s.reason) for s in await rows(tg.club, ChannelState)]
        assert states == [(margaret.id, "telegram", "blocked")]
        told = tg.words("coordinator.unreachable", who="Margaret", channel=_telegram())
        assert [m["text"] for m in tg.fake.sent_messages(COORDINATOR)] == [told]
        assert [(p.person_id, p.answer) for p in await rows(tg.club, Preference)] == [
            (margaret.id, "yes")
        ]

        await tg.say(MARGARET, "/start")  # still blocked: noted already, no second alert
        assert len(await rows(tg.club, ChannelState)) == 1
        assert len(tg.fake.sent_messages(COORDINATOR)) == 1


def _telegram() -> object:
    return text("channel.telegram")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("timedeltas", [False, True], ids=["seconds", "timedelta"])
async def test_a_flood_wait_is_waited_out_then_the_reply_delivered(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, timedeltas: bool
) -> None:
    """PTB 22 gives `retry_after` as seconds, or as a timedelta once PTB_TIMEDELTA is set
    (the future default); both are waited out."""
    if timedeltas:
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with telegram_club(sqlite_url) as tg:
        tg.fake.fail_next("sendMessage", "429", chat_id=MARGARET, retry_after=1)
        await tg.say(MARGARET, "/start")
        refused, delivered = [
            c
            for c in tg.fake.calls
            if c.method == "sendMessage" and c.params.get("chat_id") == MARGARET
        ]
        assert (refused.status, delivered.status) == (429, 200)
        assert delivered.time - refused.time >= 0.95  # it waited the second it was told to
        [welcome] = tg.replies(MARGARET)
        assert welcome.startswith(tg.words("registration.welcome", club="Healthy Living Club"))


@pytest.mark.parametrize("kind", ["500", "502", "timeout"])
async def test_server_errors_and_timeouts_are_retried_and_delivered_once(
    sqlite_url: str, quick_retries: None, kind: FailureKind
) -> None:
    async with telegram_club(sqlite_url) as tg:
        await tg.say(MARGARET, "/start")
        await choose_english(tg, MARGARET)
        role_question = tg.question(MARGARET)
        tg.fake.fail_next("sendMessage", kind, chat_id=MARGARET)
        tg.fake.fail_next("answerCallbackQuery", kind)
        tg.fake.fail_next("editMessageText", kind, chat_id=MARGARET)

        update = await tg.press(MARGARET, "member")
        await tg.fake.settled()

        failed = 502 if kind == "timeout" else int(kind)
        assert send_statuses(tg, MARGARET)[-2:] == [failed, 200]
        assert send_statuses(tg, MARGARET, "editMessageText")[-2:] == [failed, 200]
        assert tg.replies(MARGARET) == [tg.words("registration.name")]
        assert update["callback_query"]["id"] not in tg.fake.unanswered_callbacks()
        assert len(tg.fake.edits(MARGARET, role_question["message_id"])) == 1


@pytest.mark.parametrize("kind", ["403", "500", "timeout"])
async def test_no_sending_failure_loses_the_answer(
    database_url: str, quick_retries: None, kind: FailureKind
) -> None:
    async with telegram_club(database_url) as tg:
        await at_first_activity(tg)
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        methods = ["sendMessage"] if kind == "timeout" else ["sendMessage", "editMessageText"]
        for method in methods:  # (one timing-out method is enough: each try waits 1 s)
            tg.fake.fail_next(method, kind, times=20, chat_id=MARGARET)

        await tg.press(MARGARET, "unsure")
        await tg.fake.settled()

        assert [(p.person_id, p.answer) for p in await rows(tg.club, Preference)] == [
            (margaret.id, "unsure")
        ]
        saved = await position(tg.club, f"telegram:{MARGARET}")
        assert saved is not None and saved.data["index"] == 1
        [last] = send_statuses(tg, MARGARET)[-1:]
        assert last is not None and last != 200  # the reply really failed
        blocked = [(s.channel, s.reason) for s in await rows(tg.club, ChannelState)]
        assert blocked == ([("telegram", "blocked")] if kind == "403" else [])


async def test_a_coordinator_who_blocked_the_bot_does_not_stop_the_others(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, COORDINATOR, "Cora")
        await add_coordinator(tg.club, COORDINATOR + 1, "Dev")
        tg.fake.block_chat(COORDINATOR)
        await at_first_activity(tg)
        await tg.press(MARGARET, "person")
        assert len(tg.fake.sent_messages(COORDINATOR + 1)) == 1
        assert tg.replies(MARGARET)[0].startswith(tg.words("help.requested"))


async def test_a_refusal_to_write_in_a_group_or_after_an_edit_is_no_crash(
    sqlite_url: str,
) -> None:
    """The kind lines for edits and group chats meet a 403 too (the bot was removed from
    the group, or blocked): the update is still answered 200 and nothing is retried."""
    async with telegram_club(sqlite_url, webhook=True) as tg:
        tg.fake.fail_next(
            "sendMessage",
            "403",
            chat_id=GROUP,
            description="Forbidden: bot was kicked from the group chat",
        )
        group = message_update(GROUP, user_id=MARGARET, chat_type="group", text="hello")
        assert await tg.post(tg.fake.push_update(group)) == 200

        tg.fake.block_chat(MARGARET)
        edited = message_update(MARGARET, kind="edited_message", text="Margret")
        assert await tg.post(tg.fake.push_update(edited)) == 200
        assert send_statuses(tg, GROUP) == [403]
        assert send_statuses(tg, MARGARET) == [403]


async def test_someone_who_unblocks_the_bot_and_writes_again_is_reachable_again(
    sqlite_url: str,
) -> None:
    async with telegram_club(sqlite_url) as tg:
        await at_first_activity(tg)
        tg.fake.block_chat(MARGARET)
        await tg.press(MARGARET, "yes")
        assert len(await rows(tg.club, ChannelState)) == 1
        tg.fake.unblock_chat(MARGARET)
        await tg.say(MARGARET, "/start")
        assert tg.replies(MARGARET)  # the reply reached her
        assert await rows(tg.club, ChannelState) == []
