"""Playing people on Telegram against the fake Bot API, in a club that
`tests.clubs.telegram_club` built and started (polling through PTB's updater, or webhook
mode served by `club.web` through an in-process ASGI transport). Tests play people
with `TelegramClub.say`, `press`, `voice` and `deliver`, each of which returns once the
channel has finished that update, so nothing waits on a clock.

Every update the channel handles is tracked: one that raised is kept in `errors`, and
`telegram_club` fails on leaving when any did (PTB would otherwise only log it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from telegram import Update

from bot.bootstrap import Club
from bot.channels.telegram.channel import TelegramChannel
from conversations import HELP_CHOICE
from conversations.model import text
from storage.models import Person
from tests.club_data import add_person
from tests.fakes.telegram_api import FakeBotApi

__all__ = [
    "PUBLIC_URL",
    "SECRET",
    "WEBHOOK_URL",
    "TelegramClub",
    "add_coordinator",
    "callback_key",
    "choose_english",
    "keyboard_of",
    "message_update",
    "person_by_telegram",
    "register_by_buttons",
]

SECRET = "s3cret-Header_value"
PUBLIC_URL = "https://club.example.org"
WEBHOOK_URL = "http://club.test/telegram"
WAIT_SECONDS = 10.0
"""How long an update may take before a test fails (a failure, never a pass condition)."""

JSONDict = dict[str, Any]


def callback_key(data: str) -> str:
    """ "q12:member" -> "member"."""
    return data.partition(":")[2]


def keyboard_of(message: JSONDict) -> list[list[JSONDict]]:
    return list((message.get("reply_markup") or {}).get("inline_keyboard", []))


@dataclass
class TelegramClub:
    fake: FakeBotApi
    club: Club
    webhook: bool
    errors: list[BaseException] = field(default_factory=list)
    _done: dict[int, asyncio.Event] = field(default_factory=dict)
    _app: Any = None
    _marks: dict[int, int] = field(default_factory=dict)

    @property
    def channel(self) -> TelegramChannel:
        assert self.club.telegram is not None
        return self.club.telegram.channel

    # ------------------------------------------------------------------ tracking

    def track(self) -> None:
        """Wrap the channel's `handle_update` so tests know when an update is finished."""
        channel = self.channel
        original = channel.handle_update

        async def tracked(update: Update, retry_later: bool = False) -> bool:
            try:
                return await original(update, retry_later=retry_later)
            except BaseException as error:
                self.errors.append(error)
                raise
            finally:
                self._event(update.update_id).set()

        channel.handle_update = tracked  # type: ignore[method-assign]

    def _event(self, update_id: int) -> asyncio.Event:
        return self._done.setdefault(update_id, asyncio.Event())

    async def finished(self, update_id: int) -> None:
        await asyncio.wait_for(self._event(update_id).wait(), WAIT_SECONDS)

    # ------------------------------------------------------------ the people

    async def deliver(self, update: JSONDict) -> None:
        """Hand a queued update to the club, by webhook (which must answer 200) or by
        letting the polling updater fetch it, and return once the channel is done."""
        if self.webhook:
            status = await self.post(update)
            assert status == 200, f"the webhook answered {status}"
        await self.finished(int(update["update_id"]))

    async def post(self, update: JSONDict, secret: str | None = SECRET) -> int:
        """POST the update to the web app as Telegram would; returns the HTTP status."""
        return await self.fake.deliver_webhook(
            WEBHOOK_URL, update, secret, transport=self.transport()
        )

    def transport(self) -> httpx.ASGITransport:
        if self._app is None:
            self._app = self.club.web
        return httpx.ASGITransport(app=self._app)

    async def say(self, chat_id: int, words: str, first_name: str = "Member") -> JSONDict:
        self._marks[chat_id] = self.mark(chat_id)
        update = self.fake.push_message(chat_id, words, first_name=first_name)
        await self.deliver(update)
        return update

    async def voice(self, chat_id: int, data: bytes = b"OggS a person's voice") -> JSONDict:
        self._marks[chat_id] = self.mark(chat_id)
        update = self.fake.push_voice(chat_id, data)
        await self.deliver(update)
        return update

    async def raw(self, update: JSONDict, chat_id: int | None = None) -> JSONDict:
        if chat_id is not None:
            self._marks[chat_id] = self.mark(chat_id)
        queued = self.fake.push_update(update)
        await self.deliver(queued)
        return queued

    def question(self, chat_id: int) -> JSONDict:
        """The newest message from the bot in this chat that still has buttons."""
        for entry in reversed(self.fake.chat_log(chat_id)):
            if entry.sender == "bot" and keyboard_of(entry.message):
                return entry.message
        raise AssertionError(f"no question with buttons in:\n{self.fake.chat_transcript(chat_id)}")

    def button(self, message: JSONDict, key: str) -> str:
        """The callback data the bot really sent for choice `key` under `message`."""
        for row in keyboard_of(message):
            for button in row:
                if callback_key(button["callback_data"]) == key:
                    return str(button["callback_data"])
        shown = [b["callback_data"] for row in keyboard_of(message) for b in row]
        raise AssertionError(f"no {key!r} button under message: {shown}")

    async def press(self, chat_id: int, key: str, message: JSONDict | None = None) -> JSONDict:
        """Press the `key` button under `message` (default: the newest question)."""
        message = message or self.question(chat_id)
        data = self.button(message, key)
        self._marks[chat_id] = self.mark(chat_id)
        update = self.fake.push_callback(chat_id, message["message_id"], data)
        await self.deliver(update)
        return update

    async def press_data(self, chat_id: int, message_id: int, data: str) -> JSONDict:
        self._marks[chat_id] = self.mark(chat_id)
        update = self.fake.push_callback(chat_id, message_id, data)
        await self.deliver(update)
        return update

    # ------------------------------------------------------------- reading

    def mark(self, chat_id: int) -> int:
        """How many text messages the bot has sent to this chat so far."""
        return len(self.fake.sent_messages(chat_id))

    def replies(self, chat_id: int, since: int | None = None) -> list[str]:
        """Texts the bot sent to this chat, as sent, after `since` (a `mark`; default: the
        mark taken before the last action in this chat)."""
        after = self._marks.get(chat_id, 0) if since is None else since
        return [str(m["text"]) for m in self.fake.sent_messages(chat_id)[after:]]

    def reply_messages(self, chat_id: int, since: int | None = None) -> list[JSONDict]:
        after = self._marks.get(chat_id, 0) if since is None else since
        return self.fake.sent_messages(chat_id)[after:]

    def words(self, key: str, **params: object) -> str:
        return self.club.catalogue.render("en", text(key, **params))


_raw_message_ids = iter(range(100_000, 10**9))


def message_update(
    chat_id: int,
    *,
    user_id: int | None = None,
    chat_type: str = "private",
    kind: str = "message",
    **content: Any,
) -> JSONDict:
    """A raw update carrying a message the fake has no helper for (a sticker, a photo, a
    location, a contact, an edit, a group or channel post)."""
    user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Member"}
    chat: JSONDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = "Member"
    else:
        chat["title"] = "Club friends"
    message: JSONDict = {
        "message_id": next(_raw_message_ids),
        "chat": chat,
        "date": int(time.time()),
        **content,
    }
    if kind != "channel_post":
        message["from"] = user
    if kind == "edited_message":
        message["edit_date"] = int(time.time())
    return {kind: message}


async def add_coordinator(club: Club, telegram_id: int, name: str = "Cora") -> int:
    """A coordinator who can be reached on Telegram."""
    return await add_person(club, name, roles=("coordinator",), telegram_id=telegram_id)


async def person_by_telegram(club: Club, telegram_id: int) -> Person | None:
    async with club.units() as uow:
        found = (
            await uow.session.scalars(select(Person).where(Person.telegram_id == telegram_id))
        ).first()
        uow.session.expunge_all()
        return found


async def choose_english(tg: TelegramClub, chat_id: int) -> None:
    """Press "English" at registration's first question, when the club offers a choice of
    language (registration then asks who you are)."""
    question = tg.question(chat_id)
    offered = [callback_key(b["callback_data"]) for r in keyboard_of(question) for b in r]
    if "lang_en" in offered:
        await tg.press(chat_id, "lang_en")


async def register_by_buttons(
    tg: TelegramClub,
    chat_id: int,
    name: str,
    *,
    spoken: bool = False,
    first_name: str = "Member",
) -> None:
    """A member signs up: every choice by pressing the button the bot sent; the name typed
    (registration asks for it as words, with only "Talk to a person" as a button)."""
    await tg.say(chat_id, "/start", first_name=first_name)
    await choose_english(tg, chat_id)
    await tg.press(chat_id, "member")
    name_question = tg.question(chat_id)
    assert [callback_key(b["callback_data"]) for r in keyboard_of(name_question) for b in r] == [
        HELP_CHOICE
    ]
    await tg.say(chat_id, name, first_name=first_name)
    await tg.press(chat_id, "here_telegram")
    await tg.press(chat_id, "yes" if spoken else "no")
    await tg.press(chat_id, "consent_yes")
