"""Posting the fuzz test's probes (`tests.fuzz_requests`) to the web app, and checking
what each must get: never a 5xx; a forgery 403; and a genuine input from a person
answered (a reply, a callback answered, words said on the call) or kept (its provider id
recorded, as for STOP, which Twilio answers itself)."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select

from storage.models import InboundKey
from storage.outbox import Status
from tests.fakes.twilio_api import sign
from tests.fuzz_requests import AudioProbe, TelegramProbe, TwilioProbe
from tests.inbound_support import Inbound
from tests.telegram_support import SECRET, keyboard_of
from tests.twilio_support import PUBLIC_URL

__all__ = ["Poster"]

JSONDict = dict[str, Any]
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}


class Poster:
    def __init__(self, inbound: Inbound) -> None:
        self.inbound = inbound
        self.sent: Counter[str] = Counter()
        """Requests posted, by endpoint and status ("sms 200")."""
        self.genuine = 0
        """Genuine inputs from people, each checked to be answered or kept."""
        assert inbound.tw.bot_api is not None
        self.api = inbound.tw.bot_api

    async def post(self, probe: TelegramProbe | TwilioProbe | AudioProbe) -> None:
        if isinstance(probe, TelegramProbe):
            await self._telegram(probe)
        elif isinstance(probe, TwilioProbe):
            await self._twilio(probe)
        else:
            response = await self.inbound.client.get(f"/audio/{quote(probe.key, safe='')}")
            self._count("audio", response)
            assert response.status_code in {200, 307, 404}  # 307: a key such as "." is no key

    def _count(self, endpoint: str, response: httpx.Response) -> None:
        self.sent[f"{endpoint} {response.status_code}"] += 1
        assert response.status_code < 500, f"{endpoint}: {response.status_code} {response.text}"

    # ------------------------------------------------------------------- Telegram

    async def _telegram(self, probe: TelegramProbe) -> None:
        chat = probe.user
        before = self._heard(chat)
        body, update_id = self._body(probe)
        if isinstance(body, dict):
            self.api.take_update_id(body.get("update_id"))
        response = await self.inbound.telegram(body, secret=SECRET if probe.secret_ok else "wrong")
        self._count("telegram", response)
        if not probe.secret_ok:
            assert response.status_code == 403
            return
        assert response.status_code == 200
        if probe.valid:
            self.genuine += 1
            assert await self._kept("telegram", str(update_id)), f"update {update_id} not kept"
            assert self._heard(chat) > before, f"nothing answered {probe}"

    def _heard(self, chat: int) -> int:
        """Messages sent and presses answered in this chat so far."""
        return len(self.api.sent_messages(chat)) + len(self.api.answered_callbacks(chat))

    def _body(self, probe: TelegramProbe) -> tuple[bytes | JSONDict, int | None]:
        if probe.kind in {"json", "bytes"}:
            return probe.body, None
        if probe.kind == "deep":
            return (probe.words * probe.depth).encode(), None
        update = self._update(probe)
        if probe.kind == "mutated":
            _replace(update, probe.field, probe.value)
        return update, update.get("update_id")

    def _update(self, probe: TelegramProbe) -> JSONDict:
        chat, api = probe.user, self.api
        if probe.kind == "voice":
            return api.push_voice(chat)
        if probe.kind == "press":
            asked = [e.message for e in api.chat_log(chat) if keyboard_of(e.message)]
            message = asked[-1] if asked else {"message_id": 1}
            buttons = [b["callback_data"] for r in keyboard_of(message) for b in r]
            data = probe.data if probe.data is not None or not buttons else None
            if data is None:
                data = buttons[probe.button % len(buttons)] if buttons else "q1:start"
            return api.push_callback(chat, message["message_id"], data)
        update = copy.deepcopy(api.push_message(chat, probe.words or "hello"))
        message = update.pop("message")
        if probe.kind == "edited":
            update["edited_message"] = {**message, "edit_date": message["date"]}
        elif probe.kind == "group":
            update["message"] = {**message, "chat": {"id": -100 - chat, "type": "group"}}
        elif probe.kind == "no_sender":
            update["callback_query"] = {"id": "1", "chat_instance": "x", "data": probe.data}
        else:
            update["message"] = message
        return update

    # --------------------------------------------------------------------- Twilio

    async def _twilio(self, probe: TwilioProbe) -> None:
        fields = dict(probe.fields)
        if probe.fresh is not None:
            fields[probe.fresh] = ("SM" if probe.fresh == "MessageSid" else "CA") + uuid.uuid4().hex
        url = str(httpx.URL(PUBLIC_URL + probe.path))  # signed as sent: percent-encoded
        token = self.inbound.tw.fake.auth_token if probe.signing == "twilio" else "not-the-token"
        headers = (
            {} if probe.signing == "none" else {"X-Twilio-Signature": sign(token, url, fields)}
        )
        response = await self.inbound.client.post(url, data=fields, headers=headers)
        endpoint = probe.path.partition("?")[0].rpartition("/")[2]
        self._count(endpoint, response)
        if probe.signing != "twilio":
            assert response.status_code == 403
            return
        assert response.status_code == 200
        self.genuine += probe.valid
        if probe.valid and endpoint == "sms":
            opted_out = fields.get("Body", "").strip().upper() in OPT_OUT
            answered = "<Message>" in response.text
            assert answered or (opted_out and await self._kept("sms", fields["MessageSid"]))
        elif probe.valid:
            assert "<Say" in response.text or "<Play>" in response.text, response.text
        elif probe.settles:
            self.genuine += 1
            assert await self._settled(fields["MessageSid"]), f"{probe} left its row as sent"

    async def _settled(self, provider_id: str) -> bool:
        async with self.inbound.tw.club.units() as uow:
            row = await uow.outbox.by_provider_id(provider_id)
            return row is not None and row.status != Status.SENT

    async def _kept(self, source: str, key: str) -> bool:
        async with self.inbound.tw.club.units() as uow:
            query = select(InboundKey).where(InboundKey.source == source, InboundKey.key == key)
            return (await uow.session.scalars(query)).first() is not None


def _replace(update: JSONDict, index: int, value: Any) -> None:
    """Replace the `index`-th field (counting depth first, wrapping round) by `value`."""
    places: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                places.append((node, key))
                walk(child)
        elif isinstance(node, list):
            for position, child in enumerate(node):
                places.append((node, position))
                walk(child)

    walk(update)
    parent, key = places[index % len(places)]
    parent[key] = value
