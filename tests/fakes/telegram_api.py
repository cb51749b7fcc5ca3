"""A fake Telegram Bot API server on 127.0.0.1, so tests drive the real python-telegram-bot
HTTP stack offline.

Why a server rather than a mocked `Bot`: the project's Telegram channel, its dispatcher and
its error handling all depend on what really crosses the wire (form-encoded parameters,
multipart uploads, JSON-encoded `reply_markup`, Telegram's error bodies and the exceptions
PTB maps them to). Faking at the transport keeps every one of those layers honest.

Use it as `async with FakeBotApi() as fake:` and point PTB at it with
`telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)`.
Tests play the people (`push_message`, `push_callback`, `push_voice`), then read what a
person would have seen (`chat_log`, `chat_transcript`) or what the bot called (`calls`).

Deliberate simplifications: every chat is a private chat whose id is the person's user id;
`parse_mode` markup is echoed, not parsed; photo sizes are read from PNG headers only;
flood limits count sends (not edits); a file given by URL fails, since the fake never
fetches anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import Message as _HeaderBlock
from email.utils import collapse_rfc2231_value
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot
from telegram.request import HTTPXRequest

from tests.fakes.loopback import LoopbackFake

__all__ = [
    "DEFAULT_TOKEN",
    "CallRecord",
    "ChatEntry",
    "Edit",
    "FailureKind",
    "FakeBotApi",
    "SentFile",
    "loopback_request",
]

DEFAULT_TOKEN = "123456789:TEST-fake-token-for-offline-tests"

FailureKind = Literal["400", "403", "429", "500", "502", "timeout"]
ChatId = int
JSONDict = dict[str, Any]

# Parameters whose values are plain strings on the wire. PTB JSON-encodes every other value
# (numbers, booleans, objects) into a form field, so those are decoded with `json.loads`;
# these must not be, or a callback query id like "12345" would turn into an int.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "performer",
        "title",
        "file_name",
        "file_id",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "query",
        "question",
        "phone_number",
        "first_name",
        "last_name",
        "voice",
        "audio",
        "document",
        "photo",
        "video",
        "animation",
        "sticker",
        "thumbnail",
        "action",
    }
)
_SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendVoice",
        "sendAudio",
        "sendDocument",
        "sendPhoto",
    }
)
_EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
# Calls that a blocked person refuses: anything that puts something in their chat.
_BLOCKABLE = _SEND_METHODS | _EDIT_METHODS | {"sendChatAction"}
_STALE_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class _ApiError(Exception):
    """An answer Telegram gives as {"ok": false, ...}; raised inside a method, sent as-is."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class CallRecord:
    """One request the bot made, kept so tests can assert on exactly what went out.

    `params` are decoded the way Telegram reads them (JSON-encoded form fields become
    objects); `files` are the uploaded parts by field name; `time` is `time.monotonic()`
    at arrival; `status` and `response` are what the fake answered.
    """

    method: str
    params: JSONDict
    files: dict[str, bytes]
    time: float
    status: int | None = None
    response: JSONDict | None = None


@dataclass(frozen=True)
class SentFile:
    """A file message the bot sent, with the bytes it uploaded (or re-used by file_id)."""

    method: str
    chat_id: ChatId
    message_id: int
    message: JSONDict
    data: bytes
    file_name: str | None
    mime_type: str | None


@dataclass(frozen=True)
class Edit:
    """One accepted edit of a message: the answered question rewritten to show the choice."""

    method: str
    chat_id: ChatId | None
    message_id: int | None
    text: str | None
    reply_markup: JSONDict | None
    time: float


@dataclass(frozen=True)
class ChatEntry:
    """One message as the person sees it now: edits applied, deleted messages gone."""

    sender: Literal["bot", "person"]
    message_id: int
    kind: str
    text: str | None
    buttons: tuple[tuple[str, ...], ...]
    edited: bool
    message: JSONDict

    def __str__(self) -> str:
        shown = self.text if self.text is not None else f"[{self.kind}]"
        if self.kind != "text" and self.text is not None:
            shown = f"[{self.kind}] {shown}"
        labels = " | ".join(label for row in self.buttons for label in row)
        return f"{self.sender}: {shown}" + (f" [{labels}]" if labels else "")


@dataclass
class _Upload:
    data: bytes
    filename: str | None
    content_type: str | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None
    file_name: str | None


@dataclass
class _Failure:
    method: str
    kind: FailureKind
    remaining: int
    chat_id: ChatId | None
    retry_after: int
    description: str | None
    delivered: bool
    delay: float | None


@dataclass
class _Call:
    method: str
    params: JSONDict
    uploads: dict[str, _Upload]
    record: CallRecord


_Handler = Callable[[_Call], Awaitable[Any]]


class FakeBotApi(LoopbackFake):
    """A loopback Bot API: real HTTP, Telegram-shaped answers, failures on demand."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "Club Companion",
        bot_username: str = "club_companion_bot",
        max_hold: float = 30.0,
    ) -> None:
        """`max_hold` caps how long a "timeout" failure holds a request whose client
        never gives up, so a test with no client timeout fails instead of hanging."""
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(head) if head.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.max_hold = max_hold
        self.calls: list[CallRecord] = []
        self.rejected_by_limit = 0
        self.accepted_sends = 0
        self.accepted_by_chat: Counter[ChatId] = Counter()
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self._accepted_times: list[tuple[float, ChatId]] = []
        self._people: dict[ChatId, JSONDict] = {}
        self._messages: dict[ChatId, dict[int, JSONDict]] = {}
        self._next_message_id: Counter[ChatId] = Counter()
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._update_signal = asyncio.Event()
        self._callbacks: dict[str, JSONDict] = {}
        self._next_callback = 1
        self._files: dict[str, _StoredFile] = {}
        self._failures: list[_Failure] = []
        self._blocked: set[ChatId] = set()
        self._per_second: int | None = None
        self._per_chat_per_second: int | None = None
        self._window: deque[float] = deque()
        self._chat_windows: dict[ChatId, deque[float]] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._sent_messages: list[JSONDict] = []
        self._sent_files: list[SentFile] = []
        self._edits: list[Edit] = []
        self._answered: list[JSONDict] = []
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendVoice": self._send_voice,
                "sendAudio": self._send_audio,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._true,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
            }.items()
        }
        self._app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
                Route("/{rest:path}", self._not_found, methods=["GET", "POST"]),
            ]
        )
        super().__init__(self._app, "fake Bot API")

    # ----------------------------------------------------------------- lifecycle

    def _release(self) -> None:
        self._wake_pollers()  # long polls answer at once

    @property
    def base_url(self) -> str:
        """For `Bot(base_url=...)`: PTB appends the token itself, then `/<method>`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `Bot(base_file_url=...)`: where `File.download_*` fetches uploaded bytes."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A real `telegram.Bot` pointed here, built with `loopback_request`s (faster)."""
        kwargs.setdefault("request", loopback_request())
        kwargs.setdefault("get_updates_request", loopback_request(connection_pool_size=1))
        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    # ------------------------------------------------------- the people's side

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (an `update_id` is added when missing) and wake long polls."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._updates.append(update)
        self._wake_pollers()
        return update

    def push_message(
        self,
        chat_id: ChatId,
        text: str,
        *,
        first_name: str = "Member",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """A person types `text`. A leading "/word" gets the bot_command entity Telegram adds,
        without which PTB's CommandHandler would not see a command."""
        user = self._remember_person(chat_id, first_name, last_name, username, language_code)
        message = self._new_message(chat_id, user, text=text)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)},
            ]
        return self.push_update({"message": copy.deepcopy(message)})

    def push_voice(
        self,
        chat_id: ChatId,
        data: bytes = b"OggS fake voice note",
        *,
        duration: int = 2,
        mime_type: str = "audio/ogg",
        first_name: str = "Member",
    ) -> JSONDict:
        """A person records a voice note; its bytes can be fetched through getFile."""
        user = self._remember_person(chat_id, first_name, None, None, "en")
        stored = self._store_file("voice", data, mime_type, None, ".oga")
        voice = {**self._file_fields(stored), "duration": duration, "mime_type": mime_type}
        message = self._new_message(chat_id, user, voice=voice)
        return self.push_update({"message": copy.deepcopy(message)})

    def push_callback(
        self,
        chat_id: ChatId,
        message_id: int,
        data: str,
        *,
        callback_id: str | None = None,
        first_name: str = "Member",
    ) -> JSONDict:
        """A person presses an inline button under message `message_id`. A message the fake
        never saw arrives as Telegram's "inaccessible message" (date 0)."""
        user = self._remember_person(chat_id, first_name, None, None, "en")
        query_id = callback_id or f"{self.bot_user['id']}{self._next_callback:08d}"
        self._next_callback += 1
        message = self._messages.get(chat_id, {}).get(message_id)
        shown = (
            copy.deepcopy(message)
            if message is not None
            else {"chat": self._chat(chat_id), "message_id": message_id, "date": 0}
        )
        self._callbacks[query_id] = {"chat_id": chat_id, "answered": False}
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": shown,
                    "chat_instance": f"-{abs(chat_id)}{self.bot_user['id']}",
                    "data": data,
                },
            }
        )

    def take_update_id(self, update_id: object) -> None:
        """Count an update id that a test posted on its own, so that no later update the
        fake makes reuses it (the bot would take that one as a repeat and stay silent)."""
        taken = isinstance(update_id, int) and not isinstance(update_id, bool)
        if taken and self._next_update_id <= update_id < 2**31:
            self._next_update_id = update_id + 1

    async def deliver_webhook(
        self,
        url: str,
        update: JSONDict,
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_timeout: float = 10.0,
    ) -> int:
        """POST an update to a webhook the way Telegram does and return the HTTP status.
        Pass `transport=httpx.ASGITransport(app)` to reach an app that is not served."""
        if "update_id" not in update:
            update = {**update, "update_id": self._next_update_id}
            self._next_update_id += 1
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with httpx.AsyncClient(transport=transport, timeout=http_timeout) as client:
            response = await client.post(url, json=update, headers=headers)
        return response.status_code

    # ------------------------------------------------------------ test controls

    def fail_next(
        self,
        method: str,
        kind: FailureKind,
        times: int = 1,
        chat_id: ChatId | None = None,
        *,
        retry_after: int = 9,
        description: str | None = None,
        delivered: bool = False,
        delay: float | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail like Telegram.

        "429" carries `retry_after`; "403" says the bot was blocked; "400", "500" and "502"
        are plain errors (`description` overrides the text). "timeout" holds the request
        until the client gives up, or for `delay` seconds and then answers 502. With
        `delivered=True` the call takes effect first (and a `delay` ends in its normal
        answer): the case in which a sender cannot know whether its message arrived.
        """
        self._failures.append(
            _Failure(
                method.lower(),
                kind,
                times,
                chat_id,
                retry_after,
                description,
                delivered,
                delay,
            )
        )

    def block_chat(self, chat_id: ChatId) -> None:
        """The person blocks the bot: every send or edit to them is 403 until unblocked."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        """The person unblocks the bot (or presses Start again): sends reach them again."""
        self._blocked.discard(chat_id)

    def limits(self, per_second: int | None = 30, per_chat_per_second: int | None = 1) -> None:
        """Enforce Telegram's flood limits on sends (None switches one off); sliding
        one-second windows, answered with 429 and the honest `retry_after`."""
        self._per_second = per_second
        self._per_chat_per_second = per_chat_per_second
        self._window.clear()
        self._chat_windows.clear()

    # ------------------------------------------------------------- inspection

    def sent_messages(self, chat_id: ChatId | None = None) -> list[JSONDict]:
        """Text messages the bot sent (sendMessage), as Telegram answered them."""
        return [m for m in self._sent_messages if chat_id is None or m["chat"]["id"] == chat_id]

    def sent_files(
        self,
        method: str | None = None,
        chat_id: ChatId | None = None,
    ) -> list[SentFile]:
        """File messages the bot sent, with their bytes; `method` like "sendVoice"."""
        return [
            f
            for f in self._sent_files
            if (method is None or f.method.lower() == method.lower())
            and (chat_id is None or f.chat_id == chat_id)
        ]

    def sent_voices(self, chat_id: ChatId | None = None) -> list[SentFile]:
        """Voice notes the bot sent: every reminder should come with one."""
        return self.sent_files("sendVoice", chat_id)

    def edits(self, chat_id: ChatId | None = None, message_id: int | None = None) -> list[Edit]:
        """Accepted edits in order, so a test can check each answered question was rewritten."""
        return [
            e
            for e in self._edits
            if (chat_id is None or e.chat_id == chat_id)
            and (message_id is None or e.message_id == message_id)
        ]

    def answered_callbacks(self, chat_id: ChatId | None = None) -> list[JSONDict]:
        """Parameters of every accepted answerCallbackQuery, in order."""
        return [
            a
            for a in self._answered
            if chat_id is None
            or self._callbacks.get(a["callback_query_id"], {}).get("chat_id") == chat_id
        ]

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids never answered: each one left a spinning button on a phone."""
        return [qid for qid, state in self._callbacks.items() if not state["answered"]]

    def chat_log(self, chat_id: ChatId) -> list[ChatEntry]:
        """The chat as the person sees it now, oldest first: their messages and the bot's,
        edits applied, deleted messages gone."""
        entries = []
        for message_id, message in sorted(self._messages.get(chat_id, {}).items()):
            kind = next(
                (k for k in ("voice", "audio", "document", "photo") if k in message),
                "text",
            )
            markup = message.get("reply_markup") or {}
            buttons = tuple(
                tuple(str(button.get("text", "")) for button in row)
                for row in markup.get("inline_keyboard", [])
            )
            entries.append(
                ChatEntry(
                    sender="bot" if message["from"]["id"] == self.bot_user["id"] else "person",
                    message_id=message_id,
                    kind=kind,
                    text=message.get("text", message.get("caption")),
                    buttons=buttons,
                    edited="edit_date" in message,
                    message=copy.deepcopy(message),
                )
            )
        return entries

    def chat_transcript(self, chat_id: ChatId) -> str:
        """`chat_log` as lines like "bot: Are you coming? [✅ Yes | ❌ No]"."""
        return "\n".join(str(entry) for entry in self.chat_log(chat_id))

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file_id, sent by the bot or pushed as a person's voice note."""
        return self._files[file_id].data

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by an offset: what a restarted poller would get again."""
        return copy.deepcopy(self._updates)

    async def settled(self, within: float = 5.0) -> None:
        """Wait until every request but a long poll has its status. A request held for a
        "timeout" gets its status only once the fake notices the client hung up, which
        can be after the client's retry has already succeeded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while open_calls := [
            c.method for c in self.calls if c.status is None and c.method != "getUpdates"
        ]:
            if loop.time() >= deadline:
                raise AssertionError(f"still open after {within} s: {open_calls}")
            await asyncio.sleep(0.01)

    def max_sends_in_any_second(self, chat_id: ChatId | None = None) -> int:
        """The most sends accepted within any one-second window, overall or to one chat:
        a way to check a sender's pacing without timing assertions."""
        times = [t for t, chat in self._accepted_times if chat_id is None or chat == chat_id]
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ----------------------------------------------------------- HTTP plumbing

    async def _api(self, request: Request) -> Response:
        token = request.path_params["token"]
        name = request.path_params["method"]
        entry = self._methods.get(name.lower())
        record = CallRecord(entry[0] if entry else name, {}, {}, time.monotonic())
        self.calls.append(record)
        try:
            params, uploads = await _read_params(request)
        except _ApiError as error:
            return _finish(record, error.status, _error_body(error))
        record.params = params
        record.files = {part: upload.data for part, upload in uploads.items()}
        if token != self.token:
            return _finish(record, 401, _error_body(_ApiError(401, "Unauthorized")))
        if entry is None:
            return _finish(record, 404, _error_body(_ApiError(404, "Not Found")))
        call = _Call(entry[0], params, uploads, record)
        failure = self._take_failure(call)
        try:
            if failure is not None:
                return await self._fail(failure, call, request)
            return _finish(record, 200, {"ok": True, "result": await self._run(call)})
        except _ApiError as error:
            return _finish(record, error.status, _error_body(error))

    async def _run(self, call: _Call) -> Any:
        chat = call.params.get("chat_id")
        if call.method in _BLOCKABLE and chat in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return await self._methods[call.method.lower()][1](call)

    def _take_failure(self, call: _Call) -> _Failure | None:
        for failure in self._failures:
            if failure.method == call.method.lower() and (
                failure.chat_id is None or failure.chat_id == call.params.get("chat_id")
            ):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    async def _fail(self, failure: _Failure, call: _Call, request: Request) -> Response:
        if failure.kind == "timeout":
            result = await self._run(call) if failure.delivered else None
            await self._hold(request, failure.delay)
            if failure.delivered:
                return _finish(call.record, 200, {"ok": True, "result": result})
            raise _ApiError(502, failure.description or "Bad Gateway")
        if failure.kind == "429":
            seconds = failure.retry_after
            raise _ApiError(
                429,
                failure.description or f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        description = (
            failure.description
            or {
                "400": "Bad Request: chat not found",
                "403": "Forbidden: bot was blocked by the user",
                "500": "Internal Server Error",
                "502": "Bad Gateway",
            }[failure.kind]
        )
        raise _ApiError(int(failure.kind), description)

    async def _hold(self, request: Request, seconds: float | None) -> None:
        """Keep the request open until the client hangs up, the fake stops, or time passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.max_hold if seconds is None else seconds)
        while loop.time() < deadline and not self._closing.is_set():
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.02)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(_error_body(_ApiError(401, "Unauthorized")), 401)
        path = request.path_params["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                media_type = stored.mime_type or "application/octet-stream"
                return Response(stored.data, media_type=media_type)
        return JSONResponse(_error_body(_ApiError(404, "Not Found")), 404)

    async def _not_found(self, request: Request) -> Response:
        return JSONResponse(_error_body(_ApiError(404, "Not Found")), 404)

    # --------------------------------------------------------------- methods

    async def _true(self, call: _Call) -> bool:
        return True

    async def _get_me(self, call: _Call) -> JSONDict:
        return self.bot_user

    async def _get_updates(self, call: _Call) -> list[JSONDict]:
        """Long polling: answer at once when updates wait, else when one arrives or
        `timeout` runs out. Updates stay queued until an `offset` moves past them."""
        if self.webhook_url:
            raise _ApiError(409, _WEBHOOK_CONFLICT)
        params = call.params
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            signal = self._update_signal
            ready = [u for u in self._updates if self._allowed(u)][:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing.is_set():
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    async def _set_webhook(self, call: _Call) -> bool:
        self.webhook_url = str(call.params.get("url") or "")
        self.webhook_secret = call.params.get("secret_token")
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, call: _Call) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: _Call) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        return info

    async def _send_message(self, call: _Call) -> JSONDict:
        chat_id = self._target_chat(call)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = self._checked_markup(call)
        self._admit_send(chat_id)
        message = self._new_message(chat_id, self._bot_from(), text=text, reply_markup=markup)
        self._copy_optional(call, message, "entities", "link_preview_options")
        self._attach_reply(call, chat_id, message)
        snapshot = copy.deepcopy(message)
        self._sent_messages.append(snapshot)
        return snapshot

    async def _send_voice(self, call: _Call) -> JSONDict:
        return self._send_file(call, "voice", ".oga", "audio/ogg")

    async def _send_audio(self, call: _Call) -> JSONDict:
        return self._send_file(call, "audio", ".mp3", "audio/mpeg")

    async def _send_document(self, call: _Call) -> JSONDict:
        return self._send_file(call, "document", "", "application/octet-stream")

    async def _send_photo(self, call: _Call) -> JSONDict:
        return self._send_file(call, "photo", ".jpg", "image/jpeg")

    def _send_file(self, call: _Call, field: str, suffix: str, default_mime: str) -> JSONDict:
        chat_id = self._target_chat(call)
        caption = call.params.get("caption")
        if isinstance(caption, str) and len(caption) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        markup = self._checked_markup(call)
        stored = self._take_file(call, field, suffix, default_mime)
        self._admit_send(chat_id)
        media: Any = self._file_fields(stored)
        if field == "voice":
            media.update(
                duration=_int_or(call.params.get("duration"), _ogg_opus_seconds(stored.data)),
                mime_type=stored.mime_type,
            )
        elif field == "audio":
            media.update(
                duration=_int_or(call.params.get("duration"), 0),
                mime_type=stored.mime_type,
            )
            for key in ("performer", "title"):
                if key in call.params:
                    media[key] = call.params[key]
            if stored.file_name:
                media["file_name"] = stored.file_name
        elif field == "document":
            media.update(mime_type=stored.mime_type)
            if stored.file_name:
                media["file_name"] = stored.file_name
        else:
            width, height = _png_size(stored.data)
            media.update(width=width, height=height)
            media = [media]
        extra: JSONDict = {field: media}
        if isinstance(caption, str):
            extra["caption"] = caption
        message = self._new_message(chat_id, self._bot_from(), reply_markup=markup, **extra)
        self._copy_optional(call, message, "caption_entities")
        self._attach_reply(call, chat_id, message)
        snapshot = copy.deepcopy(message)
        self._sent_files.append(
            SentFile(
                call.method,
                chat_id,
                message["message_id"],
                snapshot,
                stored.data,
                stored.file_name,
                stored.mime_type,
            )
        )
        return snapshot

    async def _edit_message_text(self, call: _Call) -> JSONDict | bool:
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._edit(call, "text", text)

    async def _edit_message_caption(self, call: _Call) -> JSONDict | bool:
        return self._edit(call, "caption", call.params.get("caption"))

    async def _edit_message_reply_markup(self, call: _Call) -> JSONDict | bool:
        return self._edit(call, None, None)

    def _edit(self, call: _Call, field: str | None, value: str | None) -> JSONDict | bool:
        """Telegram drops an inline keyboard that an edit does not restate, refuses edits that
        change nothing, and edits only the bot's own messages."""
        markup = self._checked_markup(call)
        if call.params.get("inline_message_id"):
            self._record_edit(call, None, None, value, markup)
            return True
        chat_id = self._target_chat(call)
        message_id = _int_or(call.params.get("message_id"), 0)
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        if field == "text" and "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        if field == "caption" and "text" in message:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        if (field is None or message.get(field) == value) and message.get("reply_markup") == markup:
            raise _ApiError(400, _NOT_MODIFIED)
        if field is not None:
            if value is None:
                message.pop(field, None)
            else:
                message[field] = value
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        shown = message.get("text", message.get("caption"))
        self._record_edit(call, chat_id, message_id, shown, markup)
        return copy.deepcopy(message)

    def _record_edit(
        self,
        call: _Call,
        chat_id: ChatId | None,
        message_id: int | None,
        text: str | None,
        markup: JSONDict | None,
    ) -> None:
        self._edits.append(Edit(call.method, chat_id, message_id, text, markup, call.record.time))

    async def _delete_message(self, call: _Call) -> bool:
        chat_messages = self._messages.get(self._target_chat(call), {})
        if chat_messages.pop(_int_or(call.params.get("message_id"), 0), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _answer_callback_query(self, call: _Call) -> bool:
        query_id = str(call.params.get("callback_query_id") or "")
        state = self._callbacks.get(query_id)
        if state is None or state["answered"]:
            raise _ApiError(400, _STALE_QUERY)
        state["answered"] = True
        self._answered.append(dict(call.params))
        return True

    async def _get_file(self, call: _Call) -> JSONDict:
        stored = self._files.get(str(call.params.get("file_id") or ""))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {**self._file_fields(stored), "file_path": stored.file_path}

    async def _set_my_commands(self, call: _Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        self._commands[_command_key(call.params)] = commands
        return True

    async def _get_my_commands(self, call: _Call) -> list[JSONDict]:
        return self._commands.get(_command_key(call.params), [])

    async def _delete_my_commands(self, call: _Call) -> bool:
        self._commands.pop(_command_key(call.params), None)
        return True

    # ---------------------------------------------------------------- helpers

    def _wake_pollers(self) -> None:
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def _allowed(self, update: JSONDict) -> bool:
        if not self._allowed_updates:
            return True
        return any(kind in update for kind in self._allowed_updates)

    def _target_chat(self, call: _Call) -> ChatId:
        chat_id = call.params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _checked_markup(self, call: _Call) -> JSONDict | None:
        """Only inline keyboards come back on the Message; callback data is 1-64 bytes."""
        markup = call.params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _admit_send(self, chat_id: ChatId) -> None:
        """Apply the flood limits (sliding one-second windows) and count the send."""
        now = time.monotonic()
        waits = []
        chat_window = self._chat_windows.setdefault(chat_id, deque())
        for window, allowed in (
            (self._window, self._per_second),
            (chat_window, self._per_chat_per_second),
        ):
            while window and window[0] <= now - 1.0:
                window.popleft()
            if allowed is not None and len(window) >= allowed:
                waits.append(window[len(window) - allowed] + 1.0 - now)
        if waits:
            self.rejected_by_limit += 1
            seconds = max(1, math.ceil(max(waits)))
            raise _ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        self._window.append(now)
        chat_window.append(now)
        self.accepted_sends += 1
        self.accepted_by_chat[chat_id] += 1
        self._accepted_times.append((now, chat_id))

    def _remember_person(
        self,
        chat_id: ChatId,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> JSONDict:
        user: JSONDict = {"id": chat_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        self._people[chat_id] = user
        return user

    def _chat(self, chat_id: ChatId) -> JSONDict:
        person = self._people.get(chat_id, {"first_name": "Member"})
        chat: JSONDict = {"id": chat_id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in person:
                chat[key] = person[key]
        return chat

    def _bot_from(self) -> JSONDict:
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _new_message(
        self,
        chat_id: ChatId,
        sender: JSONDict,
        reply_markup: JSONDict | None = None,
        **content: Any,
    ) -> JSONDict:
        """A message in the chat's own numbering, which both sides share in a private chat."""
        self._next_message_id[chat_id] += 1
        message_id = self._next_message_id[chat_id]
        message: JSONDict = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _copy_optional(self, call: _Call, message: JSONDict, *keys: str) -> None:
        for key in keys:
            if call.params.get(key) is not None:
                message[key] = call.params[key]

    def _attach_reply(self, call: _Call, chat_id: ChatId, message: JSONDict) -> None:
        parameters = call.params.get("reply_parameters")
        target = (
            parameters.get("message_id")
            if isinstance(parameters, dict)
            else call.params.get("reply_to_message_id")
        )
        original = self._messages.get(chat_id, {}).get(target) if target is not None else None
        if original is not None:
            message["reply_to_message"] = copy.deepcopy(original)

    def _take_file(self, call: _Call, field: str, suffix: str, default_mime: str) -> _StoredFile:
        value = call.params.get(field)
        upload = call.uploads.get(field)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            mime = _sniff_mime(upload.data) or upload.content_type or default_mime
            if mime == "application/octet-stream":
                mime = default_mime
            name = None if field in {"voice", "photo"} else upload.filename
            return self._store_file(field, upload.data, mime, name, suffix)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: failed to get HTTP URL content")
        if not value:
            raise _ApiError(400, f"Bad Request: there is no {field} in the request")
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _store_file(
        self,
        kind: str,
        data: bytes,
        mime: str | None,
        name: str | None,
        suffix: str,
    ) -> _StoredFile:
        number = len(self._files) + 1
        stored = _StoredFile(
            file_id=f"fake-{kind}-{number}",
            file_unique_id=f"u{number:06d}",
            data=data,
            file_path=f"{kind}s/file_{number}{suffix}",
            mime_type=mime,
            file_name=name,
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _file_fields(stored: _StoredFile) -> JSONDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }


# ------------------------------------------------------------- module helpers


def loopback_request(**kwargs: Any) -> HTTPXRequest:
    """PTB's own HTTPX request, minus loading the CA bundle: the fake speaks plain HTTP, and
    the bundle costs about 80 ms per client (PTB makes two per Bot). Use it with
    `Application.builder().request(...).get_updates_request(...)` to keep tests quick."""
    httpx_kwargs = {"verify": False, **kwargs.pop("httpx_kwargs", {})}
    return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)


def _finish(record: CallRecord, status: int, body: JSONDict) -> JSONResponse:
    record.status = status
    record.response = body
    return JSONResponse(body, status_code=status)


def _error_body(error: _ApiError) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": error.status, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return body


async def _read_params(request: Request) -> tuple[JSONDict, dict[str, _Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body, decoded as
    Telegram does: PTB sends form fields whose non-string values are JSON-encoded."""
    raw: dict[str, Any] = dict(request.query_params)
    uploads: dict[str, _Upload] = {}
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body) if body.strip() else {}
        except ValueError as error:
            raise _ApiError(400, "Bad Request: can't parse JSON object") from error
        if not isinstance(decoded, dict):
            raise _ApiError(400, "Bad Request: JSON object expected")
        raw.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        fields, uploads = _parse_multipart(body, content_type)
        raw.update(fields)
    elif body:
        raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {name: _decode_value(name, value) for name, value in raw.items()}, uploads


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, _Upload]]:
    """A small multipart/form-data reader (Starlette's needs python-multipart, which the
    project does not depend on). Parts with a filename are uploads, the rest are fields."""
    header = _HeaderBlock()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        raise _ApiError(400, "Bad Request: multipart boundary is missing")
    fields: dict[str, str] = {}
    uploads: dict[str, _Upload] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = _HeaderBlock()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip():
                headers[key.strip()] = value.strip()
        name = _header_param(headers, "name")
        if name is None:
            continue
        filename = _header_param(headers, "filename")
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            uploads[name] = _Upload(data, filename, headers.get("content-type"))
    return fields, uploads


def _header_param(headers: _HeaderBlock, param: str) -> str | None:
    value = headers.get_param(param, header="content-disposition")
    if value is None or isinstance(value, str):
        return value
    return collapse_rfc2231_value(value)


def _command_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _sniff_mime(data: bytes) -> str | None:
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or data[:2] in {b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"}:
        return "audio/mpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return None


def _ogg_opus_seconds(data: bytes) -> int:
    """Telegram works out a voice note's duration itself; so does the fake, for OGG/Opus:
    the last page's granule position minus the pre-skip, at 48 kHz."""
    head = data.find(b"OpusHead")
    last_page = data.rfind(b"OggS")
    if head < 0 or last_page < 0 or len(data) < last_page + 14:
        return 0
    pre_skip = int.from_bytes(data[head + 10 : head + 12], "little")
    granule = int.from_bytes(data[last_page + 6 : last_page + 14], "little")
    return max(round((granule - pre_skip) / 48000), 0)


def _png_size(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1, 1
